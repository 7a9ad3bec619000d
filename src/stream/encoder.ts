/**
 * A supervised ffmpeg child: PCM in on stdin, encoded bytes out on stdout (or pushed by
 * ffmpeg itself, e.g. HLS segments). If it dies it is started again, with a backoff that
 * resets once it has run a while; the audio never waits for it: a block that does not
 * fit in the pipe is dropped and counted, never queued without bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.ts';

export const PCM_SAMPLE_RATE = 48000;
export const PCM_CHANNELS = 2;
/** Bytes of s16le stereo PCM per second. */
export const PCM_BYTES_PER_S = PCM_SAMPLE_RATE * PCM_CHANNELS * 2;

export interface SupervisedEncoderOptions {
  /** For logs: 'ogg', 'mp3', 'hls'. */
  name: string;
  ffmpegPath: string;
  /** ffmpeg arguments after the PCM input (codec, muxer, output). */
  outputArgs: readonly string[];
  /** Encoded bytes from stdout; absent: stdout is ignored (ffmpeg writes files itself). */
  onData?: (chunk: Buffer) => void;
  /** A new ffmpeg process has started (generation 1, 2, ...): a new stream begins. */
  onStart?: (generation: number) => void;
  log: Logger;
  /** PCM queued for stdin beyond this is dropped (default 1 s). */
  maxBacklogBytes?: number;
  restartMinMs?: number;
  restartMaxMs?: number;
}

export interface EncoderStats {
  name: string;
  running: boolean;
  pid: number | undefined;
  generation: number;
  restarts: number;
  droppedBlocks: number;
  bytesIn: number;
  bytesOut: number;
  lastError: string | undefined;
}

/** The PCM input as ffmpeg reads it: raw s16le stereo at 48 kHz on stdin. */
export function pcmInputArgs(): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-f', 's16le', '-ar', String(PCM_SAMPLE_RATE), '-ac', String(PCM_CHANNELS), '-i', 'pipe:0'];
}

/** A run this long counts as healthy: the next failure restarts quickly again. */
const HEALTHY_RUN_MS = 30_000;

export class SupervisedEncoder {
  private readonly options: SupervisedEncoderOptions;
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private startedAtMs = 0;
  private stopping = false;
  private stderrTail = '';
  private readonly stats_: EncoderStats;

  constructor(options: SupervisedEncoderOptions) {
    this.options = options;
    this.delayMs = options.restartMinMs ?? 250;
    this.stats_ = {
      name: options.name,
      running: false,
      pid: undefined,
      generation: 0,
      restarts: 0,
      droppedBlocks: 0,
      bytesIn: 0,
      bytesOut: 0,
      lastError: undefined,
    };
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  stats(): EncoderStats {
    return { ...this.stats_, running: this.child !== undefined, pid: this.child?.pid };
  }

  start(): void {
    if (this.stopping || this.child) return;
    const { options } = this;
    const child = spawn(options.ffmpegPath, [...pcmInputArgs(), ...options.outputArgs], {
      stdio: ['pipe', options.onData ? 'pipe' : 'ignore', 'pipe'],
    });
    this.child = child;
    this.startedAtMs = Date.now();
    this.stderrTail = '';
    this.stats_.generation++;
    const generation = this.stats_.generation;
    // EPIPE when ffmpeg dies with data in flight: the exit handler deals with it.
    child.stdin?.on('error', () => undefined);
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stats_.bytesOut += chunk.length;
      options.onData?.(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (err) => {
      // spawn failed (no ffmpeg): 'exit' may not follow, so supervise from here too.
      this.stats_.lastError = `${options.name} encoder: cannot run ${options.ffmpegPath} (${err.message}); install ffmpeg (install/system-packages.sh)`;
      this.onGone(child);
    });
    child.on('exit', (code, signal) => {
      const tail = this.stderrTail.trim().split('\n').at(-1) ?? '';
      this.stats_.lastError = `${options.name} encoder exited (${signal ?? `code ${code}`})${tail ? `: ${tail}` : ''}`;
      this.onGone(child);
    });
    options.onStart?.(generation);
  }

  /** Hands one PCM block to ffmpeg; false (and counted) when it was dropped. Never blocks. */
  write(pcm: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || stdin.writableLength > (this.options.maxBacklogBytes ?? PCM_BYTES_PER_S)) {
      this.stats_.droppedBlocks++;
      return false;
    }
    stdin.write(pcm);
    this.stats_.bytesIn += pcm.length;
    return true;
  }

  private onGone(child: ChildProcess): void {
    if (this.child !== child) return; // 'error' and 'exit' can both arrive
    this.child = undefined;
    child.stdout?.removeAllListeners('data');
    if (this.stopping) return;
    const ranMs = Date.now() - this.startedAtMs;
    if (ranMs >= HEALTHY_RUN_MS) this.delayMs = this.options.restartMinMs ?? 250;
    this.options.log.warn(`${this.stats_.lastError ?? `${this.options.name} encoder exited`}; restarting in ${this.delayMs} ms`);
    this.stats_.restarts++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, this.delayMs);
    this.delayMs = Math.min(this.options.restartMaxMs ?? 10_000, this.delayMs * 2);
  }

  /** Stops for good: closes stdin (ffmpeg flushes), then SIGTERM, then SIGKILL. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    child.stdin?.end();
    const term = setTimeout(() => child.kill('SIGTERM'), 1000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
    this.child = undefined;
  }
}
