/** The SQLite store: migrations from empty, data kept across reopen, typed rows, model
 * versions with activation and rollback, and a writer killed with SIGKILL mid-way. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
    for (const t of ['examples', 'migrations', 'model_activations', 'model_versions', 'normaliser_state', 'settings']) assert.ok(tables.includes(t), t);
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
