/**
 * Learning from the curator: `skychoir train` (progress, registration, activation),
 * `skychoir model list|activate|rollback`, examples from the store, and the engine's
 * hot swap when the active version changes (a bad version keeps the previous model).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCommand } from '../src/cli/trainCommand.ts';
import { modelCommand } from '../src/cli/modelCommand.ts';
import { SkychoirStore } from '../src/store/store.ts';
import { readDefaultExamples, DEFAULT_MODEL_PATHS } from '../src/model/buildDefaultModel.ts';
import { resolveExample } from '../src/model/mappingExamples.ts';
import { FEATURE_VERSION } from '../src/features/featureVector.ts';
import { CONTROL_VERSION } from '../src/model/controlVector.ts';
import { ActiveModelWatcher, SHIPPED_DEFAULT, activeVersionName } from '../src/model/activeModel.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { Performance, type PerformanceParts } from '../src/engine/performance.ts';
import type { ControlModel } from '../src/engine/controlModel.ts';
import { createLogger } from '../src/log/logger.ts';

const dir = mkdtempSync(join(tmpdir(), 'skychoir-train-'));
let n = 0;
const storePath = (): string => join(dir, `t${n++}.db`);

async function run(command: typeof trainCommand, args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await command(args, (l) => lines.push(l));
  return { code, lines };
}

describe('skychoir train and skychoir model', () => {
  it('trains with progress on the terminal, registers, activates; list, rollback', async () => {
    const store = storePath();
    const a = await run(trainCommand, ['--epochs', '60', '--version', 'a', '--store', store]);
    assert.equal(a.code, 0);
    assert.ok(a.lines.some((l) => /^epoch\s+\d+\s+loss \d\.\d+e-?\d+$/.test(l)), a.lines.join('\n'));
    assert.ok(a.lines.some((l) => l.startsWith("registered model version 'a'")));
    const b = await run(trainCommand, ['--epochs', '60', '--seed', '2', '--version', 'b', '--activate', '--store', store]);
    assert.ok(b.lines.includes("activated 'b'"));
    const list = await run(modelCommand, ['list', '--store', store]);
    assert.match(list.lines.join('\n'), /\* b /);
    assert.match(list.lines.join('\n'), /  a /);
    assert.deepEqual((await run(modelCommand, ['activate', 'a', '--store', store])).lines, ["activated 'a'"]);
    assert.deepEqual((await run(modelCommand, ['rollback', '--store', store])).lines, ["rolled back to 'b'"]);
    assert.deepEqual((await run(modelCommand, ['rollback', '--store', store])).lines, ['rolled back to the shipped default model']);
    await assert.rejects(run(trainCommand, ['--epochs', '5', '--version', 'a', '--store', store]), /model version 'a' already exists/);
  });

  it('refuses to activate a corrupt version with a clear message, and nothing changes', async () => {
    const path = storePath();
    await run(trainCommand, ['--epochs', '20', '--version', 'good', '--activate', '--store', path]);
    const store = SkychoirStore.open(path);
    store.addModelVersion({ version: 'broken', onnx: new Uint8Array([1, 2, 3, 4]), meta: {}, trainingSetHash: 'x' });
    store.close();
    await assert.rejects(run(modelCommand, ['activate', 'broken', '--store', path]), /model 'store:broken': is not (a complete ONNX file|an ONNX model).*keep the previous model/);
    const again = SkychoirStore.open(path);
    assert.equal(again.activeModelVersion()?.version, 'good');
    again.close();
  });

  it('trains from the curator examples in the store (who and when kept), same hash as the file', async () => {
    const path = storePath();
    const store = SkychoirStore.open(path);
    for (const e of readDefaultExamples()) {
      const r = resolveExample(e);
      store.addExample({ features: r.features, controls: r.controls, featureVersion: FEATURE_VERSION, controlVersion: CONTROL_VERSION, who: 'ana', note: e.name });
    }
    store.addExample({ features: [0], controls: [0], featureVersion: 1, controlVersion: 1, who: 'old' });
    store.close();
    const { lines } = await run(trainCommand, ['--from-store', '--epochs', '20', '--version', 's', '--store', path]);
    assert.ok(lines.includes('1 stored examples are for another feature/control version and are left out'));
    const fromFile = await MappingModel.load(DEFAULT_MODEL_PATHS.onnx);
    const s = SkychoirStore.open(path);
    assert.equal(s.getModelVersion('s')?.trainingSetHash, fromFile.trainingSetHash, 'float32 vectors round-trip through JSON exactly');
    s.close();
    await fromFile.dispose();
  });
});

class Fake implements ControlModel {
  readonly version: string;
  constructor(version: string) {
    this.version = version;
  }
  async run(): Promise<Float32Array> {
    return new Float32Array(22);
  }
}

describe('hot swap', () => {
  it('Performance.swapModel returns the old model and plays the new one', async () => {
    const old = new Fake('old');
    const p = new Performance({ model: old } as unknown as PerformanceParts);
    const next = new Fake('new');
    assert.equal(await p.swapModel(next), old);
    assert.equal(p.currentModel, next);
    assert.equal(p.snapshot().modelVersion, 'new');
  });

  it('the watcher swaps on activate and rollback; a bad active version keeps the previous model', async () => {
    const path = storePath();
    await run(trainCommand, ['--epochs', '20', '--version', 'v1', '--store', path]);
    const store = SkychoirStore.open(path);
    store.addModelVersion({ version: 'bad', onnx: new Uint8Array([0xff, 0xff]), meta: {}, trainingSetHash: 'x' });
    const swaps: string[] = [];
    let playing: ControlModel = new Fake(SHIPPED_DEFAULT);
    const target = {
      swapModel: async (next: ControlModel): Promise<ControlModel> => {
        const previous = playing;
        playing = next;
        swaps.push(next.version);
        return previous;
      },
    };
    const errors: string[] = [];
    const log = { ...createLogger('error'), error: (m: string) => errors.push(m) };
    const watcher = new ActiveModelWatcher(store, target, DEFAULT_MODEL_PATHS.onnx, activeVersionName(store), log);
    assert.equal(await watcher.check(), false, 'nothing changed');
    store.activateModelVersion('v1');
    assert.equal(await watcher.check(), true);
    assert.equal(playing.version, 'v1');
    store.activateModelVersion('bad');
    assert.equal(await watcher.check(), false);
    assert.equal(playing.version, 'v1', 'the previous model keeps playing');
    assert.match(errors[0] ?? '', /model 'store:bad'.*still playing v1/);
    assert.equal(await watcher.check(), false, 'refused once, not retried every poll');
    store.rollbackModelVersion();
    assert.equal(await watcher.check(), false, 'back to v1, which is playing');
    store.rollbackModelVersion();
    assert.equal(await watcher.check(), true);
    assert.equal(playing.version, 'default-2', 'the shipped default');
    assert.deepEqual(swaps, ['v1', 'default-2']);
    if (playing instanceof MappingModel) await playing.dispose();
    store.close();
  });
});
