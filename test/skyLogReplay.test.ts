/** Replaying a recorded sky log: hostile lines listed and skipped, time shift, loop, site. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSkyLog, SkyLogReplay } from '../sensors/replay/skyLogReplay.ts';
import { parseSensorMessage } from '../src/ingest/sensorMessage.ts';
import { bytes } from './support/skyMessages.ts';

const at = (s: number): string => new Date(Date.parse('2026-10-15T10:00:00.000Z') + s * 1000).toISOString();
const state = (s: number, hPa: number): string =>
  JSON.stringify({ at: at(s), topic: 'skychoir/roof/sensor/roof-baro/state', payload: { v: 1, ts: at(s), readings: { pressure: { value: hPa, unit: 'hPa' } } }, retain: true });

const LOG = [
  state(0, 1010),
  JSON.stringify({ at: at(5), topic: 'skychoir/roof/sensor/sky-camera/event', payload: { v: 1, ts: at(5), kind: 'flock', count: 30 } }),
  'this is not json',
  JSON.stringify({ at: 'teatime', topic: 'skychoir/roof/sensor/roof-baro/state', payload: {} }),
  JSON.stringify({ at: at(6), topic: 'skychoir/roof/../../etc/state', payload: {} }),
  JSON.stringify({ at: at(7), topic: 'skychoir/roof/sensor/roof-baro/state' }),
  JSON.stringify({ at: at(8), topic: 'skychoir/roof/sensor/x/state', payload: 'x'.repeat(70_000) }),
  '42',
  '',
  JSON.stringify({ at: at(9), topic: 'skychoir/roof/sensor/roof-wind/availability', payload: 'online', retain: true }),
  state(10, 1009),
].join('\n');

describe('parseSkyLog', () => {
  const parsed = parseSkyLog(LOG, 'sky.jsonl');

  it('keeps the good lines, in time order', () => {
    assert.deepEqual(
      parsed.entries.map((e) => [e.atMs - Date.parse(at(0)), e.sensorId, e.channel, e.retain]),
      [
        [0, 'roof-baro', 'state', true],
        [5000, 'sky-camera', 'event', false],
        [9000, 'roof-wind', 'availability', true],
        [10_000, 'roof-baro', 'state', true],
      ],
    );
  });

  it('lists every hostile line with its line number and why', () => {
    assert.deepEqual(parsed.problems, [
      'sky.jsonl:3: not JSON, skipped',
      "sky.jsonl:4: 'at' is not an ISO 8601 time, skipped",
      'sky.jsonl:5: topic is not skychoir/<site>/sensor/<id>/<channel>, skipped',
      'sky.jsonl:6: no payload, skipped',
      'sky.jsonl:7: line longer than 65536 characters, skipped',
      'sky.jsonl:8: not an object, skipped',
    ]);
  });

  it('sorts lines recorded out of order', () => {
    const p = parseSkyLog([state(10, 1009), state(0, 1010)].join('\n'), 'x');
    assert.deepEqual(p.entries.map((e) => e.atMs - Date.parse(at(0))), [0, 10_000]);
  });
});

describe('SkyLogReplay', () => {
  const parsed = parseSkyLog(LOG, 'sky.jsonl');
  const startMs = Date.parse('2027-01-01T00:00:00.000Z');

  it('refuses a log with nothing usable', () => {
    assert.throws(() => new SkyLogReplay(parseSkyLog('nope\n', 'bad.jsonl'), 'bad.jsonl', { site: 'lobby' }), /sky log bad\.jsonl: no usable messages \(bad\.jsonl:1: not JSON/);
  });

  it('plays at its own times by default', () => {
    const replay = new SkyLogReplay(parsed, 'sky.jsonl', { site: 'lobby' });
    const first = Date.parse(at(0));
    assert.equal(replay.startMs, first);
    assert.equal(replay.publicationsBetween(first - 1, first + 10_000).length, 4);
    assert.equal(replay.publicationsBetween(first, first + 10_000).length, 3, 'the window is (from, to]');
    assert.deepEqual([...replay.sensorIds].sort(), ['roof-baro', 'roof-wind', 'sky-camera']);
  });

  it('shifts to a start time, rewriting payload ts, and moves topics to the replaying site', () => {
    const replay = new SkyLogReplay(parsed, 'sky.jsonl', { site: 'lobby', startMs });
    const pubs = replay.publicationsBetween(startMs - 1, startMs + 60_000);
    assert.deepEqual(
      pubs.map((p) => [p.atMs - startMs, p.topic]),
      [
        [0, 'skychoir/lobby/sensor/roof-baro/state'],
        [5000, 'skychoir/lobby/sensor/sky-camera/event'],
        [9000, 'skychoir/lobby/sensor/roof-wind/availability'],
        [10_000, 'skychoir/lobby/sensor/roof-baro/state'],
      ],
    );
    for (const p of pubs) {
      const r = parseSensorMessage(p.topic, bytes(p.payload));
      assert.ok(r.ok, p.payload);
      assert.equal(r.message.site, 'lobby');
      if (r.message.kind !== 'availability') assert.equal(r.message.measuredAtMs, p.atMs, 'ts moved with the replay');
    }
    assert.equal(pubs[2]?.payload, 'online', 'string payloads pass as they are');
    const event = JSON.parse(pubs[1]?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(event.count, 30, 'other fields untouched');
  });

  it('without loop, plays once', () => {
    const replay = new SkyLogReplay(parsed, 'sky.jsonl', { site: 'lobby', startMs });
    assert.deepEqual(replay.publicationsBetween(startMs + 10_000, startMs + 3600_000), []);
  });

  it('in loop mode repeats the log, a second after its last message, in any window', () => {
    const replay = new SkyLogReplay(parsed, 'sky.jsonl', { site: 'lobby', startMs, loop: true });
    const span = 11_000; // last - first + 1 s
    const pubs = replay.publicationsBetween(startMs - 1, startMs + 3 * span - 1);
    assert.deepEqual(
      pubs.map((p) => p.atMs - startMs),
      [0, 5000, 9000, 10_000, span, span + 5000, span + 9000, span + 10_000, 2 * span, 2 * span + 5000, 2 * span + 9000, 2 * span + 10_000],
    );
    // A window far into the future sees the same cycle.
    const cycle = 1000;
    const later = replay.publicationsBetween(startMs + cycle * span - 1, startMs + (cycle + 1) * span - 1);
    assert.deepEqual(later.map((p) => p.atMs - startMs - cycle * span), [0, 5000, 9000, 10_000]);
    const ts = (JSON.parse(later[0]?.payload ?? '{}') as { ts: string }).ts;
    assert.equal(Date.parse(ts), later[0]?.atMs);
    // Windows partition the stream: small windows give the same publications as one large one.
    const pieces = [];
    for (let t = startMs - 1; t < startMs + 3 * span - 1; t += 700) pieces.push(...replay.publicationsBetween(t, Math.min(t + 700, startMs + 3 * span - 1)));
    assert.deepEqual(pieces, pubs);
  });
});
