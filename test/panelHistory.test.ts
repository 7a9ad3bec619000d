/**
 * The engine's record in the store, end to end on a real headless engine and a real
 * SQLite file: the live mix's loudness in /healthz and /metrics; sensor readings,
 * engine measures and events written to sensor_history and event_log; and after a
 * restart on the same file, the panel's 24 h charts and event log still hold them.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SkychoirStore } from '../src/store/store.ts';
import type { HealthReport } from '../src/engine/liveEngine.ts';
import type { HistorySample, RecordedEvent } from '../src/engine/liveRecorder.ts';
import { CURATOR, call, signIn, startPanelRig, type PanelRig } from './support/panelRig.ts';

async function until<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const got = await check();
    if (got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the engine record: loudness, history and events in the store, across a restart', { timeout: 120_000 }, () => {
  let rig: PanelRig;

  before(async () => {
    rig = await startPanelRig();
  });

  after(async () => {
    await rig?.stop();
  });

  it('meters the live mix loudness (EBU R128 momentary and short-term) in /healthz and /metrics', async () => {
    const loudness = await until('a short-term loudness', async () => {
      const h = (await call(`${rig.base}/healthz`)).json as unknown as HealthReport;
      return h.audio.loudness.shortTermLufs !== null && h.audio.loudness.momentaryLufs !== null ? h.audio.loudness : undefined;
    });
    const { momentaryLufs, shortTermLufs } = loudness as { momentaryLufs: number; shortTermLufs: number };
    // The choir at -3 dB master sings well above silence and below the -1 dBFS ceiling.
    assert.ok(shortTermLufs > -50 && shortTermLufs < -3, `short-term ${shortTermLufs} LUFS`);
    assert.ok(momentaryLufs > -60 && momentaryLufs < -3, `momentary ${momentaryLufs} LUFS`);
    const metrics = (await call(`${rig.base}/metrics`)).body;
    assert.match(metrics, /^skychoir_audio_loudness_short_term_lufs -\d+(\.\d)?$/m);
    assert.match(metrics, /^skychoir_audio_loudness_momentary_lufs -\d+(\.\d)?$/m);
    assert.match(metrics, /^skychoir_history_write_errors_total 0$/m);
  });

  it('writes readings, measures and events to the store; after a restart the panel still shows them', async () => {
    const curator = await signIn(rig.base, CURATOR);
    assert.equal((await curator.post('/panel/api/settings', { masterDb: -9 })).status, 200);
    // The flock sky: birds and flocks keep passing (sky events), sensors report every 5-30 s.
    const before = await until('a sky event, a change, pressure, wind and cloud readings, two samples of the engine measures', async () => {
      const state = (await curator.get('/panel/api/state')).json as { events: RecordedEvent[]; live: { health: HealthReport; readings: { quantity: string; value: number }[] } };
      const quantities = new Set(state.live.readings.map((r) => r.quantity));
      const ready =
        state.events.some((e) => e.kind === 'sky') &&
        ['pressure', 'wind_speed', 'cloud_cover'].every((q) => quantities.has(q)) &&
        // The engine measures are sampled every 5 s.
        state.live.health.uptimeS >= 11;
      return ready ? state : undefined;
    });
    const pressure = before.live.readings.find((r) => r.quantity === 'pressure')?.value as number;
    const change = before.events.find((e) => e.kind === 'change');
    assert.equal(change?.text, 'ada changed masterDb');
    const stoppedAtMs = Date.now();

    await rig.restart();

    // In the file: one row per series per minute, and the events.
    const store = SkychoirStore.open(rig.storePath);
    try {
      const rows = store.listHistory(stoppedAtMs - 10 * 60_000);
      const series = new Set(rows.map((r) => r.series));
      for (const s of ['pressure', 'wind_speed', 'cloud_cover', 'output_rms_dbfs', 'loudness_short_term_lufs', 'voices']) assert.ok(series.has(s), `${s} in sensor_history (${[...series].join(', ')})`);
      for (const r of rows) assert.ok(r.count >= 1 && r.min <= r.max && r.minuteMs % 60_000 === 0, JSON.stringify(r));
      const events = store.listEvents(stoppedAtMs - 10 * 60_000);
      assert.ok(events.some((e) => e.kind === 'change' && e.text === 'ada changed masterDb'));
      assert.ok(events.some((e) => e.kind === 'sky' && / seen by sky-camera$/.test(e.text)));
      assert.ok(events.some((e) => e.kind === 'sensor' && e.text === 'sensor roof-baro reporting'));
    } finally {
      store.close();
    }

    // Through the panel of the new engine.
    const again = await signIn(rig.base, CURATOR);
    const state = (await again.get('/panel/api/state')).json as { history: HistorySample[]; events: RecordedEvent[] };
    const earlier = state.history.filter((h) => h.atMs <= stoppedAtMs);
    assert.ok(earlier.length >= 1, 'the charts hold the minutes before the restart');
    const pressures = earlier.map((h) => h.values.pressure).filter((v): v is number => typeof v === 'number');
    assert.ok(pressures.some((p) => Math.abs(p - pressure) < 1), `pressure ${pressure} hPa in the charts: ${pressures.join(', ')}`);
    assert.ok(earlier.some((h) => typeof h.values.output_rms_dbfs === 'number'));
    assert.ok(state.events.some((e) => e.kind === 'change' && e.text === 'ada changed masterDb' && e.atMs < stoppedAtMs), 'the event log holds what happened before');
    assert.ok(state.events.some((e) => e.kind === 'sky' && e.atMs < stoppedAtMs));
    const health = (await call(`${rig.base}/healthz`)).json as unknown as HealthReport;
    assert.ok(health.history, 'the new engine records too');
    assert.equal(health.history.writeErrors, 0);
  });
});
