/** What the engine holds of the sky: latest readings, bounded pressure history and events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SkyState } from '../src/ingest/skyState.ts';
import type { SensorState, SkyEvent } from '../src/ingest/sensorMessage.ts';
import { T0 } from './support/skyMessages.ts';

function pressureState(hPa: number, atMs: number, sensorId = 'roof-baro'): SensorState {
  return { kind: 'state', site: 'lobby', sensorId, measuredAtMs: atMs, readings: [{ quantity: 'pressure', value: hPa }], rejected: [] };
}

function flock(atMs: number): SkyEvent {
  return { kind: 'event', site: 'lobby', sensorId: 'sky-camera', measuredAtMs: atMs, event: 'flock', confidence: 0.9, count: 40, headingDeg: 90 };
}

describe('SkyState', () => {
  it('holds the latest reading with who measured it and when', () => {
    const sky = new SkyState();
    sky.apply(pressureState(1010, T0), T0 + 50);
    assert.deepEqual(sky.readings.get('pressure'), { value: 1010, sensorId: 'roof-baro', measuredAtMs: T0, receivedAtMs: T0 + 50 });
    sky.apply(pressureState(1009, T0 + 10_000), T0 + 10_050);
    assert.equal(sky.readings.get('pressure')?.value, 1009);
  });

  it('a late (older) retained reading does not overwrite a newer one', () => {
    const sky = new SkyState();
    sky.apply(pressureState(1009, T0 + 60_000), T0 + 60_000);
    sky.apply(pressureState(1020, T0), T0 + 61_000); // retained message redelivered after a reconnect
    const held = sky.readings.get('pressure');
    assert.equal(held?.value, 1009);
    assert.equal(held?.measuredAtMs, T0 + 60_000);
    assert.deepEqual(sky.pressureHistory, [{ atMs: T0 + 60_000, hPa: 1009 }]);
  });

  it('records sensor availability and freshness', () => {
    const sky = new SkyState();
    sky.apply({ kind: 'availability', site: 'lobby', sensorId: 'roof-wind', online: false }, T0);
    assert.deepEqual(sky.sensors.get('roof-wind'), { sensorId: 'roof-wind', online: false, lastMessageMs: T0 });
    sky.apply(pressureState(1000, T0 + 5000, 'roof-wind'), T0 + 5000);
    assert.deepEqual(sky.sensors.get('roof-wind'), { sensorId: 'roof-wind', online: true, lastMessageMs: T0 + 5000 });
  });

  it('bounds the number of sensors it tracks', () => {
    const sky = new SkyState();
    for (let i = 0; i < 500; i++) sky.apply({ kind: 'availability', site: 'lobby', sensorId: `s${i}`, online: true }, T0 + i);
    assert.ok(sky.sensors.size <= 64, `${sky.sensors.size} sensors tracked`);
    assert.ok(sky.sensors.has('s0'), 'sensors already known keep being tracked');
  });

  it('keeps one pressure sample a minute, the newest within the minute, bounded to 3.5 h', () => {
    const sky = new SkyState();
    // A barometer every 10 s for 5 hours, falling 1 hPa an hour.
    for (let t = 0; t <= 5 * 3600_000; t += 10_000) sky.apply(pressureState(1013 - t / 3600_000, T0 + t), T0 + t);
    const history = sky.pressureHistory;
    const first = history[0];
    const last = history.at(-1);
    assert.ok(first && last);
    for (let i = 1; i < history.length; i++) {
      assert.equal((history[i]?.atMs ?? 0) - (history[i - 1]?.atMs ?? 0), 60_000, 'one sample a minute');
    }
    assert.ok(last.atMs - first.atMs <= 3.5 * 3600_000, 'at most 3.5 h kept');
    assert.ok(last.atMs - first.atMs >= 3.4 * 3600_000, 'enough kept for a 3 h tendency');
    assert.equal(history.length, 3.5 * 60 + 1);
    // A minute's sample holds the newest reading of that minute (taken 50 s after it opened).
    const full = history.at(-2);
    assert.ok(full);
    assert.ok(Math.abs(full.hPa - (1013 - (full.atMs + 50_000 - T0) / 3600_000)) < 1e-9);
  });

  it('hands each event to the conductor exactly once', () => {
    const sky = new SkyState();
    sky.apply(flock(T0), T0);
    sky.apply(flock(T0 + 1000), T0 + 1000);
    const first = sky.takeNewEvents();
    assert.equal(first.length, 2);
    assert.equal(first[0]?.event, 'flock');
    assert.equal(first[0]?.count, 40);
    assert.deepEqual(sky.takeNewEvents(), []);
    sky.apply(flock(T0 + 2000), T0 + 2000);
    assert.deepEqual(
      sky.takeNewEvents().map((e) => e.atMs),
      [T0 + 2000],
    );
    assert.equal(sky.events.length, 3, 'recent events stay for the features');
  });

  it('bounds events by count and by age', () => {
    const sky = new SkyState();
    for (let i = 0; i < 5000; i++) sky.apply(flock(T0 + i * 10), T0 + i * 10);
    assert.ok(sky.events.length <= 2000, `${sky.events.length} events held`);
    const unheard = sky.takeNewEvents();
    assert.ok(unheard.length <= 2000, `${unheard.length} unheard events held`);
    assert.equal(unheard.at(-1)?.atMs, T0 + 4999 * 10, 'the newest are the ones kept');
    // Twenty minutes later a new event pushes all the old ones out.
    sky.apply(flock(T0 + 3600_000), T0 + 3600_000);
    assert.equal(sky.events.length, 1);
  });
});
