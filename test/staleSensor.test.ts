/**
 * A sensor going stale (issue 7), on a running engine: its reading is held, then drifts
 * to the season's typical sky, and /healthz, /readyz and /metrics say it is stale. The
 * engine's clock is the wall clock (nothing here can be sped up honestly), so the test
 * configures short thresholds instead of the defaults' 60 s hold and 600 s drift:
 * held 3 s, drifting over 4 s. The music never stops.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { LiveEngine } from '../src/engine/liveEngine.ts';
import { DEFAULT_CONFIG, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { hashPassword } from '../src/broker/brokerAccess.ts';
import { FeatureExtractor } from '../src/features/featureExtractor.ts';
import { SkyState } from '../src/ingest/skyState.ts';
import { featureIndex } from '../src/features/featureVector.ts';
import { httpGet } from './support/engineProcess.ts';
import { statePayload, pressureHPa } from './support/skyMessages.ts';
import { watchSilence } from './support/silenceWatch.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a sensor going stale', () => {
  it('holds its reading, then drifts to the typical sky, and says so on /healthz, /readyz and /metrics', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-stale-'));
    writeFileSync(join(dir, 'users.json'), JSON.stringify([{ username: 'roof-baro', role: 'sensor', passwordHash: hashPassword('barometer password') }]));
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.http.port = 0;
    config.broker.port = 0;
    config.broker.usersFile = join(dir, 'users.json');
    config.audio.device = 'none';
    config.stream.enabled = false;
    config.panel.enabled = false;
    config.paths.store = join(dir, 'store.db');
    config.sky = { source: 'sensors', scenario: 'calm', file: undefined };
    config.freshness = { staleAfterS: 3, driftS: 4 };
    const engine = new LiveEngine(config, createLogger('test', { write: () => undefined }));
    await engine.start();
    const silence = watchSilence(engine);
    const base = engine.httpUrl ?? '';
    const pressureFeature = (): number => engine.health().features.pressure_seasonal ?? NaN;
    const baro = (): { online: boolean; ageS: number | null; stale: boolean } | undefined => engine.health().sensors.find((s) => s.id === 'roof-baro');
    try {
      // A deep low, reported once, then the barometer falls silent (connected, saying nothing).
      const sensor = await mqtt.connectAsync(engine.brokerAddress, { username: 'roof-baro', password: 'barometer password', reconnectPeriod: 0 });
      await sensor.publishAsync('skychoir/lobby/sensor/roof-baro/availability', 'online', { qos: 1, retain: true });
      await sensor.publishAsync('skychoir/lobby/sensor/roof-baro/state', Buffer.from(statePayload(pressureHPa(975), Date.now())), { qos: 1 });
      const reportedAt = Date.now();
      const since = (): number => (Date.now() - reportedAt) / 1000;
      while (baro() === undefined && since() < 5) await sleep(50);
      await sleep(1200); // a window or two plans with it
      const held = pressureFeature();
      assert.equal(baro()?.stale, false, 'fresh at first');
      assert.match(await (await httpGet(`${base}/metrics`)).body, /^skychoir_sensor_stale\{sensor="roof-baro"\} 0$/m);

      // What the features give for no barometer at all: the typical sky (no season learnt yet).
      const typical = new FeatureExtractor(config.location, config.freshness).compute(new SkyState(), Date.now())[featureIndex('pressure_seasonal')] ?? NaN;
      assert.ok(Math.abs(held - typical) > 0.1, `975 hPa is far from typical (${held} vs ${typical})`);

      // Still held just before the hold time ends.
      await sleep(Math.max(0, (2.5 - since()) * 1000));
      assert.ok(Math.abs(pressureFeature() - held) < 0.02, `held for the hold time (${pressureFeature()} vs ${held})`);

      // Stale from 3 s: visible at once on /healthz, /readyz and /metrics.
      await sleep(Math.max(0, (4.5 - since()) * 1000));
      const stale = baro();
      assert.equal(stale?.stale, true, JSON.stringify(stale));
      assert.equal(stale?.online, true, 'it never said goodbye: stale, not offline');
      const metrics = (await httpGet(`${base}/metrics`)).body;
      assert.match(metrics, /^skychoir_sensor_stale\{sensor="roof-baro"\} 1$/m);
      assert.match(metrics, /^skychoir_sensor_age_seconds\{sensor="roof-baro"\} (4|5)(\.\d)?$/m);
      const ready = JSON.parse((await httpGet(`${base}/readyz`)).body) as { ready: boolean; reasons: string[] };
      assert.ok(ready.reasons.includes("sensor 'roof-baro' is stale or offline"), JSON.stringify(ready));
      assert.ok(ready.reasons.some((r) => r.startsWith('no sensor has reported')), 'its only sensor is stale');
      const drifting = pressureFeature();
      assert.ok(Math.abs(drifting - held) > 0.005 && Math.abs(drifting - typical) > 0.005, `drifting: held ${held}, now ${drifting}, typical ${typical}`);

      // After hold + drift (7 s) it is the typical sky.
      await sleep(Math.max(0, (8.5 - since()) * 1000));
      assert.ok(Math.abs(pressureFeature() - typical) < 0.01, `drifted to typical (${pressureFeature()} vs ${typical})`);
      assert.ok(engine.health().audio.voices > 0, 'still singing');

      // It speaks again: fresh at once.
      await sensor.publishAsync('skychoir/lobby/sensor/roof-baro/state', Buffer.from(statePayload(pressureHPa(975), Date.now())), { qos: 1 });
      await sleep(300);
      assert.equal(baro()?.stale, false);
      await sensor.endAsync();
    } finally {
      silence.stop();
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(silence.longestS < 5, `silent for ${silence.longestS.toFixed(1)} s`);
  });
});
