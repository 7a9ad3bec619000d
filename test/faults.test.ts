/**
 * Faults injected into a running engine (issue 7): the music must go on. Each test
 * watches the engine's own output meter every 200 ms and checks it never falls silent
 * for more than 5 s, and that state is intact afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { LiveEngine } from '../src/engine/liveEngine.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { DEFAULT_CONFIG, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { hashPassword } from '../src/broker/brokerAccess.ts';

const SILENT_DBFS = -60;

/** Watches an engine's output; returns the longest silence seen (s) when stopped. */
function watchSilence(engine: LiveEngine): () => number {
  let longest = 0;
  let silentSince: number | undefined;
  const timer = setInterval(() => {
    const rms = engine.health().audio.rmsDbfs;
    const now = Date.now();
    if (rms === null || rms < SILENT_DBFS) {
      silentSince ??= now;
      longest = Math.max(longest, (now - silentSince) / 1000);
    } else {
      silentSince = undefined;
    }
  }, 200);
  return () => {
    clearInterval(timer);
    return longest;
  };
}

function config(over: (c: Config) => void): Config {
  const c: Config = structuredClone(DEFAULT_CONFIG);
  c.http.port = 0;
  c.broker.port = 0;
  c.audio.device = 'none';
  c.stream.enabled = false;
  c.paths.store = join(mkdtempSync(join(tmpdir(), 'skychoir-faults-store-')), 'store.db');
  over(c);
  return c;
}

async function waitFor(check: () => boolean, what: string, ms = 15000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const singing = (e: LiveEngine): boolean => (e.health().audio.rmsDbfs ?? -200) > -50;
const logs: string[] = [];
const log = createLogger('fault', { write: (l) => logs.push(l) });

describe('faults, with the music uninterrupted', () => {
  it('an external broker restarting: the engine reconnects, the sky state is held', async () => {
    let broker: EmbeddedBroker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const port = broker.port;
    const engine = new LiveEngine(config((c) => {
      c.broker = { embedded: false, host: '127.0.0.1', port, url: broker.url, usersFile: undefined };
      c.sky = { source: 'sensors', scenario: 'calm', file: undefined };
    }), log);
    await engine.start();
    let stopWatch = (): number => 0;
    try {
      await waitFor(() => engine.health().broker.connected && singing(engine), 'the engine to sing on the broker');
      // From here on, the music must not stop: the watch starts once it sings.
      stopWatch = watchSilence(engine);
      const sensor = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
      await sensor.publishAsync('skychoir/lobby/sensor/roof-baro/state', JSON.stringify({ v: 1, ts: new Date().toISOString(), readings: { pressure: { value: 990, unit: 'hPa' } } }), { qos: 1 });
      await sensor.endAsync();
      await waitFor(() => engine.health().ingest.accepted >= 1, 'the reading');
      await broker.close();
      await waitFor(() => !engine.health().broker.connected, 'the engine to notice');
      await new Promise((r) => setTimeout(r, 2500));
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
      await waitFor(() => engine.health().broker.connected, 'the engine to reconnect', 20000);
      // State intact: the sensor is still known and nothing was counted as dropped.
      const h = engine.health();
      assert.ok(h.sensors.some((s) => s.id === 'roof-baro'), 'the barometer is still known');
      assert.deepEqual(h.ingest.dropped, {});
      assert.ok(h.ingest.accepted >= 1);
    } finally {
      const silence = stopWatch();
      await engine.stop();
      await broker.close();
      assert.ok(silence < 5, `silent for ${silence.toFixed(1)} s`);
    }
  });

  it('a sensor flooding the broker with 5,000 messages a second, good and garbage: counted, dropped, singing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-flood-'));
    writeFileSync(join(dir, 'users.json'), JSON.stringify([{ username: 'roof-flood', role: 'sensor', passwordHash: hashPassword('flood-password') }]));
    const engine = new LiveEngine(config((c) => {
      c.sky = { source: 'simulator', scenario: 'calm', file: undefined };
      c.broker.usersFile = join(dir, 'users.json');
    }), log);
    await engine.start();
    let stopWatch = (): number => 0;
    try {
      await waitFor(() => singing(engine), 'singing');
      stopWatch = watchSilence(engine);
      const before = engine.health().ingest;
      const flood = await mqtt.connectAsync(engine.brokerAddress, { username: 'roof-flood', password: 'flood-password', reconnectPeriod: 0 });
      const topic = 'skychoir/lobby/sensor/roof-flood/state';
      const good = (i: number): string => JSON.stringify({ v: 1, ts: new Date().toISOString(), readings: { temperature: { value: 10 + (i % 10), unit: 'C' } } });
      const garbage = ['{"v":1', '[]', JSON.stringify({ v: 9, ts: 'x' }), JSON.stringify({ v: 1, ts: new Date().toISOString(), readings: { pressure: { value: 5, unit: 'hPa' } } })];
      // 3 s at 5,000 messages a second, QoS 0, half garbage.
      for (let second = 0; second < 3; second++) {
        const t0 = Date.now();
        for (let i = 0; i < 5000; i++) flood.publish(topic, i % 2 === 0 ? good(i) : (garbage[(i >> 1) % garbage.length] ?? ''), { qos: 0 });
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t0))));
      }
      await flood.endAsync();
      await waitFor(() => engine.health().ingest.accepted - before.accepted >= 5000, 'the good half to be accepted', 20000);
      const after = engine.health().ingest;
      const dropped = Object.values(after.dropped).reduce((a, b) => a + b, 0) - Object.values(before.dropped).reduce((a, b) => a + b, 0);
      assert.ok(dropped >= 5000, `${dropped} dropped`);
      assert.ok((after.dropped.json ?? 0) > 0 && (after.dropped.version ?? 0) > 0 && (after.dropped.out_of_range ?? 0) > 0, JSON.stringify(after.dropped));
      assert.ok(singing(engine));
    } finally {
      const silence = stopWatch();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
      assert.ok(silence < 5, `silent for ${silence.toFixed(1)} s`);
    }
  });

  it('a corrupt model file and a corrupt sample: the engine sings with the shipped model and the other samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-faults-'));
    try {
      writeFileSync(join(dir, 'broken.onnx'), Buffer.from('this is not an onnx file'));
      cpSync(DEFAULT_CONFIG.paths.samples, join(dir, 'samples'), { recursive: true });
      const wavs = readdirSync(join(dir, 'samples', 'choir')).filter((f) => f.endsWith('.wav'));
      writeFileSync(join(dir, 'samples', 'choir', wavs[0] ?? 'x.wav'), Buffer.from('RIFF\0\0\0\0WAVEjunk'));
      copyFileSync(join(DEFAULT_CONFIG.paths.samples, 'manifest.json'), join(dir, 'samples', 'manifest.json'));
      const engine = new LiveEngine(config((c) => {
        c.paths.model = join(dir, 'broken.onnx');
        c.paths.samples = join(dir, 'samples');
      }), log);
      await engine.start();
      try {
        await waitFor(() => singing(engine), 'singing');
        assert.match(engine.health().model.version, /^default-\d+$/, 'fell back to the shipped model');
        assert.ok(logs.some((l) => l.includes('broken.onnx')), 'the model problem is logged');
        assert.ok(logs.some((l) => l.includes(wavs[0] ?? '') && l.includes('left out')), 'the sample problem is logged');
      } finally {
        await engine.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('all sensors going silent: the engine keeps singing and says which are stale', async () => {
    const engine = new LiveEngine(config((c) => (c.sky = { source: 'sensors', scenario: 'calm', file: undefined })), log);
    await engine.start();
    let stopWatch = (): number => 0;
    try {
      await waitFor(() => singing(engine), 'singing with no sensors at all');
      stopWatch = watchSilence(engine);
      await new Promise((r) => setTimeout(r, 3000));
      const h = engine.health();
      assert.deepEqual(h.sensors, [], 'no sensor has ever spoken');
      assert.ok(h.audio.voicesStarted > 0, `${h.audio.voicesStarted} voices started`);
      assert.equal(h.features.precipitation, 0, 'an unknown sky is an ordinary one');
    } finally {
      const silence = stopWatch();
      await engine.stop();
      assert.ok(silence < 5, `silent for ${silence.toFixed(1)} s`);
    }
  });
});
