/**
 * The engine as systemd runs it: `skychoir start --config <file>` in a child process, with
 * the engine's V8 flags, its JSON log lines on stderr. Tests kill it, restart it, take its
 * device or broker away, and watch it through its HTTP port (/healthz, /metrics) as an operator would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import type { HealthReport } from '../../src/engine/liveEngine.ts';
import { ENGINE_V8_FLAGS } from '../../bin/engineFlags.js';

export interface EngineProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>, once it sings. */
  base: string;
  logs: string[];
  health(): Promise<HealthReport>;
  text(path: string): Promise<string>;
  /** Resolves with the exit code (or 128 + signal). */
  exited: Promise<number>;
  /** SIGTERM, waiting at most `ms` before SIGKILL. */
  stop(ms?: number): Promise<number>;
}

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const BIN = join(PROJECT_ROOT, 'bin', 'skychoir.js');

export function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Writes `config` to dir/config.json and starts the engine on it; resolves once it sings. */
export async function startEngineProcess(dir: string, config: unknown, env: Record<string, string> = {}, startMs = 60000): Promise<EngineProcess> {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawn(NODE, [...ENGINE_V8_FLAGS, BIN, 'start', '--config', file], {
    env: { ...process.env, SKYCHOIR_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: string[] = [];
  let partial = '';
  let base = '';
  let onSinging: (() => void) | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      logs.push(line);
      if (!base && line.includes('skychoir is singing')) {
        try {
          base = String((JSON.parse(line) as { http?: string }).http ?? '');
        } catch {
          // a non-JSON line (ALSA's own messages)
        }
        if (base) onSinging?.();
      }
    }
  });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143))));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`engine did not start in ${startMs} ms:\n${logs.slice(-20).join('\n')}`));
    }, startMs);
    onSinging = () => {
      clearTimeout(timer);
      resolve();
    };
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`engine exited (${code}) before singing:\n${logs.slice(-20).join('\n')}`));
    });
  });
  const engine: EngineProcess = {
    child,
    base,
    logs,
    exited,
    health: async () => JSON.parse((await httpGet(`${base}/healthz`)).body) as HealthReport,
    text: async (path) => (await httpGet(`${base}${path}`)).body,
    stop: async (ms = 15000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return engine;
}

/**
 * Polls /healthz every 200 ms; stop() returns the longest time (s) the output was silent
 * (rmsDbfs null, below `silentDbfs`, or no answer).
 */
export function watchSilence(engine: EngineProcess, silentDbfs = -60): { stop(): number; samples: () => number } {
  let longest = 0;
  let silentSince: number | undefined;
  let samples = 0;
  let stopped = false;
  const tick = async (): Promise<void> => {
    while (!stopped) {
      let rms: number | null = null;
      try {
        rms = (await engine.health()).audio.rmsDbfs;
      } catch {
        rms = null;
      }
      const now = Date.now();
      samples++;
      if (rms === null || rms < silentDbfs) {
        silentSince ??= now;
        longest = Math.max(longest, (now - silentSince) / 1000);
      } else silentSince = undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void tick();
  return {
    stop: () => {
      stopped = true;
      return longest;
    },
    samples: () => samples,
  };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, ms = 20000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
