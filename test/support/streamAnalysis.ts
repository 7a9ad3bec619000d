/**
 * Listening checks for the stream tests: ffmpeg as an HTTP client decoding a stream to
 * PCM, and the level, gaps and pitch of what it decoded.
 */
import { spawn } from 'node:child_process';

export interface Decoded {
  pcm: Int16Array;
  stderr: string;
  code: number | null;
}

/** ffmpeg as a client: reads the URL, decodes `seconds` of audio to s16le at its own rate. */
export function decodeStream(url: string, seconds: number): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-rw_timeout', '10000000', '-i', url, '-t', String(seconds), '-f', 's16le', '-ac', '2', 'pipe:1']);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(chunks);
      resolve({ pcm: new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2)), stderr, code });
    });
  });
}

export interface PcmReport {
  seconds: number;
  rmsDbfs: number;
  quietestWindowDbfs: number;
  gaps: number;
  pitchHz: number;
}

/** Level, gaps (10 ms windows more than 20 dB under the mean) and pitch (zero crossings) of the left channel. */
export function analysePcm(pcm: Int16Array, sampleRate = 48000, skipS = 0.05): PcmReport {
  const frames = pcm.length / 2;
  const window = sampleRate / 100;
  const start = Math.round(skipS * sampleRate);
  let total = 0;
  let quietest = Infinity;
  const windows: number[] = [];
  for (let w = start; w + window <= frames; w += window) {
    let sum = 0;
    for (let i = w; i < w + window; i++) {
      const x = (pcm[i * 2] ?? 0) / 32768;
      sum += x * x;
    }
    total += sum;
    windows.push(10 * Math.log10(sum / window + 1e-12));
  }
  const rmsDbfs = 10 * Math.log10(total / (windows.length * window) + 1e-12);
  for (const w of windows) quietest = Math.min(quietest, w);
  let crossings = 0;
  for (let i = start + 1; i < frames; i++) if ((pcm[(i - 1) * 2] ?? 0) < 0 && (pcm[i * 2] ?? 0) >= 0) crossings++;
  return {
    seconds: frames / sampleRate,
    rmsDbfs,
    quietestWindowDbfs: quietest,
    gaps: windows.filter((w) => w < rmsDbfs - 20).length,
    pitchHz: crossings / ((frames - start) / sampleRate),
  };
}

/** A fetch body as an async iterable (the DOM typings do not declare it one; Node's is). */
export function bodyChunks(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  return (body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() })) as unknown as AsyncIterable<Uint8Array>;
}
