/**
 * Camera frames from ffmpeg: a V4L2 device, an RTSP (or HTTP) stream or a video file is
 * decoded, scaled to the analysis size and paced to the analysis rate by ffmpeg, and
 * arrives on its stdout as raw RGB, read here in whole frames. Frames are never written
 * to disk. If ffmpeg dies the source restarts it with exponential backoff (1 s doubling
 * to 30 s, reset after a minute of good frames); a file source can loop, and otherwise
 * ends when the file does.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { createSkyFrame, frameBytes, type SkyFrame } from './skyFrame.ts';

export interface FrameSourceOptions {
  /** /dev/videoN, rtsp://..., http(s)://..., or a video file path. */
  input: string;
  width: number;
  height: number;
  fps: number;
  /** Files only: start again at the end. */
  loop?: boolean;
  /**
   * Files only: decode at the clip's own speed (ffmpeg -re) so a file behaves like a
   * camera. When false, frames come as fast as ffmpeg decodes and are stamped with clip
   * time from `startMs` (tests, offline analysis).
   */
  realtime?: boolean;
  /** Clip time zero for non-realtime files (default: when start() is called). */
  startMs?: number;
  ffmpegPath?: string;
  onFrame: (frame: SkyFrame, atMs: number) => void;
  /** The source ended for good (a file without loop). */
  onEnd?: () => void;
  /** ffmpeg failed or stopped; the source will retry after `retryInMs`. */
  onTrouble?: (message: string, retryInMs: number) => void;
  now?: () => number;
}

export type InputKind = 'v4l2' | 'stream' | 'file';

export function inputKindOf(input: string): InputKind {
  if (input.startsWith('/dev/video')) return 'v4l2';
  if (/^(rtsp|rtsps|rtmp|http|https|udp|tcp|srt):\/\//.test(input)) return 'stream';
  return 'file';
}

/** ffmpeg's arguments for an input, exported so the CLI and tests can show them. */
export function ffmpegArgs(options: Pick<FrameSourceOptions, 'input' | 'width' | 'height' | 'fps' | 'loop' | 'realtime'>): string[] {
  const kind = inputKindOf(options.input);
  const before: string[] = [];
  if (kind === 'v4l2') before.push('-f', 'v4l2');
  if (kind === 'stream' && options.input.startsWith('rtsp')) before.push('-rtsp_transport', 'tcp');
  if (kind === 'file') {
    if (options.realtime ?? true) before.push('-re');
    if (options.loop) before.push('-stream_loop', '-1');
  }
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    ...before,
    '-i', options.input,
    '-an', '-sn',
    '-vf', `scale=${options.width}:${options.height},fps=${options.fps}`,
    '-f', 'rawvideo', '-pix_fmt', 'rgb24',
    'pipe:1',
  ];
}

const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

export class FrameSource {
  private readonly options: FrameSourceOptions;
  private readonly now: () => number;
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  private stopped = false;
  private ended = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = BACKOFF_MIN_MS;
  private frameIndex = 0;
  private clipStartMs = 0;
  private exited: Promise<void> = Promise.resolve();
  frames = 0;
  restarts = 0;

  constructor(options: FrameSourceOptions) {
    if (!(options.fps > 0 && options.fps <= 60)) throw new Error(`camera: fps ${options.fps} must be in (0, 60]`);
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.clipStartMs = this.options.startMs ?? this.now();
    this.spawnFfmpeg();
  }

  private get realtime(): boolean {
    return inputKindOf(this.options.input) !== 'file' || (this.options.realtime ?? true);
  }

  private spawnFfmpeg(): void {
    if (this.stopped) return;
    const { width, height } = this.options;
    const size = frameBytes(width, height);
    const child = spawn(this.options.ffmpegPath ?? 'ffmpeg', ffmpegArgs(this.options), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const spawnedAt = this.now();
    let pending: Buffer = Buffer.alloc(0);
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= size) {
        const frame = createSkyFrame(width, height);
        frame.data.set(pending.subarray(0, size));
        pending = pending.subarray(size);
        const atMs = this.realtime ? this.now() : this.clipStartMs + (this.frameIndex * 1000) / this.options.fps;
        this.frameIndex++;
        this.frames++;
        if (this.now() - spawnedAt > HEALTHY_AFTER_MS) this.backoffMs = BACKOFF_MIN_MS;
        this.options.onFrame(frame, atMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    this.exited = new Promise<void>((resolve) => {
      child.on('error', (err) => {
        stderr += err.message;
      });
      child.on('close', (code, signal) => {
        this.child = undefined;
        resolve();
        if (this.stopped) return;
        const isFile = inputKindOf(this.options.input) === 'file';
        if (isFile && !this.options.loop && code === 0) {
          this.ended = true;
          this.options.onEnd?.();
          return;
        }
        const retryInMs = this.backoffMs;
        this.backoffMs = Math.min(BACKOFF_MAX_MS, this.backoffMs * 2);
        const why = stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${code ?? signal}`;
        this.options.onTrouble?.(`camera '${this.options.input}': ffmpeg stopped (${why}); retrying in ${retryInMs / 1000} s`, retryInMs);
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.restarts++;
          this.spawnFfmpeg();
        }, retryInMs);
      });
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Kills ffmpeg and stops retrying; resolves when the child has exited. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const child = this.child;
    if (child) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}
