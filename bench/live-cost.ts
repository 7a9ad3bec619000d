/**
 * What the live engine costs, headless (issue 9: <= 10 % of one core on average over
 * 10 minutes, underrun time <= 0.1 %).
 *
 * Runs `bin/skychoir.js start --headless` as `npm start` would (embedded broker, simulated
 * sky, web stream and panel on; free ports, a fresh store) for `seconds`, after a warm-up,
 * and samples every 5 s: the engine process's CPU (all its threads: JavaScript, the audio
 * render thread, ONNX Runtime; utime + stime from /proc) and its ffmpeg encoders' apart,
 * and the audio statistics from /healthz (render load; underrun time against time played).
 * Baseline in the same run, for the same length: a bare headless AudioContext playing one
 * oscillator (the audio thread's floor), measured the same way.
 *
 * Both run at the systemd unit's niceness (-5; `nice -n`, so every thread has it) unless
 * --nice says otherwise.
 *
 *   node_modules/.bin/node bench/live-cost.ts [seconds=600] [warmupSeconds=20] [--nice=-5]
 */
import { ENGINE_V8_FLAGS } from '../bin/engineFlags.js';
import { childrenNamed, processCpuS } from './support/procStat.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, getPriority, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { quantile } from '../src/engine/controlLatency.ts';
import type { HealthReport } from '../src/engine/liveEngine.ts';
import { positional, reniceSelf, wantedNice } from './benchNice.ts';

const SAMPLE_MS = 5000;



interface AudioSample {
  averageLoad: number | null;
  peakLoad: number | null;
  underrunDurationS: number | null;
  underrunEvents: number | null;
  playedS: number | null;
}

interface Segment {
  label: string;
  wallS: number;
  cpuPct: number[];
  encoderPct: number[];
  loads: number[];
  peakLoad: number;
  underrunS: number;
  underrunEvents: number;
  playedS: number;
  loadAverage: number[];
}

/** Samples a process for `seconds`: its CPU and encoders every 5 s, its audio statistics from `audio()`. */
async function measure(label: string, pid: number, seconds: number, audio: () => Promise<AudioSample>): Promise<Segment> {
  const seg: Segment = { label, wallS: 0, cpuPct: [], encoderPct: [], loads: [], peakLoad: 0, underrunS: 0, underrunEvents: 0, playedS: 0, loadAverage: [] };
  const encoders = childrenNamed(pid, 'ffmpeg');
  const first = await audio();
  const t0 = performance.now();
  let last = { t: t0, cpu: processCpuS(pid), enc: encoders.reduce((n, p) => n + processCpuS(p), 0) };
  const cpu0 = last.cpu;
  const enc0 = last.enc;
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, seconds * 1000 - (performance.now() - t0))));
    const now = { t: performance.now(), cpu: processCpuS(pid), enc: encoders.reduce((n, p) => n + processCpuS(p), 0) };
    const dt = (now.t - last.t) / 1000;
    if (dt > 0.5) {
      seg.cpuPct.push(((now.cpu - last.cpu) / dt) * 100);
      seg.encoderPct.push(((now.enc - last.enc) / dt) * 100);
    }
    last = now;
    const a = await audio();
    if (a.averageLoad !== null) seg.loads.push(a.averageLoad);
    seg.peakLoad = Math.max(seg.peakLoad, a.peakLoad ?? 0);
    seg.loadAverage.push(loadavg()[0] ?? 0);
  }
  seg.wallS = (last.t - t0) / 1000;
  // Over the whole segment (not the mean of the 5 s samples): CPU seconds over wall seconds.
  seg.cpuPct.unshift(((last.cpu - cpu0) / seg.wallS) * 100);
  seg.encoderPct.unshift(((last.enc - enc0) / seg.wallS) * 100);
  const end = await audio();
  seg.underrunS = (end.underrunDurationS ?? 0) - (first.underrunDurationS ?? 0);
  seg.underrunEvents = (end.underrunEvents ?? 0) - (first.underrunEvents ?? 0);
  seg.playedS = (end.playedS ?? 0) - (first.playedS ?? 0);
  return seg;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** `nice -n <nice> command args`, when the nice is not this process's own. */
function niced(nice: number, command: string, args: string[]): [string, string[]] {
  return nice === 0 ? [command, args] : ['nice', ['-n', String(nice), command, ...args]];
}

async function engineSegment(seconds: number, warmupS: number, nice: number): Promise<Segment & { firstSoundS: number | null; voices: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-bench-live-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ paths: { store: join(dir, 'store.db') } }));
  const [command, args] = niced(nice, process.execPath, [...ENGINE_V8_FLAGS, join(PROJECT_ROOT, 'bin', 'skychoir.js'), 'start', '--config', join(dir, 'config.json'), '--headless', '--port', '0', '--broker-port', '0']);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let http = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      const url = /"msg":"skychoir is singing".*?"http":"([^"]+)"/.exec(line)?.[1];
      if (url) http = url;
    }
  });
  const voices: number[] = [];
  const health = async (): Promise<HealthReport> => (await (await fetch(`${http}/healthz`)).json()) as HealthReport;
  try {
    for (let i = 0; i < 600 && !http; i++) await new Promise((r) => setTimeout(r, 100));
    if (!http) throw new Error('the engine did not start');
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    const seg = await measure('skychoir start --headless (broker, simulated sky, stream, panel)', child.pid ?? 0, seconds, async () => {
      const h = await health();
      voices.push(h.audio.voices);
      return h.audio.stats;
    });
    return { ...seg, firstSoundS: (await health()).audio.firstSoundS ?? null, voices };
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bareSegment(seconds: number, warmupS: number, nice: number): Promise<Segment> {
  const [command, args] = niced(nice, process.execPath, [fileURLToPath(import.meta.url), '--bare']);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ask = (): Promise<AudioSample> =>
    new Promise((resolve) => {
      child.once('message', (m) => resolve(m as AudioSample));
      child.send('stats');
    });
  try {
    await new Promise((resolve) => child.once('message', resolve)); // running
    await new Promise((r) => setTimeout(r, warmupS * 1000));
    return await measure('baseline: bare headless AudioContext, one oscillator', child.pid ?? 0, seconds, ask);
  } finally {
    child.disconnect();
    await stop(child);
  }
}

/** Child mode: a headless context playing one sine, answering 'stats' with its audio statistics. */
async function bareContext(): Promise<void> {
  const { AudioContext } = await import('node-web-audio-api');
  const { AudioStats } = await import('../src/audio/audioStats.ts');
  const context = new AudioContext({ sinkId: { type: 'none' }, latencyHint: 'playback', sampleRate: 48000 } as AudioContextOptions);
  const osc = context.createOscillator();
  const gain = context.createGain();
  gain.gain.value = 0.1;
  osc.connect(gain).connect(context.destination);
  osc.start();
  const stats = new AudioStats(context);
  process.on('message', () => process.send?.(stats.snapshot()));
  process.on('disconnect', () => {
    stats.stop();
    void context.close().then(() => process.exit(0));
  });
  process.send?.({ running: true });
}

function row(s: Segment): string {
  const perSample = s.cpuPct.slice(1).sort((a, b) => a - b);
  const loads = [...s.loads].sort((a, b) => a - b);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return (
    `| ${s.label} | ${s.wallS.toFixed(0)} | **${(s.cpuPct[0] ?? NaN).toFixed(1)}** | ${quantile(perSample, 0.95).toFixed(1)} | ${(perSample.at(-1) ?? NaN).toFixed(1)} | ` +
    `${(s.encoderPct[0] ?? NaN).toFixed(1)} | ${mean(loads).toFixed(3)} | ${s.peakLoad.toFixed(2)} | ${s.underrunEvents} | ${s.underrunS.toFixed(3)} | ` +
    `**${s.playedS > 0 ? ((s.underrunS / s.playedS) * 100).toFixed(3) : 'n/a'}** | ${Math.min(...s.loadAverage).toFixed(1)}-${Math.max(...s.loadAverage).toFixed(1)} |`
  );
}

async function main(): Promise<void> {
  const [secondsArg, warmupArg] = positional();
  const seconds = Number(secondsArg ?? 600);
  const warmupS = Number(warmupArg ?? 20);
  // `nice -n` is relative to ours: probe what we may set, then come back.
  const own = getPriority();
  const nice = reniceSelf(wantedNice()) - own;
  reniceSelf(own);
  const started = new Date();
  const engine = await engineSegment(seconds, warmupS, nice);
  console.error('engine segment done');
  const bare = await bareSegment(seconds, Math.min(warmupS, 5), nice);
  console.log(`live cost, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${started.toISOString().slice(0, 16)}Z, ${seconds} s a row after a ${warmupS} s warm-up, sampled every ${SAMPLE_MS / 1000} s, both at nice ${own + nice}`);
  console.log('| process | s | CPU % of one core (mean) | p95 of 5 s | max of 5 s | ffmpeg encoders CPU % | render load (mean) | render peak load | underrun events | underrun s | underrun % of time | load average (1 min) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  console.log(row(bare));
  console.log(row(engine));
  const v = [...engine.voices].sort((a, b) => a - b);
  console.log(`engine: first sound at ${engine.firstSoundS ?? 'n/a'} s; voices sounding p50 ${quantile(v, 0.5)}, max ${v.at(-1) ?? 'n/a'}; engine minus baseline: ${((engine.cpuPct[0] ?? 0) - (bare.cpuPct[0] ?? 0)).toFixed(1)} points`);
}

if (process.argv[2] === '--bare') await bareContext();
else await main();
