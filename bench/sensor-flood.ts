/**
 * A sensor flood through the embedded broker (issue 9: 5,000 messages a second, no loss at
 * QoS 1, no audio underruns).
 *
 * The engine runs in this process as `skychoir start` runs it (headless, embedded broker
 * with credentials, web stream and panel on), with no simulated sky, so every message it
 * hears is the bench's. Ten sensors in a child process (users flood-1..flood-10) publish
 * valid state messages (a weather station's four readings, a sequence number, `ts`
 * strictly increasing per sensor) at QoS 1, retained as readers do:
 *
 *   1. quiet: one message a second, the baseline for underruns, render load and CPU;
 *   2. flood: 5,000 messages a second in all for `seconds`, then until every PUBACK is in.
 *
 * "No loss" means: every message the broker PUBACKed reached the engine's ingest parser
 * and was accepted (they are all valid, so a message dropped for any reason is lost too).
 * Underruns are the audio context's playback statistics (time and events the device was
 * starved), read before and after each phase.
 *
 * The sensors' process runs at nice 19 by default: in the lobby they are other machines,
 * and here the flood's generator (most of a core at 5,000 messages a second) would
 * otherwise take the engine's CPU on a 2-core machine; pass 0 to share it equally.
 *
 * The engine runs at the systemd unit's niceness (-5) unless --nice says otherwise.
 *
 *   node_modules/.bin/node bench/sensor-flood.ts [seconds=30] [rate=5000] [quietSeconds=30] [sensorsNice=19] [--nice=-5]
 */
import { benchEngineConfig } from './support/benchEngine.ts';
import { childrenNamed, processCpuS } from './support/procStat.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { LiveEngine, type HealthReport } from '../src/engine/liveEngine.ts';
import { createLogger } from '../src/log/logger.ts';
import { hashPassword } from '../src/broker/brokerAccess.ts';
import { positional, reniceSelf, wantedNice } from './benchNice.ts';

/** Ten sensors at 500 messages a second each: a `ts` per sensor can advance 1 ms a message and keep to the clock. */
const SENSORS = Array.from({ length: 10 }, (_, i) => ({ username: `flood-${i + 1}`, password: `flood-password-${i + 1}` }));

interface PublishPhase {
  rate: number;
  seconds: number;
}

interface PublishReport {
  published: number;
  acked: number;
  /** Seconds the publishing took (the flood may fall behind its schedule). */
  publishS: number;
  /** Seconds from the first publish to the last PUBACK. */
  ackedAfterS: number;
}

// ---------------------------------------------------------------- the sensors (child process)

async function sensorsProcess(brokerUrl: string, nice: number): Promise<void> {
  setPriority(nice);
  const clients: MqttClient[] = [];
  for (const s of SENSORS) clients.push(await mqtt.connectAsync(brokerUrl, { ...s, clientId: s.username, reconnectPeriod: 0 }));
  const lastTs = SENSORS.map(() => 0);
  let seq = 0;
  const publishOne = (k: number, onAck: () => void): void => {
    const client = clients[k];
    const sensor = SENSORS[k];
    if (!client || !sensor) return;
    const ts = Math.max(Date.now(), (lastTs[k] ?? 0) + 1);
    lastTs[k] = ts;
    const n = seq++;
    const wind = 5 + 4 * Math.sin(n / 500);
    const payload = JSON.stringify({
      v: 1,
      ts: new Date(ts).toISOString(),
      seq: n,
      readings: {
        wind_speed: { value: Number(wind.toFixed(2)), unit: 'm/s' },
        wind_gust: { value: Number((wind * 1.5).toFixed(2)), unit: 'm/s' },
        pressure: { value: Number((1010 + Math.sin(n / 5000)).toFixed(2)), unit: 'hPa' },
        temperature: { value: 12.5, unit: 'C' },
      },
    });
    client.publish(`skychoir/lobby/sensor/${sensor.username}/state`, payload, { qos: 1, retain: true }, (err) => {
      if (!err) onAck();
    });
  };

  const run = async ({ rate, seconds }: PublishPhase): Promise<PublishReport> => {
    let published = 0;
    let acked = 0;
    let lastAckAt = 0;
    const t0 = performance.now();
    const ack = (): void => {
      acked++;
      lastAckAt = performance.now();
    };
    const total = Math.round(rate * seconds);
    // Every 10 ms, the messages due by then, spread over the sensors in turn.
    while (published < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      for (; published < due; published++) publishOne(published % SENSORS.length, ack);
      await new Promise((r) => setTimeout(r, rate > 100 ? 10 : 1000 / rate));
    }
    const publishS = (performance.now() - t0) / 1000;
    const deadline = performance.now() + 120_000;
    while (acked < published && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return { published, acked, publishS, ackedAfterS: (lastAckAt - t0) / 1000 };
  };

  process.on('message', (m: PublishPhase | { done: true }) => {
    if ('done' in m) {
      void Promise.all(clients.map((c) => c.endAsync())).then(() => process.exit(0));
      return;
    }
    void run(m).then((report) => process.send?.(report));
  });
  process.send?.({ ready: true });
}

// ---------------------------------------------------------------- the engine and the table



const dropped = (h: HealthReport): number => Object.values(h.ingest.dropped).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const [floodArg, rateArg, quietArg, sensorsNiceArg] = positional();
  const floodS = Number(floodArg ?? 30);
  const rate = Number(rateArg ?? 5000);
  const quietS = Number(quietArg ?? 30);
  const sensorsNice = Number(sensorsNiceArg ?? 19);
  // Before the engine starts: its audio render thread inherits this thread's niceness.
  const nice = reniceSelf(wantedNice());
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-bench-flood-'));
  writeFileSync(join(dir, 'users.json'), JSON.stringify(SENSORS.map((s) => ({ username: s.username, role: 'sensor', passwordHash: hashPassword(s.password) }))));
  const config = benchEngineConfig(dir);
  const engine = new LiveEngine(config, createLogger('bench', { write: () => undefined }));
  await engine.start();
  let child: ChildProcess | undefined;
  try {
    child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--sensors', engine.brokerAddress, String(sensorsNice)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sensors = child;
    const next = (): Promise<unknown> => new Promise((resolve) => sensors.once('message', resolve));
    await next(); // connected
    await new Promise((r) => setTimeout(r, 5000)); // singing, encoders up

    const rows: string[] = [];
    const load0 = loadavg()[0] ?? 0;
    const measure = async (label: string, phase: PublishPhase): Promise<void> => {
      const h0 = engine.health();
      const cpu0 = process.cpuUsage();
      const pids = childrenNamed(process.pid, 'ffmpeg');
      const enc0 = pids.reduce((n, pid) => n + processCpuS(pid), 0);
      const sensors0 = processCpuS(sensors.pid);
      const t0 = performance.now();
      const loads: number[] = [];
      const sampler = setInterval(() => {
        const peak = engine.health().audio.stats.peakLoad;
        if (peak !== null) loads.push(peak);
      }, 1000);
      sensors.send(phase);
      const report = (await next()) as PublishReport;
      // Until everything PUBACKed has reached ingest (or 60 s more).
      const reached = (): number => engine.health().ingest.accepted - h0.ingest.accepted + dropped(engine.health()) - dropped(h0);
      const deadline = performance.now() + 60_000;
      while (reached() < report.acked && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const inIngestAfterS = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      const wallS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const enc = pids.reduce((n, pid) => n + processCpuS(pid), 0) - enc0;
      const sensorsCpu = processCpuS(sensors.pid) - sensors0;
      const h1 = engine.health();
      const accepted = h1.ingest.accepted - h0.ingest.accepted;
      const drops = Object.entries(h1.ingest.dropped)
        .map(([reason, n]) => [reason, n - (h0.ingest.dropped[reason] ?? 0)] as const)
        .filter(([, n]) => n > 0);
      const droppedN = drops.reduce((a, [, n]) => a + n, 0);
      const s0 = h0.audio.stats;
      const s1 = h1.audio.stats;
      const underrunS = (s1.underrunDurationS ?? 0) - (s0.underrunDurationS ?? 0);
      const playedS = (s1.playedS ?? 0) - (s0.playedS ?? 0);
      const events = (s1.underrunEvents ?? 0) - (s0.underrunEvents ?? 0);
      rows.push(
        `| ${label} | ${report.published} | ${(report.published / report.publishS).toFixed(0)} | ${report.acked} | ${accepted + droppedN} | ${accepted} | ` +
          `${drops.map(([r, n]) => `${r} ${n}`).join(', ') || '0'} | ${report.acked - accepted} | ${report.ackedAfterS.toFixed(1)} | ${inIngestAfterS.toFixed(1)} | ` +
          `${events} | ${underrunS.toFixed(3)} | ${playedS > 0 ? ((underrunS / playedS) * 100).toFixed(3) : 'n/a'} | ${loads.length ? Math.max(...loads).toFixed(2) : 'n/a'} | ` +
          `${(((cpu.user + cpu.system) / 1e6 / wallS) * 100).toFixed(0)} | ${((enc / wallS) * 100).toFixed(0)} | ${((sensorsCpu / wallS) * 100).toFixed(0)} |`,
      );
      console.error(`${label}: done`);
    };
    await measure('quiet: 1 msg/s (baseline)', { rate: 1, seconds: quietS });
    await measure(`flood: ${rate} msg/s for ${floodS} s`, { rate, seconds: floodS });
    await measure('quiet again: 1 msg/s', { rate: 1, seconds: quietS });

    console.log(`sensor flood, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${load0.toFixed(2)} at start, ${loadavg()[0]?.toFixed(2)} at end`);
    console.log(`engine: headless, no simulated sky (${SENSORS.length} bench sensors at QoS 1, retained), stream ${engine.health().stream ? 'on' : 'off'}, panel on; engine at nice ${nice}, sensors at nice ${sensorsNice}; control latency over the run: ${JSON.stringify(engine.health().control.latencyMs)}`);
    console.log('| phase | published | publish rate /s | PUBACKed | reached ingest | accepted | dropped by reason | lost (PUBACKed, not accepted) | last PUBACK after s | all in ingest after s | underrun events | underrun s | underrun % of time | peak render load | engine CPU % | encoders CPU % | sensors CPU % |');
    console.log('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
  } finally {
    child?.send({ done: true });
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--sensors') await sensorsProcess(process.argv[3] ?? '', Number(process.argv[4] ?? 0));
else await main();
