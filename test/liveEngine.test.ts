/**
 * The installation as `npm start` runs it, headless: embedded broker, simulated sky,
 * engine, audio and /healthz, in this process. Checks it sings and reports it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveEngine, type HealthReport } from '../src/engine/liveEngine.ts';
import { DEFAULT_CONFIG, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';

async function get(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live engine, headless', () => {
  let engine: LiveEngine;
  let base: string;
  const logLines: string[] = [];

  before(async () => {
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.http.port = 0;
    config.broker.port = 0;
    config.audio.device = 'none';
    config.paths.store = join(mkdtempSync(join(tmpdir(), 'skychoir-live-')), 'store.db');
    config.sky = { source: 'simulator', scenario: 'storm', file: undefined };
    engine = new LiveEngine(config, createLogger('test', { write: (l) => logLines.push(l) }));
    await engine.start();
    base = engine.httpUrl ?? '';
  });

  after(async () => {
    await engine.stop();
    await engine.stop(); // stopping twice is harmless
  });

  it('sings within seconds and says so on /healthz', async () => {
    let health: HealthReport | undefined;
    // Up to 40 s: on a loaded machine a sensor's first state can miss its slot, and the rain
    // gauge reports every 30 s.
    for (let i = 0; i < 160; i++) {
      const res = await get(`${base}/healthz`);
      assert.equal(res.status, 200);
      health = JSON.parse(res.body) as HealthReport;
      // The features are those of the last planned window: give them one more to catch up.
      if (health.audio.voices > 0 && (health.audio.rmsDbfs ?? -Infinity) > -50 && health.sensors.length === 4 && (health.features.precipitation ?? 0) > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(health);
    assert.equal(health.audio.running, true);
    // Heard: the first sound was timed (process uptime at the output's first rise above -60 dBFS).
    assert.ok(health.audio.firstSoundS !== null && health.audio.firstSoundS > 0, `firstSoundS ${health.audio.firstSoundS}`);
    assert.ok(health.audio.voices > 0, 'voices sounding');
    assert.ok(health.audio.rmsDbfs !== null && health.audio.rmsDbfs > -60 && health.audio.rmsDbfs <= -1, `output ${health.audio.rmsDbfs} dBFS`);
    assert.match(health.model.version, /^default-\d+$/, 'the shipped model plays');
    assert.equal(health.broker.connected, true);
    assert.deepEqual(health.sensors.map((s) => s.id).sort(), ['roof-baro', 'roof-rain', 'roof-wind', 'sky-camera']);
    for (const s of health.sensors) assert.ok(s.online && s.ageS !== null && s.ageS < 35, `${s.id} fresh`);
    assert.ok((health.features.precipitation ?? 0) > 0.3, 'the storm rains');
  });

  it('follows the sky: the storm thickens the pad as the controls glide', async () => {
    let density = 0;
    for (let i = 0; i < 80 && density <= 0.6; i++) {
      density = (JSON.parse((await get(`${base}/healthz`)).body) as HealthReport).controls['pad.density'] ?? 0;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(density > 0.6, `pad density ${density}`);
  });

  it('is ready, and exposes Prometheus metrics', async () => {
    const ready = await get(`${base}/readyz`);
    assert.equal(ready.status, 200, ready.body);
    assert.deepEqual(JSON.parse(ready.body), { ready: true, reasons: [] });
    const metrics = await get(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    for (const line of [
      /^skychoir_audio_running 1$/m,
      /^skychoir_audio_voices [1-9]\d*$/m,
      /^skychoir_model_info\{version="default-\d+"\} 1$/m,
      /^skychoir_sensor_age_seconds\{sensor="roof-wind"\} [\d.]+$/m,
      /^skychoir_ingest_accepted_total [1-9]\d*$/m,
      /^# TYPE skychoir_ingest_dropped_total counter$/m,
      /^skychoir_audio_render_load [\d.]+$/m,
    ]) {
      assert.match(metrics.body, line);
    }
  });

  it('refuses what it does not serve, briefly', async () => {
    assert.equal((await get(`${base}/nope`)).status, 404);
    assert.equal((await get(`${base}/healthz`, 'POST')).status, 405);
    assert.equal((await get(`${base}/healthz?${'x'.repeat(3000)}`)).status, 414);
    assert.equal((await get(`${base}/healthz`)).status, 200);
  });
});
