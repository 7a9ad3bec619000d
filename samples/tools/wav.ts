/**
 * Minimal RIFF/WAVE reader and 16-bit writer. Layout per the Microsoft "Multimedia
 * Programming Interface and Data Specifications 1.0" (1991), "WAVE" form: a "fmt " chunk
 * (wFormatTag, nChannels, nSamplesPerSec, nAvgBytesPerSec, nBlockAlign, wBitsPerSample)
 * followed by "data"; WAVE_FORMAT_EXTENSIBLE (0xFFFE) carries the real tag in its SubFormat GUID.
 */

const FORMAT_PCM = 1;
const FORMAT_IEEE_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

export interface WavAudio {
  sampleRate: number;
  /** One array per channel, samples in [-1, 1). */
  channels: Float32Array[];
}

/** Parses a PCM (8/16/24/32-bit) or IEEE float (32-bit) WAV file; throws a message naming the problem. */
export function readWav(buf: Buffer): WavAudio {
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    throw new Error('wav: not a RIFF/WAVE file (missing RIFF....WAVE header)');
  }
  let format:
    | { tag: number; channels: number; sampleRate: number; bits: number; blockAlign: number }
    | undefined;
  let data: Buffer | undefined;
  for (let pos = 12; pos + 8 <= buf.length;) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    const body = buf.subarray(pos + 8, Math.min(buf.length, pos + 8 + size));
    if (id === 'fmt ') {
      if (body.length < 16)
        throw new Error(`wav: 'fmt ' chunk is ${body.length} bytes, need at least 16`);
      let tag = body.readUInt16LE(0);
      // SubFormat GUID starts at byte 24 of an extensible fmt chunk; its first two bytes are the tag.
      if (tag === FORMAT_EXTENSIBLE && body.length >= 26) tag = body.readUInt16LE(24);
      format = {
        tag,
        channels: body.readUInt16LE(2),
        sampleRate: body.readUInt32LE(4),
        blockAlign: body.readUInt16LE(12),
        bits: body.readUInt16LE(14),
      };
    } else if (id === 'data') {
      data = body;
    }
    pos += 8 + size + (size & 1); // chunks are padded to an even length
  }
  if (!format) throw new Error("wav: no 'fmt ' chunk");
  if (!data) throw new Error("wav: no 'data' chunk");
  const { tag, channels: channelCount, bits, blockAlign } = format;
  const bytes = bits / 8;
  const supported =
    (tag === FORMAT_PCM && [8, 16, 24, 32].includes(bits)) ||
    (tag === FORMAT_IEEE_FLOAT && bits === 32);
  if (!supported)
    throw new Error(
      `wav: unsupported encoding (format tag ${tag}, ${bits} bits); convert to 16-bit PCM`,
    );
  if (channelCount < 1 || blockAlign !== channelCount * bytes) {
    throw new Error(
      `wav: inconsistent fmt chunk (${channelCount} channels, ${bits} bits, block align ${blockAlign})`,
    );
  }
  const frames = Math.floor(data.length / blockAlign);
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  for (let frame = 0; frame < frames; frame++) {
    for (let ch = 0; ch < channelCount; ch++) {
      const at = frame * blockAlign + ch * bytes;
      let value: number;
      if (tag === FORMAT_IEEE_FLOAT) value = data.readFloatLE(at);
      else if (bits === 8)
        value = (data.readUInt8(at) - 128) / 128; // 8-bit WAV is unsigned
      else if (bits === 16) value = data.readInt16LE(at) / 32768;
      else if (bits === 24) value = data.readIntLE(at, 3) / 8388608;
      else value = data.readInt32LE(at) / 2147483648;
      (channels[ch] as Float32Array)[frame] = value;
    }
  }
  return { sampleRate: format.sampleRate, channels };
}

/** Encodes mono audio as 16-bit PCM WAV; values are scaled by 32768, rounded and clipped (no dither, so output is deterministic). */
export function writeWav16(samples: Float32Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'latin1');
  buf.write('fmt ', 12, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(FORMAT_PCM, 20);
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const scaled = Math.round((samples[i] ?? 0) * 32768);
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, scaled)), 44 + i * 2);
  }
  return buf;
}
