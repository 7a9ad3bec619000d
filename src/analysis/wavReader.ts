/**
 * Reads RIFF/WAVE files: PCM 16, 24 and 32-bit integer, IEEE float 32 and 64-bit, plain
 * or WAVE_FORMAT_EXTENSIBLE (Microsoft, "Multiple Channel Audio Data and WAVE Files").
 * Samples come out as float channels in [-1, 1), in chunks, so a 6-hour render (6 GB)
 * is measured without holding it in memory.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export type WavSampleFormat = 'pcm' | 'float';

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  format: WavSampleFormat;
  /** Sample frames in the data chunk (one sample per channel each). */
  frames: number;
  durationS: number;
  /** Byte offset of the first sample in the file. */
  dataOffset: number;
}

export class WavError extends Error {}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Parses the header from the first bytes of a file (the fmt chunk and the data chunk's
 * header must lie within them) and the file's full size.
 */
export function parseWavHeader(head: Buffer, fileBytes: number, where = 'WAV'): WavInfo {
  if (
    head.length < 12 ||
    head.toString('ascii', 0, 4) !== 'RIFF' ||
    head.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw new WavError(`${where}: not a RIFF/WAVE file`);
  }
  let offset = 12;
  let fmt:
    | { format: WavSampleFormat; channels: number; sampleRate: number; bitsPerSample: number }
    | undefined;
  while (offset + 8 <= head.length) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > head.length)
        throw new WavError(`${where}: fmt chunk is ${size} bytes, want at least 16`);
      let tag = head.readUInt16LE(body);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        // The sub-format GUID (offset 24 of the chunk) starts with the plain format tag.
        if (size < 40 || body + 26 > head.length)
          throw new WavError(
            `${where}: WAVE_FORMAT_EXTENSIBLE fmt chunk too short (${size} bytes)`,
          );
        tag = head.readUInt16LE(body + 24);
      }
      const channels = head.readUInt16LE(body + 2);
      const sampleRate = head.readUInt32LE(body + 4);
      const bitsPerSample = head.readUInt16LE(body + 14);
      let format: WavSampleFormat;
      if (
        tag === WAVE_FORMAT_PCM &&
        (bitsPerSample === 16 || bitsPerSample === 24 || bitsPerSample === 32)
      )
        format = 'pcm';
      else if (tag === WAVE_FORMAT_IEEE_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64))
        format = 'float';
      else
        throw new WavError(
          `${where}: format ${tag} at ${bitsPerSample} bits is not supported (PCM 16/24/32-bit or float 32/64-bit)`,
        );
      if (channels < 1 || sampleRate < 1)
        throw new WavError(`${where}: ${channels} channels at ${sampleRate} Hz`);
      fmt = { format, channels, sampleRate, bitsPerSample };
    } else if (id === 'data') {
      if (!fmt) throw new WavError(`${where}: data chunk before the fmt chunk`);
      const frameBytes = fmt.channels * (fmt.bitsPerSample / 8);
      // Writers that stream set the size to 0 or 0xFFFFFFFF; a truncated file is short.
      const available = fileBytes - body;
      const declared = size === 0 || size === 0xffffffff ? available : Math.min(size, available);
      const frames = Math.floor(declared / frameBytes);
      return { ...fmt, frames, durationS: frames / fmt.sampleRate, dataOffset: body };
    }
    offset = body + size + (size % 2); // chunks are word aligned
  }
  throw new WavError(fmt ? `${where}: no data chunk` : `${where}: no fmt chunk`);
}

/** Decodes interleaved sample bytes into per-channel floats. */
function decodeFrames(bytes: Buffer, info: WavInfo, frames: number): Float32Array[] {
  const out = Array.from({ length: info.channels }, () => new Float32Array(frames));
  const width = info.bitsPerSample / 8;
  let o = 0;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < info.channels; c++) {
      const ch = out[c] as Float32Array;
      if (info.format === 'float')
        ch[i] = width === 4 ? bytes.readFloatLE(o) : bytes.readDoubleLE(o);
      else if (width === 2) ch[i] = bytes.readInt16LE(o) / 32768;
      else if (width === 3) ch[i] = bytes.readIntLE(o, 3) / 8388608;
      else ch[i] = bytes.readInt32LE(o) / 2147483648;
      o += width;
    }
  }
  return out;
}

/** A WAV file open for reading in chunks. Close it when done (closing twice is harmless). */
export class WavReader {
  readonly info: WavInfo;
  readonly path: string;
  private fd: number | undefined;

  private constructor(path: string, fd: number, info: WavInfo) {
    this.path = path;
    this.fd = fd;
    this.info = info;
  }

  static open(path: string): WavReader {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const head = Buffer.alloc(Math.min(size, 1 << 16));
      readSync(fd, head, 0, head.length, 0);
      return new WavReader(path, fd, parseWavHeader(head, size, path));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** Yields consecutive chunks of up to `framesPerChunk` frames, one Float32Array per channel. */
  *chunks(framesPerChunk = 48000): Generator<Float32Array[]> {
    if (this.fd === undefined) throw new WavError(`${this.path}: closed`);
    const frameBytes = this.info.channels * (this.info.bitsPerSample / 8);
    const buffer = Buffer.alloc(framesPerChunk * frameBytes);
    for (let done = 0; done < this.info.frames;) {
      const frames = Math.min(framesPerChunk, this.info.frames - done);
      const want = frames * frameBytes;
      const got = readSync(this.fd, buffer, 0, want, this.info.dataOffset + done * frameBytes);
      if (got < want)
        throw new WavError(
          `${this.path}: file ended at frame ${done + Math.floor(got / frameBytes)} of ${this.info.frames}`,
        );
      yield decodeFrames(buffer, this.info, frames);
      done += frames;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Decodes a whole WAV held in memory. */
export function decodeWav(
  bytes: Buffer,
  where = 'WAV',
): { info: WavInfo; channels: Float32Array[] } {
  const info = parseWavHeader(bytes, bytes.length, where);
  const data = bytes.subarray(
    info.dataOffset,
    info.dataOffset + info.frames * info.channels * (info.bitsPerSample / 8),
  );
  return { info, channels: decodeFrames(data, info, info.frames) };
}

/** Reads a whole WAV file (small files; use WavReader for long ones). */
export function readWavFile(path: string): { info: WavInfo; channels: Float32Array[] } {
  return decodeWav(readFileSync(path), path);
}
