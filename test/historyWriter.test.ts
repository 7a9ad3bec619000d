/**
 * The history writer on a real SQLite file: values folded into minutes, only ended
 * minutes written by a flush, the current one at stop, a minute split by a restart
 * merged, wind direction averaged on the circle, retention, and a write that fails
 * (another connection holding the write lock) counted, logged and retried without loss.
 * The recorder's sensor path: real sensor messages through the engine's own parser.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SkychoirStore } from '../src/store/store.ts';
import { HistoryWriter } from '../src/store/historyWriter.ts';
import { historySamples } from '../src/engine/liveRecorder.ts';
import { parseSensorMessage } from '../src/ingest/sensorMessage.ts';
import { createLogger } from '../src/log/logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'skychoir-history-'));
let files = 0;
const fresh = (): string => join(dir, `h${files++}.db`);
const T0 = Date.UTC(2026, 10, 21, 12, 0);
const MIN = 60_000;

function rig(path = fresh(), options: { busyTimeoutMs?: number } = {}) {
  let now = T0;
  const lines: string[] = [];
  const store = SkychoirStore.open(path, options);
  const writer = new HistoryWriter(store, { log: createLogger('test', { write: (l) => lines.push(l) }), nowMs: () => now, historyRetentionDays: 2, eventRetentionDays: 1 });
  return { path, store, writer, lines, at: (ms: number) => (now = ms) };
}

describe('history writer', () => {
  it('folds values into one row per series and minute, and writes a minute only once it has ended', () => {
    const { store, writer, at } = rig();
    for (const [s, v] of [[0, 3], [20, 5], [40, 7]] as const) writer.add('wind_speed', v, T0 + s * 1000);
    writer.add('wind_speed', 9, T0 + MIN + 5000);
    writer.addEvent({ atMs: T0 + 1000, kind: 'sky', text: 'flock (120) seen by sky-camera' });
    at(T0 + MIN + 10_000);
    assert.equal(writer.flush(), true);
    assert.deepEqual(store.listHistory(0), [{ minuteMs: T0, series: 'wind_speed', mean: 5, min: 3, max: 7, count: 3 }]);
    assert.deepEqual(store.listEvents().map((e) => e.text), ['flock (120) seen by sky-camera']);
    assert.deepEqual(writer.stats(), { rowsWritten: 1, eventsWritten: 1, writeErrors: 0, droppedRows: 0, droppedEvents: 0, prunedRows: 0, prunedEvents: 0, pendingRows: 1, pendingEvents: 0 });
    writer.stop();
    assert.deepEqual(store.listHistory(T0 + MIN).map((r) => [r.mean, r.count]), [[9, 1]], 'stop writes the minute under way');
    store.close();
  });

  it('tells its listeners (the panel) of the minutes each flush wrote, as chart samples', () => {
    const { store, writer, at } = rig();
    const pushed: unknown[] = [];
    writer.onWritten((rows) => pushed.push(...historySamples(rows)));
    writer.add('brightness', 0.25, T0 + 1000);
    writer.add('brightness', 0.75, T0 + 2000);
    writer.add('voices', 6, T0 + 3000);
    at(T0 + 30_000);
    writer.flush();
    assert.deepEqual(pushed, [], 'the minute under way is not pushed');
    at(T0 + MIN);
    writer.flush();
    assert.deepEqual(pushed, [{ atMs: T0, values: { brightness: 0.5, voices: 6 } }]);
    writer.stop();
    store.close();
  });

  it('a restart within a minute: the two parts merge into one row', () => {
    const first = rig();
    first.writer.add('pressure', 1013, T0 + 1000);
    first.writer.add('pressure', 1015, T0 + 2000);
    first.writer.stop();
    first.store.close();
    const second = rig(first.path);
    second.writer.add('pressure', 1020, T0 + 50_000);
    second.at(T0 + MIN);
    second.writer.flush();
    assert.deepEqual(second.store.listHistory(0), [{ minuteMs: T0, series: 'pressure', mean: 1016, min: 1013, max: 1020, count: 3 }]);
    second.writer.stop();
    second.store.close();
  });

  it('averages wind direction on the circle: 350 and 10 degrees make 0, not 180', () => {
    const { store, writer } = rig();
    writer.add('wind_direction', 350, T0);
    writer.add('wind_direction', 10, T0 + 1000);
    writer.add('wind_speed', 350, T0);
    writer.add('wind_speed', 10, T0 + 1000);
    writer.stop();
    const rows = store.listHistory(0);
    const direction = rows.find((r) => r.series === 'wind_direction');
    assert.ok(direction && (direction.mean < 0.001 || direction.mean > 359.999), `direction ${direction?.mean}`);
    assert.deepEqual([direction.min, direction.max], [10, 350], 'min and max are the degrees seen');
    assert.equal(rows.find((r) => r.series === 'wind_speed')?.mean, 180);
    store.close();
  });

  it('deletes rows and events past their retention', () => {
    const { store, writer, at } = rig();
    writer.add('temperature', 10, T0);
    writer.add('temperature', 11, T0 + 36 * 3600_000);
    writer.addEvent({ atMs: T0, kind: 'sky', text: 'old' });
    writer.addEvent({ atMs: T0 + 36 * 3600_000, kind: 'sky', text: 'new' });
    at(T0 + 36 * 3600_000 + MIN);
    writer.flush();
    at(T0 + 50 * 3600_000);
    writer.prune();
    assert.deepEqual(store.listHistory(0).map((r) => r.mean), [11], 'history: 2 days');
    assert.deepEqual(store.listEvents().map((e) => e.text), ['new'], 'events: 1 day');
    assert.equal(writer.stats().prunedRows, 1);
    writer.stop();
    store.close();
  });

  it('a write that fails (the file locked by another writer) is counted and logged, kept, and written on the next flush', () => {
    const { path, store, writer, lines, at } = rig(fresh(), { busyTimeoutMs: 50 });
    const other = new DatabaseSync(path);
    other.exec('BEGIN IMMEDIATE');
    writer.add('cloud_cover', 0.5, T0);
    writer.addEvent({ atMs: T0, kind: 'fault', text: 'sensor roof-wind is stale' });
    at(T0 + MIN);
    const started = performance.now();
    assert.equal(writer.flush(), false);
    assert.ok(performance.now() - started < 1000, 'the engine thread waited only the short busy timeout');
    assert.equal(writer.stats().writeErrors, 1);
    assert.match(lines.join('\n'), /history: could not write 1 rows and 1 events \(database is locked\); kept for the next try, the music goes on/);
    // Meanwhile the panel still sees them, from memory.
    assert.deepEqual(historySamples(writer.history(0)), [{ atMs: T0, values: { cloud_cover: 0.5 } }]);
    assert.deepEqual(writer.events(0, 10).map((e) => e.text), ['sensor roof-wind is stale']);
    other.exec('ROLLBACK');
    other.close();
    assert.equal(writer.flush(), true);
    assert.deepEqual(store.listHistory(0).map((r) => [r.series, r.mean]), [['cloud_cover', 0.5]]);
    assert.equal(store.listEvents().length, 1);
    assert.deepEqual({ ...writer.stats(), writeErrors: writer.stats().writeErrors }, { rowsWritten: 1, eventsWritten: 1, writeErrors: 1, droppedRows: 0, droppedEvents: 0, prunedRows: 0, prunedEvents: 0, pendingRows: 0, pendingEvents: 0 });
    writer.stop();
    store.close();
  });

  it('skips what cannot be a history value: non-finite numbers, bad series names', () => {
    const { store, writer } = rig();
    writer.add('pressure', Number.NaN, T0);
    writer.add('Pressure!', 1, T0);
    writer.add('voices', 6, T0);
    writer.stop();
    assert.deepEqual(store.listHistory(0).map((r) => r.series), ['voices']);
    store.close();
  });
});

describe('history samples', () => {
  it('group rows by minute for the charts, each series its mean', () => {
    const state = parseSensorMessage('skychoir/lobby/sensor/roof-baro/state', new TextEncoder().encode(JSON.stringify({ v: 1, ts: '2026-11-21T12:00:01Z', readings: { pressure: { value: 1013.25, unit: 'hPa' }, temperature: { value: 9.5, unit: 'C' } } })));
    assert.ok(state.ok, JSON.stringify(state));
    const { store, writer } = rig();
    if (state.message.kind === 'state') for (const r of state.message.readings) writer.add(r.quantity, r.value, T0 + 1000);
    writer.add('pressure', 1013.35, T0 + MIN + 1000);
    writer.stop();
    assert.deepEqual(historySamples(store.listHistory(0)), [
      { atMs: T0, values: { pressure: 1013.25, temperature: 9.5 } },
      { atMs: T0 + MIN, values: { pressure: 1013.35 } },
    ]);
    store.close();
  });
});
