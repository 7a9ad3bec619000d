/** The SQLite store: migrations from empty, data kept across reopen, typed rows, model
 * versions with activation and rollback, and a writer killed with SIGKILL mid-way. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SCHEMA_VERSION, SkychoirStore, StoreError } from '../src/store/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'skychoir-store-'));
let files = 0;
const fresh = (): string => join(dir, `s${files++}.db`);
const example = { features: [0.1, -0.2, 0.3], controls: [0.5, 0.25], featureVersion: 2, controlVersion: 1, who: 'ana' };

describe('store: schema', () => {
  it('migrates an empty file to the current schema, WAL, synchronous FULL', () => {
    const path = fresh();
    const store = SkychoirStore.open(path);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.equal(store.integrityCheck(), 'ok');
    store.close();
    const db = new DatabaseSync(path);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all().map((r) => r.name);
    for (const t of ['event_log', 'examples', 'migrations', 'model_activations', 'model_versions', 'normaliser_state', 'sensor_history', 'settings']) assert.ok(tables.includes(t), t);
    assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
    db.close();
  });

  it('reopening runs no migration twice and keeps the data', () => {
    const path = fresh();
    const a = SkychoirStore.open(path);
    a.setSetting('site', 'lobby');
    a.addExample(example);
    a.close();
    a.close(); // twice is harmless
    const b = SkychoirStore.open(path);
    assert.equal(b.getSetting('site'), 'lobby');
    assert.equal(b.listExamples().length, 1);
    assert.equal(b.schemaVersion, SCHEMA_VERSION);
    b.close();
  });

  it('refuses a store from a newer engine with a clear message', () => {
    const path = fresh();
    SkychoirStore.open(path).close();
    const db = new DatabaseSync(path);
    db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 5, 'future', 'x');
    db.close();
    assert.throws(() => SkychoirStore.open(path), /schema version \d+ is newer than this engine's/);
  });
});

describe('store: rows', () => {
  it('examples come back typed, in order, filtered by version, with who and when', () => {
    const store = SkychoirStore.open(fresh(), { now: () => new Date('2026-03-01T12:00:00Z') });
    store.addExample(example);
    store.addExample({ ...example, featureVersion: 1, note: 'old' });
    const all = store.listExamples();
    assert.equal(all.length, 2);
    assert.deepEqual(all[0]?.features, [0.1, -0.2, 0.3]);
    assert.equal(all[0]?.who, 'ana');
    assert.equal(all[0]?.createdAt, '2026-03-01T12:00:00.000Z');
    assert.equal(store.listExamples({ featureVersion: 2, controlVersion: 1 }).length, 1);
    assert.throws(() => store.addExample({ ...example, features: [Number.NaN] }), StoreError);
    assert.equal(store.deleteExample(all[1]?.id ?? -1), true);
    assert.equal(store.listExamples().length, 1);
    store.close();
  });

  it('a corrupted row is a StoreError naming the table and row, not a half-typed value', () => {
    const path = fresh();
    const store = SkychoirStore.open(path);
    store.addExample(example);
    const db = new DatabaseSync(path);
    db.exec("UPDATE examples SET features = '[1, \"x\"]'");
    db.close();
    assert.throws(() => store.listExamples(), /examples row 1: column features is not an array of finite numbers/);
    store.close();
  });

  it('normaliser states are upserted per (feature, bucket)', () => {
    const store = SkychoirStore.open(fresh());
    store.saveNormaliserStates([{ feature: 'pressure', bucket: 0, state: { a: 1 } }, { feature: 'brightness', bucket: 3, state: [1, 2] }]);
    store.saveNormaliserStates([{ feature: 'pressure', bucket: 0, state: { a: 2 } }]);
    const rows = store.loadNormaliserStates();
    assert.deepEqual(rows.map((r) => [r.feature, r.bucket, r.state]), [['brightness', 3, [1, 2]], ['pressure', 0, { a: 2 }]]);
    store.close();
  });
});

describe('store: sensor history and event log (migration 3)', () => {
  const T0 = Date.UTC(2026, 10, 21, 12, 0);
  const row = (minute: number, series: string, mean: number, min = mean, max = mean, count = 1) => ({ minuteMs: T0 + minute * 60_000, series, mean, min, max, count });

  it('migrates a version-2 file, keeping its data', () => {
    const path = fresh();
    const a = SkychoirStore.open(path);
    a.setSetting('curator.settings', '{"masterDb":-9}');
    a.close();
    // Back to what a version-2 engine left.
    const db = new DatabaseSync(path);
    db.exec('DROP TABLE sensor_history; DROP TABLE event_log; DELETE FROM migrations WHERE id = 3');
    db.close();
    const b = SkychoirStore.open(path);
    assert.equal(b.schemaVersion, 3);
    assert.equal(b.getSetting('curator.settings'), '{"masterDb":-9}');
    b.recordHistory([row(0, 'pressure', 1013)], [{ atMs: T0, kind: 'sky', text: 'flock seen by sky-camera' }]);
    assert.equal(b.listHistory(T0).length, 1);
    assert.equal(b.integrityCheck(), 'ok');
    b.close();
  });

  it('keeps one row per series and minute: a minute written twice is merged (count-weighted mean, widest range)', () => {
    const store = SkychoirStore.open(fresh());
    store.recordHistory([row(0, 'wind_speed', 4, 2, 6, 3), row(0, 'pressure', 1013.2, 1013.1, 1013.3, 2), row(1, 'wind_speed', 5)]);
    store.recordHistory([row(0, 'wind_speed', 8, 7, 9, 1)]);
    const rows = store.listHistory(T0, T0 + 60_000);
    assert.deepEqual(rows, [row(0, 'pressure', 1013.2, 1013.1, 1013.3, 2), row(0, 'wind_speed', 5, 2, 9, 4)]);
    assert.deepEqual(store.listHistory(T0 + 60_000).map((r) => r.series), ['wind_speed']);
    store.close();
  });

  it('refuses a bad batch whole: nothing of it is written', () => {
    const store = SkychoirStore.open(fresh());
    assert.throws(() => store.recordHistory([row(0, 'pressure', 1013), row(1, 'Pressure!', 1)]), /series 'Pressure!' is not a series name/);
    assert.throws(() => store.recordHistory([{ ...row(0, 'pressure', 1013), minuteMs: T0 + 5 }]), /not the start of a minute/);
    assert.throws(() => store.recordHistory([row(0, 'pressure', Number.NaN)]), /want finite mean, min <= max/);
    assert.throws(() => store.recordHistory([row(0, 'pressure', 5, 7, 6)]), /want finite mean, min <= max/);
    assert.throws(() => store.recordHistory([row(0, 'pressure', 5, 5, 5, 0)]), /count 0/);
    assert.deepEqual(store.listHistory(0), []);
    store.close();
  });

  it('lists the newest events oldest first, and prunes history and events by age', () => {
    const store = SkychoirStore.open(fresh());
    const events = Array.from({ length: 10 }, (_, i) => ({ atMs: T0 + i * 1000, kind: i % 2 ? 'music' : 'sky', text: `event ${i}` }));
    store.recordHistory(Array.from({ length: 5 }, (_, m) => row(m, 'temperature', 10 + m)), events);
    assert.deepEqual(store.listEvents(0, 3).map((e) => e.text), ['event 7', 'event 8', 'event 9']);
    assert.deepEqual(store.listEvents(T0 + 8000).map((e) => [e.kind, e.text]), [['sky', 'event 8'], ['music', 'event 9']]);
    assert.deepEqual(store.historyExtent(), { historyRows: 5, oldestMinuteMs: T0, events: 10 });
    assert.equal(store.pruneHistory(T0 + 2 * 60_000), 2);
    assert.equal(store.pruneEvents(T0 + 5000), 5);
    assert.deepEqual(store.historyExtent(), { historyRows: 3, oldestMinuteMs: T0 + 2 * 60_000, events: 5 });
    store.close();
  });

  it('a day of 13 series by the minute takes about 50 bytes a row on disk', () => {
    const path = fresh();
    const store = SkychoirStore.open(path);
    const series = ['pressure', 'temperature', 'humidity', 'wind_speed', 'wind_gust', 'wind_direction', 'precipitation_rate', 'cloud_cover', 'brightness', 'output_rms_dbfs', 'loudness_short_term_lufs', 'novelty', 'voices'];
    for (let hour = 0; hour < 24; hour++) {
      const rows = [];
      for (let m = hour * 60; m < hour * 60 + 60; m++) for (const s of series) rows.push(row(m, s, 1000 + Math.sin(m) * 3, 996, 1004, 12));
      store.recordHistory(rows);
    }
    store.close();
    const bytes = statSync(path).size;
    const perRow = bytes / (series.length * 1440);
    assert.ok(perRow < 70, `${perRow.toFixed(1)} bytes a row (${(bytes / 1e6).toFixed(2)} MB a day)`);
  });
});

describe('store: model versions', () => {
  const bytes = (n: number): Uint8Array => new Uint8Array([8, n, 1, 2, 3]);
  it('register, activate, roll back step by step, then back to the shipped default', () => {
    const store = SkychoirStore.open(fresh());
    for (const v of ['a', 'b', 'c']) store.addModelVersion({ version: v, onnx: bytes(v.charCodeAt(0)), meta: { v }, trainingSetHash: `h-${v}` });
    assert.throws(() => store.addModelVersion({ version: 'a', onnx: bytes(1), meta: {}, trainingSetHash: '' }), /already exists/);
    assert.equal(store.activeModelVersion(), undefined);
    store.activateModelVersion('a');
    store.activateModelVersion('b');
    store.activateModelVersion('c');
    assert.equal(store.activeModelVersion()?.version, 'c');
    assert.equal(store.listModelVersions().filter((m) => m.active).length, 1);
    assert.deepEqual(store.modelBytes('c'), bytes('c'.charCodeAt(0)));
    assert.equal(store.listModelVersions()[0]?.onnxBytes, 5);
    assert.equal(store.rollbackModelVersion()?.version, 'b');
    assert.equal(store.rollbackModelVersion()?.version, 'a');
    assert.equal(store.rollbackModelVersion(), undefined, 'nothing before a: the shipped default');
    assert.equal(store.activeModelVersion(), undefined);
    assert.throws(() => store.rollbackModelVersion(), /no model activation to roll back/);
    assert.throws(() => store.activateModelVersion('zzz'), /model version 'zzz' not found/);
    store.activateModelVersion('b');
    assert.equal(store.activeModelVersion()?.version, 'b');
    assert.deepEqual(store.listModelVersions().find((m) => m.version === 'b')?.meta, { v: 'b' });
    store.close();
  });
});

describe('store: kill -9', () => {
  it('a writer killed with SIGKILL mid-way leaves a consistent store: every committed transaction whole', async () => {
    const path = fresh();
    SkychoirStore.open(path).close();
    const child = spawn('node_modules/.bin/node', ['test/support/storeWriter.ts', path], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    await new Promise((r) => setTimeout(r, 150));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const store = SkychoirStore.open(path);
    assert.equal(store.integrityCheck(), 'ok');
    const examples = store.listExamples();
    const count = Number(store.getSetting('examples.count'));
    assert.ok(count >= 20, `count ${count}`);
    assert.equal(examples.length, count, 'the examples and the counter were committed together');
    examples.forEach((e, i) => {
      assert.equal(e.features.length, 19);
      assert.equal(e.note, `example ${i + 1} `.repeat(50));
    });
    store.addExample(example); // and it is still writable
    store.close();
  });
});
