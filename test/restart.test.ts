/**
 * The engine killed and restarted with its state intact (issue 7), as systemd does it:
 * install/systemd/skychoir.service restarts the process (Restart=always) on the same
 * store. There is no systemd in the test machine, so the test plays its part: start
 * `skychoir start` as a child process on a temporary store, change things through the
 * curator panel's API, kill -9 it at a random moment, start it again on the same store,
 * and check that settings, presets, examples, the active model version and the seasons'
 * memory are as they were, and that it sings again within seconds.
 * The unit files themselves are checked with `systemd-analyze verify`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { SkychoirStore } from '../src/store/store.ts';
import { setPanelPassword } from '../src/panel/panelUsers.ts';
import { SETTINGS_KEY } from '../src/panel/panelApi.ts';
import { signIn, CURATOR } from './support/panelRig.ts';
import { startEngineProcess, waitUntil, type EngineProcess } from './support/engineProcess.ts';
import { skipUnlessProgram } from './support/programs.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const BIN = join(PROJECT_ROOT, 'bin', 'skychoir.js');

function engineConfig(storePath: string): unknown {
  return {
    http: { port: 0 },
    broker: { embedded: true, port: 0 },
    sky: { source: 'simulator', scenario: 'storm' },
    audio: { device: 'none' },
    paths: { store: storePath },
    stream: { enabled: false },
  };
}

const singing = async (e: EngineProcess): Promise<boolean> => ((await e.health()).audio.rmsDbfs ?? -200) > -50;

/** Every table's rows that a restart must keep, read from a second connection. */
function durableState(storePath: string): Record<string, unknown> {
  const store = SkychoirStore.open(storePath);
  try {
    return {
      integrity: store.integrityCheck(),
      settings: JSON.parse(store.getSetting(SETTINGS_KEY) ?? 'null') as unknown,
      presets: store.listPresets().map((p) => [p.name, p.settings]),
      examples: store.listExamples().map((e) => [e.who, e.note, e.features.length]),
      models: store.listModelVersions().map((m) => m.version),
      active: store.activeModelVersion()?.version ?? null,
      normaliser: store.loadNormaliserStates().map((r) => [r.feature, r.bucket, JSON.stringify(r.state)]),
    };
  } finally {
    store.close();
  }
}

describe('killed and restarted (systemd Restart=always) with its state intact', () => {
  it('keeps settings, presets, examples, the model version and the seasons memory across kill -9, and sings again within seconds', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-restart-'));
    const storePath = join(dir, 'skychoir.db');
    let engine: EngineProcess | undefined;
    try {
      const store = SkychoirStore.open(storePath);
      setPanelPassword(store, CURATOR.username, 'curator', CURATOR.password);
      store.close();
      // A trained model version to deploy from the panel (the real CLI, a short training).
      execFileSync(NODE, [BIN, 'train', '--epochs', '20', '--version', 'lobby-2', '--store', storePath], { stdio: 'pipe' });

      // First life: it learns the seasons for a while and stops cleanly (saving its memory).
      engine = await startEngineProcess(dir, engineConfig(storePath));
      await waitUntil(() => singing(engine as EngineProcess), 'the first life to sing');
      assert.equal(await engine.stop(), 0);
      const seeded = durableState(storePath);
      assert.ok((seeded.normaliser as unknown[]).length > 0, 'the seasons memory was saved at stop');

      // Second life: the curator changes things, then the process is killed mid-song.
      engine = await startEngineProcess(dir, engineConfig(storePath));
      await waitUntil(() => singing(engine as EngineProcess), 'the second life to sing');
      const curator = await signIn(engine.base, CURATOR);
      const settings = await curator.post('/panel/api/settings', { masterDb: -12, layers: { solo: { trimDb: -5 } }, motifs: { aircraft: false } });
      assert.equal(settings.status, 200, settings.body);
      assert.equal((await curator.post('/panel/api/presets', { action: 'save', name: 'storm watch' })).status, 200);
      const controls = Object.fromEntries(((await curator.get('/panel/api/state')).json.vocabulary as { controls: string[] }).controls.map((c) => [c, 0.4]));
      const example = await curator.post('/panel/api/examples', { sky: 'current', controls, note: 'before the crash' });
      assert.equal(example.status, 200, example.body);
      const deploy = await curator.post('/panel/api/models', { action: 'activate', version: 'lobby-2' });
      assert.equal(deploy.status, 200, deploy.body);
      await waitUntil(async () => (await (engine as EngineProcess).health()).model.version.includes('lobby-2') || (await curator.get('/panel/api/state')).json.playing === 'lobby-2', 'the new model to play');
      const before = durableState(storePath);
      // A random moment: within the next 2 s, while it sings and writes its audit and sessions.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 2000)));
      engine.child.kill('SIGKILL');
      assert.equal(await engine.exited, 137);

      // What systemd does next (RestartSec=3 aside): the same command on the same store.
      const restartedAt = Date.now();
      engine = await startEngineProcess(dir, engineConfig(storePath));
      await waitUntil(() => singing(engine as EngineProcess), 'the third life to sing', 30000);
      const singingAfterS = (Date.now() - restartedAt) / 1000;
      assert.ok(singingAfterS < 20, `sings ${singingAfterS.toFixed(1)} s after the restart`);

      const after = durableState(storePath);
      assert.equal(after.integrity, 'ok');
      assert.deepEqual(after, before, 'everything durable is as it was at the kill');
      assert.deepEqual(after.normaliser, seeded.normaliser, 'the seasons memory is the last one saved');
      assert.deepEqual((after.settings as { masterDb: number }).masterDb, -12);
      assert.equal(after.active, 'lobby-2');
      assert.deepEqual(after.presets, before.presets);
      assert.equal((after.examples as unknown[]).length, 1);
      // The running engine uses it: the settings, the model and the preset from the panel.
      const again = await signIn(engine.base, CURATOR);
      const state = (await again.get('/panel/api/state')).json as { settings: { masterDb: number; layers: { solo: { trimDb: number } } }; playing: string; presets: { name: string }[] };
      assert.equal(state.settings.masterDb, -12);
      assert.equal(state.settings.layers.solo.trimDb, -5);
      assert.equal(state.playing, 'lobby-2');
      assert.ok(state.presets.some((p) => p.name === 'storm watch'));
      assert.match((await engine.health()).model.version, /lobby-2|store/);
    } finally {
      await engine?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the systemd units', () => {
  it('pass systemd-analyze verify', { skip: skipUnlessProgram('systemd-analyze') }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-units-'));
    try {
      // Verified as installed: the code in /opt/skychoir, here this checkout.
      for (const name of readdirSync(join(PROJECT_ROOT, 'install', 'systemd'))) {
        const text = readFileSync(join(PROJECT_ROOT, 'install', 'systemd', name), 'utf8').replaceAll('/opt/skychoir', PROJECT_ROOT);
        writeFileSync(join(dir, name), text);
      }
      for (const unit of ['skychoir.service', 'skychoir-sensor@roof-wind.service']) {
        const run = spawnSync('systemd-analyze', ['verify', '--man=no', unit], { cwd: dir, encoding: 'utf8' });
        const said = `${run.stdout}${run.stderr}`.trim();
        assert.equal(run.status, 0, `${unit}: ${said}`);
        assert.equal(said, '', `${unit}: ${said}`);
      }
      const engineUnit = readFileSync(join(PROJECT_ROOT, 'install', 'systemd', 'skychoir.service'), 'utf8');
      assert.match(engineUnit, /^Restart=always$/m, 'the engine comes back whatever ended it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
