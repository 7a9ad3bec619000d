/**
 * Sensor publish -> control change in the audio graph, through the real broker (issue 9:
 * p99 <= 50 ms, jitter <= 10 ms).
 *
 * The engine runs in this process as `skychoir start` runs it (headless, embedded broker
 * with credentials, web stream and panel on), with no simulated sky, so the bench sensor's
 * messages are the only ones timed (the simulator's publisher stamps `ts` on its own
 * schedule, up to a tick before it publishes). A sensor in a child process
 * (its own event loop, as a reader would be) logs in as `bench-sensor` and publishes
 * state messages (retained, QoS 1, a reading that moves the sky each time, `ts` taken just
 * before publishing) at 1, 10 and 100 messages a second and in bursts of 50. The engine
 * times each message from its `ts` to the moment the layer targets computed with it are
 * handed to the graph (Performance.controlLatency). Baseline in the same run: the broker
 * round trip alone, from publish to a subscriber client (`bench-viewer`, in the sensor's
 * process) receiving the message, so the engine's own share is visible.
 *
 *   node_modules/.bin/node bench/control-latency.ts [scale=1] [--nice=-5]
 *
 * The engine runs at the systemd unit's niceness (-5) unless --nice says otherwise.
 * `scale` multiplies every phase's length (0.2 for a quick try).
 * Jitter is p99 - p50 of the engine's latency (the spread a listener could notice). The
 * engine's event-loop delay (perf_hooks, 5 ms resolution) shows when its loop was busy
 * with something else (a window being planned, the stream's tap), which is where tails
 * come from.
 */
import { benchEngineConfig } from './support/benchEngine.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { LiveEngine } from '../src/engine/liveEngine.ts';
import { createLogger } from '../src/log/logger.ts';
import { hashPassword } from '../src/broker/brokerAccess.ts';
import { quantile } from '../src/engine/controlLatency.ts';
import { positional, reniceSelf, wantedNice } from './benchNice.ts';

const SENSOR = { username: 'bench-sensor', password: 'bench-sensor-password' };
const VIEWER = { username: 'bench-viewer', password: 'bench-viewer-password' };
const TOPIC = `skychoir/lobby/sensor/${SENSOR.username}/state`;

interface Phase {
  label: string;
  /** Messages a second, spread evenly; or bursts of `burst` back to back every `everyS`. */
  rate?: number;
  burst?: number;
  everyS?: number;
  seconds: number;
}

interface PhaseReport {
  published: number;
  acked: number;
  /** Broker round trip per message (ms): publish -> the viewer receives it. */
  roundTripMs: number[];
}

type ParentMessage = { phase: Phase } | { done: true };

// ---------------------------------------------------------------- the sensor (child process)

async function sensorProcess(brokerUrl: string): Promise<void> {
  const sensor = await mqtt.connectAsync(brokerUrl, { ...SENSOR, clientId: 'bench-sensor', reconnectPeriod: 0 });
  const viewer = await mqtt.connectAsync(brokerUrl, { ...VIEWER, clientId: 'bench-viewer', reconnectPeriod: 0 });
  const sentAt = new Map<number, number>();
  let roundTrips: number[] = [];
  viewer.on('message', (_topic, payload) => {
    const at = performance.now();
    const seq = (JSON.parse(payload.toString()) as { seq?: number }).seq;
    const sent = seq === undefined ? undefined : sentAt.get(seq);
    if (sent !== undefined) {
      roundTrips.push(at - sent);
      sentAt.delete(seq as number);
    }
  });
  await viewer.subscribeAsync(TOPIC, { qos: 1 });
  let seq = 0;
  let wind = 4;
  const publishOne = (onAck: () => void): void => {
    // A wind that wanders: every message moves the sky, as a gusty anemometer would.
    wind = Math.min(30, Math.max(0, wind + (Math.random() - 0.5) * 2));
    const n = seq++;
    const now = Date.now();
    const payload = JSON.stringify({ v: 1, ts: new Date(now).toISOString(), seq: n, readings: { wind_speed: { value: Number(wind.toFixed(2)), unit: 'm/s' }, wind_gust: { value: Number((wind * 1.4).toFixed(2)), unit: 'm/s' } } });
    sentAt.set(n, performance.now());
    sensor.publish(TOPIC, payload, { qos: 1, retain: true }, (err) => {
      if (!err) onAck();
    });
  };
  const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

  const runPhase = async (phase: Phase): Promise<PhaseReport> => {
    roundTrips = [];
    sentAt.clear();
    let published = 0;
    let acked = 0;
    const ack = (): void => void acked++;
    const t0 = performance.now();
    const end = t0 + phase.seconds * 1000;
    if (phase.rate) {
      for (let i = 0; t0 + (i * 1000) / phase.rate < end; i++) {
        await sleepUntil(t0 + (i * 1000) / phase.rate);
        publishOne(ack);
        published++;
      }
    } else {
      const every = (phase.everyS ?? 1) * 1000;
      for (let k = 0; t0 + k * every < end; k++) {
        await sleepUntil(t0 + k * every);
        for (let i = 0; i < (phase.burst ?? 1); i++) {
          publishOne(ack);
          published++;
        }
      }
    }
    // Every PUBACK and every copy to the viewer, or 5 s.
    const deadline = performance.now() + 5000;
    while ((acked < published || sentAt.size > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return { published, acked, roundTripMs: roundTrips };
  };

  process.on('message', (m: ParentMessage) => {
    if ('done' in m) {
      void Promise.all([sensor.endAsync(), viewer.endAsync()]).then(() => process.exit(0));
      return;
    }
    void runPhase(m.phase).then((report) => process.send?.(report));
  });
  process.send?.({ ready: true });
}

// ---------------------------------------------------------------- the engine and the table

function stats(values: readonly number[]): { p50: number; p95: number; p99: number; max: number; sd: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  const sd = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, sorted.length));
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN, sd };
}

async function main(): Promise<void> {
  const scale = Number(positional()[0] ?? 1);
  // Before the engine starts: its audio render thread inherits this thread's niceness.
  const nice = reniceSelf(wantedNice());
  const phases: Phase[] = [
    { label: '1 msg/s', rate: 1, seconds: 60 * scale },
    { label: '10 msg/s', rate: 10, seconds: 30 * scale },
    { label: '100 msg/s', rate: 100, seconds: 20 * scale },
    { label: 'bursts of 50 every 2 s', burst: 50, everyS: 2, seconds: 30 * scale },
  ];
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-bench-latency-'));
  writeFileSync(
    join(dir, 'users.json'),
    JSON.stringify([
      { username: SENSOR.username, role: 'sensor', passwordHash: hashPassword(SENSOR.password) },
      { username: VIEWER.username, role: 'viewer', passwordHash: hashPassword(VIEWER.password) },
    ]),
  );
  const config = benchEngineConfig(dir);
  const engine = new LiveEngine(config, createLogger('bench', { write: () => undefined }));
  await engine.start();
  let child: ChildProcess | undefined;
  try {
    // Let it settle into singing (first windows, the stream's encoders starting).
    await new Promise((r) => setTimeout(r, 5000));
    child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--sensor', engine.brokerAddress], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const sensorChild = child;
    const next = (): Promise<unknown> => new Promise((resolve) => sensorChild.once('message', resolve));
    await next(); // ready
    const latency = engine.controlLatency;
    if (!latency) throw new Error('the engine has no performance loop');
    const rows: string[] = [];
    const load0 = loadavg()[0] ?? 0;
    for (const phase of phases) {
      const countBefore = latency.count;
      const updatesBefore = engine.health().control.immediateUpdates;
      const cpu0 = process.cpuUsage();
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      const t0 = performance.now();
      sensorChild.send({ phase } satisfies ParentMessage);
      const report = (await next()) as PhaseReport;
      await new Promise((r) => setTimeout(r, 200)); // the last update handed
      loopDelay.disable();
      const cpu = process.cpuUsage(cpu0);
      const wallS = (performance.now() - t0) / 1000;
      const engineMs = latency.since(countBefore);
      const e = stats(engineMs);
      const b = stats(report.roundTripMs);
      const updates = engine.health().control.immediateUpdates - updatesBefore;
      rows.push(
        `| ${phase.label} | ${report.published} | ${report.acked} | ${engineMs.length} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | ` +
          `${e.p50.toFixed(0)} | ${e.p95.toFixed(0)} | ${e.p99.toFixed(0)} | ${e.max.toFixed(0)} | ${(e.p99 - e.p50).toFixed(0)} | ${e.sd.toFixed(1)} | ${updates} | ${(loopDelay.percentile(99) / 1e6).toFixed(0)} / ${(loopDelay.max / 1e6).toFixed(0)} | ${(((cpu.user + cpu.system) / 1e6 / wallS) * 100).toFixed(0)} |`,
      );
      console.error(`${phase.label}: done`);
    }
    const h = engine.health();
    console.log(`control latency, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${load0.toFixed(2)} at start, ${loadavg()[0]?.toFixed(2)} at end`);
    console.log(`engine: headless, no simulated sky (the bench sensor only), stream ${h.stream ? 'on' : 'off'}, panel on; engine at nice ${nice}; scale ${scale}`);
    console.log('| load | published | PUBACKed | timed by engine | baseline: broker round trip p50 / p99 ms | engine p50 ms | p95 | p99 | max | jitter p99-p50 | std-dev | immediate updates | engine event-loop delay p99 / max ms | engine process CPU % |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    console.log(`underruns over the run: ${h.audio.stats.underrunEvents ?? 'n/a'} events, ${h.audio.stats.underrunDurationS?.toFixed(3) ?? 'n/a'} s; model errors ${h.model.errors}`);
  } finally {
    child?.send({ done: true } satisfies ParentMessage);
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--sensor') await sensorProcess(process.argv[3] ?? '');
else await main();
