/**
 * The sky in words (src/stream/skyWords.ts) and the snapshot it reads
 * (src/stream/skySnapshot.ts): plain values in, plain words out.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { skyWords, agoWords, pressureTrend, type SkySnapshot } from '../src/stream/skyWords.ts';
import { skySnapshotFrom, pressureTendency } from '../src/stream/skySnapshot.ts';
import { SkyState } from '../src/ingest/skyState.ts';
import type { Quantity } from '../src/ingest/units.ts';
import type { SensorState } from '../src/ingest/sensorMessage.ts';

const reading = (sensorId: string, at: number, quantity: Quantity, value: number): SensorState => ({
  kind: 'state',
  site: 'lobby',
  sensorId,
  measuredAtMs: at,
  readings: [{ quantity, value }],
  rejected: [],
});

const NOW = Date.parse('2026-10-15T16:00:00Z');
const sky = (s: Partial<SkySnapshot>): SkySnapshot => ({ atMs: NOW, events: [], ...s });

describe('skyWords', () => {
  it('says the issue\'s example sentence', () => {
    const w = skyWords(sky({ cloudCover: 1, windMps: 8.2, pressureTendencyHPa3h: -2.5, events: [{ kind: 'flock', atMs: NOW - 120_000, count: 30 }] }));
    assert.equal(w.text, 'overcast, wind 8 m/s, pressure falling, a flock passed two minutes ago');
    assert.equal(w.icon, 'overcast');
    assert.equal(w.trend, 'falling');
  });

  it('names cloud cover in oktas, rain and snow by intensity, and night', () => {
    assert.equal(skyWords(sky({ cloudCover: 0 })).sky, 'clear');
    assert.equal(skyWords(sky({ cloudCover: 0.3 })).sky, 'a few clouds');
    assert.equal(skyWords(sky({ cloudCover: 0.5 })).sky, 'partly cloudy');
    assert.equal(skyWords(sky({ cloudCover: 0.8 })).sky, 'mostly cloudy');
    assert.equal(skyWords(sky({ cloudCover: 0.05, sunElevationDeg: -20 })).sky, 'clear night');
    assert.equal(skyWords(sky({ cloudCover: 1, precipitationMmH: 1 })).sky, 'light rain');
    assert.equal(skyWords(sky({ cloudCover: 1, precipitationMmH: 5 })).sky, 'rain');
    assert.equal(skyWords(sky({ cloudCover: 1, precipitationMmH: 12 })).sky, 'heavy rain');
    assert.equal(skyWords(sky({ precipitationMmH: 1, temperatureC: -2 })).icon, 'snow');
    assert.equal(skyWords(sky({ precipitationMmH: 0.02, cloudCover: 1 })).sky, 'overcast', 'a trace is not rain');
    assert.equal(skyWords(sky({})).text, 'sky unseen');
  });

  it('says calm, wind and gusts', () => {
    assert.equal(skyWords(sky({ windMps: 0.2 })).wind, 'calm');
    assert.equal(skyWords(sky({ windMps: 6, gustMps: 8 })).wind, 'wind 6 m/s');
    assert.equal(skyWords(sky({ windMps: 6, gustMps: 14.4 })).wind, 'wind 6 m/s, gusts 14');
  });

  it('grades the 3 h pressure tendency the WMO way', () => {
    assert.equal(pressureTrend(0.4), 'steady');
    assert.equal(pressureTrend(-0.9), 'steady');
    assert.equal(pressureTrend(2), 'rising');
    assert.equal(pressureTrend(-7), 'falling fast');
    assert.equal(pressureTrend(6.5), 'rising fast');
  });

  it('tells recent events newest first, counts and ages in words, and forgets old news', () => {
    const w = skyWords(
      sky({
        events: [
          { kind: 'aircraft', atMs: NOW - 20_000, count: 1 },
          { kind: 'bird', atMs: NOW - 300_000, count: 3 },
          { kind: 'bird', atMs: NOW - 600_000, count: 1 },
          { kind: 'sunset', atMs: NOW - 3600_000, count: 1 },
        ],
      }),
    );
    assert.deepEqual(w.events, ['a plane crossed just now', 'three birds flew by five minutes ago']);
    assert.equal(agoWords(70_000), 'a minute ago');
    assert.equal(agoWords(14 * 60_000), '14 minutes ago');
  });

  it('always gives one short line, whatever the numbers (property)', () => {
    const opt = (arb: fc.Arbitrary<number>) => fc.option(arb, { nil: undefined });
    fc.assert(
      fc.property(
        opt(fc.double({ min: 0, max: 1, noNaN: true })),
        opt(fc.double({ min: 0, max: 115, noNaN: true })),
        opt(fc.double({ min: -40, max: 40, noNaN: true })),
        opt(fc.double({ min: 0, max: 500, noNaN: true })),
        fc.array(fc.record({ kind: fc.constantFrom('bird', 'flock', 'aircraft', 'rain_onset', 'sunrise') as fc.Arbitrary<'bird'>, atMs: fc.integer({ min: NOW - 3600_000, max: NOW }), count: fc.integer({ min: 1, max: 10000 }) }), { maxLength: 20 }),
        (cloudCover, windMps, pressureTendencyHPa3h, precipitationMmH, events) => {
          const w = skyWords(sky({ cloudCover, windMps, pressureTendencyHPa3h, precipitationMmH, events }));
          assert.ok(w.text.length > 0 && w.text.length < 200, w.text);
          assert.ok(!/undefined|NaN/.test(w.text), w.text);
          assert.ok(w.events.length <= 2);
        },
      ),
    );
  });
});

describe('skySnapshotFrom', () => {
  it('reads the held readings, leaves stale ones out, and computes the 3 h tendency', () => {
    const state = new SkyState();
    for (let m = 0; m <= 180; m += 5) {
      const at = NOW - (180 - m) * 60_000;
      state.apply(reading('roof-baro', at, 'pressure', 1012 - m * (3 / 180)), at);
    }
    state.apply(reading('roof-wind', NOW - 60_000, 'wind_speed', 7.9), NOW - 60_000);
    state.apply(reading('sky-camera', NOW - 3600_000, 'cloud_cover', 0.2), NOW - 3600_000);
    state.apply({ kind: 'event', site: 'lobby', sensorId: 'sky-camera', measuredAtMs: NOW - 120_000, event: 'flock', confidence: 0.9, count: 12, headingDeg: undefined }, NOW - 119_000);
    const snapshot = skySnapshotFrom(state, NOW, 15);
    assert.equal(snapshot.windMps, 7.9);
    assert.equal(snapshot.cloudCover, undefined, 'an hour-old cloud reading is not now');
    assert.ok(Math.abs((snapshot.pressureTendencyHPa3h ?? 0) + 3) < 0.01, `tendency ${snapshot.pressureTendencyHPa3h}`);
    assert.equal(skyWords(snapshot).text, 'sky unseen, wind 8 m/s, pressure falling, a flock passed two minutes ago');
  });

  it('gives no tendency from less than an hour of history', () => {
    assert.equal(pressureTendency([{ atMs: NOW - 30 * 60_000, hPa: 1010 }, { atMs: NOW, hPa: 1008 }], NOW), undefined);
    assert.equal(pressureTendency([], NOW), undefined);
  });
});
