/**
 * Cold start to first sound (issue 9: <= 3 s).
 *
 * Spawns `bin/skychoir.js start --headless` N + 1 times on the embedded defaults (broker,
 * simulated sky, web stream, panel) with free ports and a fresh store, and measures from
 * the spawn to: the engine's `skychoir is singing` log line (start() done), its
 * `first sound` log line (the output first above -60 dBFS, src/engine/firstSound.ts; the
 * engine also reports it as process uptime, /healthz audio.firstSoundS), and the first
 * /healthz answering `status: ok`. Baselines in the same run: the pinned Node running
 * nothing (`node -e 0`), and `skychoir help` (the CLI's cheapest command: the bin script
 * and the TypeScript entry point) started by the pinned Node and by the system's Node
 * when it is older (the bin script re-runs itself under the pinned one).
 *
 * The bin script keeps Node's compile cache (stripped TypeScript and V8 code) on disk. The
 * bench gives every process its own cache directory, emptied first: the first start is a
 * start after an install or an upgrade (nothing cached), the N after it are restarts.
 *
 *   node_modules/.bin/node bench/cold-start.ts [runs=5] [--cpu-prof]
 *
 * With --cpu-prof each engine writes a V8 CPU profile to bench/out/cold-start/.
 */
import { ENGINE_V8_FLAGS } from '../bin/engineFlags.js';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { quantile } from '../src/engine/controlLatency.ts';

const PINNED = process.execPath;
const COMPILE_CACHE = mkdtempSync(join(tmpdir(), 'skychoir-bench-compile-cache-'));
const env = { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE };
const BIN = join(PROJECT_ROOT, 'bin', 'skychoir.js');

/** Spawn to exit, in ms. */
async function timeToExit(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: 'ignore', env });
  await new Promise((resolve) => child.once('exit', resolve));
  return performance.now() - t0;
}

interface StartRun {
  singingMs: number;
  firstSoundMs: number;
  healthzOkMs: number;
  /** The engine's own measure: process uptime at first sound. */
  firstSoundS: number;
}

async function startOnce(profileDir: string | undefined): Promise<StartRun> {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-bench-cold-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ paths: { store: join(dir, 'store.db') } }));
  const nodeArgs = [...ENGINE_V8_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const t0 = performance.now();
  const child = spawn(PINNED, [...nodeArgs, BIN, 'start', '--config', join(dir, 'config.json'), '--headless', '--port', '0', '--broker-port', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  const run: Partial<StartRun> = {};
  let http = '';
  let buffered = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const at = performance.now() - t0;
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        const entry = JSON.parse(line) as { msg?: string; http?: string; firstSoundS?: number };
        if (entry.msg === 'skychoir is singing') {
          run.singingMs = at;
          http = entry.http ?? '';
        } else if (entry.msg === 'first sound') {
          run.firstSoundMs = at;
          run.firstSoundS = entry.firstSoundS;
        }
      } catch {
        // not a log line
      }
    }
  });
  try {
    const deadline = performance.now() + 60_000;
    while (run.healthzOkMs === undefined && performance.now() < deadline) {
      if (http) {
        try {
          const health = (await (await fetch(`${http}/healthz`)).json()) as { status?: string };
          if (health.status === 'ok') run.healthzOkMs = performance.now() - t0;
        } catch {
          // not answering yet
        }
      }
      if (run.healthzOkMs === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    while (run.firstSoundMs === undefined && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (run.singingMs === undefined || run.firstSoundMs === undefined || run.healthzOkMs === undefined) {
      throw new Error(`the engine did not sing within 60 s: ${JSON.stringify(run)}`);
    }
    return run as StartRun;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(label: string, values: number[], unit = 's'): string {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (ms: number): string => (unit === 's' ? (ms / 1000).toFixed(2) : ms.toFixed(0));
  return `| ${label} | ${values.length} | ${f(quantile(sorted, 0.5))} | ${f(sorted[0] ?? NaN)} | ${f(sorted.at(-1) ?? NaN)} |`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const profileDir = process.argv.includes('--cpu-prof') ? join(PROJECT_ROOT, 'bench', 'out', 'cold-start') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const load0 = loadavg()[0] ?? 0;

  // The first start, with nothing cached (as after an install), before anything else runs.
  const first = await startOnce(profileDir);
  console.error(`first start (empty compile cache): first sound ${first.firstSoundMs.toFixed(0)} ms`);
  const nodeE0: number[] = [];
  const helpPinned: number[] = [];
  const helpSystem: number[] = [];
  let systemNode: string | undefined;
  try {
    const version = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    if (Number(version.slice(1).split('.')[0]) < 24) systemNode = `node ${version}`;
  } catch {
    // no system Node
  }
  for (let i = 0; i < runs; i++) {
    nodeE0.push(await timeToExit(PINNED, ['-e', '0']));
    helpPinned.push(await timeToExit(PINNED, [BIN, 'help']));
    if (systemNode) helpSystem.push(await timeToExit('node', [BIN, 'help']));
  }
  const starts: StartRun[] = [];
  for (let i = 0; i < runs; i++) {
    starts.push(await startOnce(profileDir));
    console.error(`start ${i + 1}/${runs}: first sound ${(starts.at(-1)?.firstSoundMs ?? 0).toFixed(0)} ms`);
  }
  console.log(`cold start, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z, load average ${load0.toFixed(2)} at start, ${loadavg()[0]?.toFixed(2)} at end`);
  console.log('| from spawn to | runs | p50 s | min s | max s |');
  // Rows after the first start: the compile cache is warm (a restart).
  console.log('|---|---:|---:|---:|---:|');
  console.log(row('baseline: pinned Node exits (`node -e 0`)', nodeE0));
  console.log(row('baseline: `skychoir help` exits (pinned Node)', helpPinned));
  if (systemNode) console.log(row(`baseline: \`skychoir help\` exits (system ${systemNode}, re-run under the pinned one)`, helpSystem));
  console.log(row('first start, empty compile cache: `skychoir is singing` logged', [first.singingMs]));
  console.log(row('first start, empty compile cache: **first sound**', [first.firstSoundMs]));
  console.log(row('first start, empty compile cache: /healthz status ok', [first.healthzOkMs]));
  console.log(row('`skychoir is singing` logged (start() done)', starts.map((s) => s.singingMs)));
  console.log(row('**first sound** (output > -60 dBFS)', starts.map((s) => s.firstSoundMs)));
  console.log(row('engine-reported firstSoundS (process uptime)', starts.map((s) => s.firstSoundS * 1000)));
  console.log(row('/healthz status ok', starts.map((s) => s.healthzOkMs)));
  if (profileDir) console.log(`CPU profiles in ${profileDir}`);
  rmSync(COMPILE_CACHE, { recursive: true, force: true });
}

await main();
