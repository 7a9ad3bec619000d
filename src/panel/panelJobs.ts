/**
 * Heavy panel work (training, preview renders) as child processes, one at a time, at a
 * lower CPU priority than the engine, with a time limit. Each job's state is kept (the
 * last 20) and every change is announced to listeners (the WebSocket push).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/logger.ts';

export interface PanelJob {
  id: string;
  kind: 'preview' | 'train';
  who: string;
  state: 'running' | 'done' | 'failed';
  startedAtMs: number;
  finishedAtMs: number | null;
  /** Progress or the error, in words. */
  message: string;
  /** JSON lines the job printed (its results). */
  results: unknown[];
}

export class JobBusyError extends Error {}

const KEEP_JOBS = 20;

export class PanelJobs {
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #jobs: PanelJob[] = [];
  readonly #listeners = new Set<(job: PanelJob) => void>();
  #child: ChildProcess | undefined;

  constructor(log: Logger, timeoutMs = 5 * 60_000) {
    this.#log = log;
    this.#timeoutMs = timeoutMs;
  }

  get busy(): boolean {
    return this.#child !== undefined;
  }

  list(): readonly PanelJob[] {
    return this.#jobs;
  }

  get(id: string): PanelJob | undefined {
    return this.#jobs.find((j) => j.id === id);
  }

  onUpdate(listener: (job: PanelJob) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Starts `node <script> <json args>`; `onLine` sees each JSON line it prints (progress)
   * and `onDone` the job when it exits well. Throws JobBusyError while another job runs.
   */
  start(kind: PanelJob['kind'], who: string, script: string, args: unknown, hooks: { onLine?: (job: PanelJob, line: Record<string, unknown>) => void; onDone?: (job: PanelJob) => void | Promise<void> } = {}): PanelJob {
    if (this.#child) throw new JobBusyError('another training or preview is running; wait for it to finish');
    const job: PanelJob = { id: randomBytes(6).toString('hex'), kind, who, state: 'running', startedAtMs: Date.now(), finishedAtMs: null, message: 'started', results: [] };
    this.#jobs.push(job);
    if (this.#jobs.length > KEEP_JOBS) this.#jobs.splice(0, this.#jobs.length - KEEP_JOBS);
    const child = spawn(process.execPath, [script, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch {
      // Not permitted everywhere; the job then runs at normal priority.
    }
    let stderr = '';
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const text = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const line = JSON.parse(text) as Record<string, unknown>;
          hooks.onLine?.(job, line);
          this.#announce(job);
        } catch {
          // Not one of our lines (a library's chatter): ignored.
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), this.#timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      this.#child = undefined;
      job.finishedAtMs = Date.now();
      if (code === 0) {
        job.state = 'done';
        job.message = 'done';
        void Promise.resolve(hooks.onDone?.(job))
          .catch((error: unknown) => {
            job.state = 'failed';
            job.message = (error as Error).message;
          })
          .finally(() => this.#announce(job));
        return;
      }
      job.state = 'failed';
      const why = stderr.trim().split('\n').filter((l) => !l.startsWith('{')).at(-1) ?? '';
      job.message = signal ? `stopped (${signal}${signal === 'SIGKILL' ? ': took too long' : ''})` : why || `exited with code ${code}`;
      this.#log.warn(`panel ${kind} job failed: ${job.message}`);
      this.#announce(job);
    });
    this.#announce(job);
    return job;
  }

  #announce(job: PanelJob): void {
    for (const listener of this.#listeners) listener(job);
  }

  stop(): void {
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
  }
}
