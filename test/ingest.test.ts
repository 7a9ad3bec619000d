/** Ingest: parse, count by reason, drop other sites, apply the rest; never throw. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Ingest } from '../src/ingest/ingest.ts';
import { IngestCounters } from '../src/ingest/ingestCounters.ts';
import { createLogger } from '../src/log/logger.ts';
import { sensorTopic } from '../src/ingest/sensorMessage.ts';
import { bytes, eventPayload, eventTopic, pressureHPa, statePayload, stateTopic, T0 } from './support/skyMessages.ts';

describe('Ingest.receive', () => {
  it('accepts good messages and applies them to the sky', () => {
    const ingest = new Ingest('lobby');
    assert.equal(ingest.receive(stateTopic('roof-baro'), statePayload(pressureHPa(1008), T0), T0 + 5), true);
    assert.equal(ingest.receive(eventTopic('sky-camera'), eventPayload('bird', T0), T0 + 5), true);
    assert.equal(ingest.counters.accepted, 2);
    assert.equal(ingest.sky.readings.get('pressure')?.value, 1008);
    assert.equal(ingest.sky.events.length, 1);
  });

  it('counts drops by reason and does not touch the sky', () => {
    const ingest = new Ingest('lobby');
    ingest.receive('not/a/topic', bytes('{}'), T0);
    ingest.receive(stateTopic('roof-baro'), bytes('{nope'), T0);
    ingest.receive(stateTopic('roof-baro'), bytes('{nope'), T0);
    ingest.receive(stateTopic('roof-baro'), bytes(JSON.stringify({ v: 9, ts: 'x', readings: {} })), T0);
    ingest.receive(stateTopic('roof-baro'), statePayload({ pressure: { value: 5, unit: 'hPa' } }, T0), T0);
    assert.deepEqual(ingest.counters.snapshot(), {
      accepted: 0,
      dropped: { topic: 1, json: 2, version: 1, out_of_range: 1 },
      droppedReadings: {},
    });
    assert.equal(ingest.sky.readings.size, 0);
  });

  it('counts the bad readings of an accepted state separately', () => {
    const ingest = new Ingest('lobby');
    const payload = statePayload({ pressure: { value: 1008, unit: 'hPa' }, wind_speed: { value: 3, unit: 'beaufort' } }, T0);
    assert.equal(ingest.receive(stateTopic('roof'), payload, T0), true);
    assert.deepEqual(ingest.counters.snapshot(), { accepted: 1, dropped: {}, droppedReadings: { unit: 1 } });
    assert.equal(ingest.sky.readings.has('wind_speed'), false);
  });

  it('drops a message for another site, counted as a topic drop, and logs why', () => {
    const lines: string[] = [];
    const log = createLogger('ingest', { write: (line) => lines.push(line), now: () => T0 });
    const ingest = new Ingest('lobby', log);
    assert.equal(ingest.receive(stateTopic('roof-baro', 'rooftop-2'), statePayload(pressureHPa(1008), T0), T0), false);
    assert.equal(ingest.counters.dropped.get('topic'), 1);
    assert.equal(ingest.counters.accepted, 0);
    assert.equal(ingest.sky.readings.size, 0);
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /site 'rooftop-2' ignored; this engine serves 'lobby'/);
  });

  it('a late retained reading does not overwrite a newer one', () => {
    const ingest = new Ingest('lobby');
    ingest.receive(stateTopic('roof-baro'), statePayload(pressureHPa(1001), T0 + 60_000), T0 + 60_000);
    assert.equal(ingest.receive(stateTopic('roof-baro'), statePayload(pressureHPa(1030), T0), T0 + 61_000), true);
    assert.equal(ingest.sky.readings.get('pressure')?.value, 1001);
  });

  it('marks a sensor offline from its availability (last will)', () => {
    const ingest = new Ingest('lobby');
    ingest.receive(sensorTopic('lobby', 'roof-wind', 'availability'), bytes('offline'), T0);
    assert.equal(ingest.sky.sensors.get('roof-wind')?.online, false);
  });

  it('never throws, and every message is either accepted or counted once as dropped', () => {
    const ingest = new Ingest('lobby');
    const topic = fc.oneof(fc.string(), fc.constantFrom(stateTopic('a'), eventTopic('a'), stateTopic('a', 'elsewhere')));
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((v) => bytes(JSON.stringify(v) ?? '')),
      fc.double().map((x) => statePayload(pressureHPa(x), T0)),
    );
    let sent = 0;
    fc.assert(
      fc.property(topic, payload, (t, p) => {
        ingest.receive(t, p, T0);
        sent++;
        const dropped = [...ingest.counters.dropped.values()].reduce((a, b) => a + b, 0);
        assert.equal(ingest.counters.accepted + dropped, sent);
      }),
      { numRuns: 400 },
    );
  });
});

describe('IngestCounters', () => {
  it('snapshots counts as plain objects', () => {
    const c = new IngestCounters();
    c.drop('json');
    c.drop('json');
    c.dropReading('unit');
    c.accepted = 3;
    assert.deepEqual(c.snapshot(), { accepted: 3, dropped: { json: 2 }, droppedReadings: { unit: 1 } });
  });
});
