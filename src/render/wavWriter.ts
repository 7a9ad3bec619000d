/**
 * WAV (RIFF, WAVE_FORMAT_PCM, 24-bit little-endian) from float channels. 24 bits keep
 * the quiet night tails above the quantisation floor (-144 dBFS) without dither. Whole
 * (encodeWav24) or streamed: a header for the frames to come, then blocks (a render of
 * hours is written segment by segment).
 */
const BYTES_PER_SAMPLE = 3;

/** The 44-byte header of a file that will hold `frames` frames of `channelCount` channels. */
export function wavHeader24(channelCount: number, sampleRate: number, frames: number): Buffer {
  const dataBytes = frames * channelCount * BYTES_PER_SAMPLE;
  // RIFF sizes are 32-bit: past 4 GiB (over 6 h of 8 channels) readers take the size as
  // "to the end of the file", which sox and ffmpeg do.
  const riffSize = Math.min(0xffffffff, 36 + dataBytes);
  const out = Buffer.alloc(44);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(riffSize, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(channelCount, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channelCount * BYTES_PER_SAMPLE, 28);
  out.writeUInt16LE(channelCount * BYTES_PER_SAMPLE, 32);
  out.writeUInt16LE(24, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return out;
}

/**
 * Interleaved 24-bit samples of a block of channels (clipped to +-1), little-endian two's
 * complement, written byte by byte: Buffer.writeIntLE per sample cost 440 ns, the most
 * expensive step of an 8-speaker render.
 */
export function pcm24(channels: readonly Float32Array[]): Buffer {
  const frames = channels[0]?.length ?? 0;
  const channelCount = channels.length;
  const stride = channelCount * BYTES_PER_SAMPLE;
  const out = Buffer.alloc(frames * stride);
  channels.forEach((channel, c) => {
    let o = c * BYTES_PER_SAMPLE;
    for (let i = 0; i < frames; i++) {
      const x = channel[i] ?? 0;
      const v = Math.round((x > 1 ? 1 : x < -1 ? -1 : x) * 8388607);
      out[o] = v & 0xff;
      out[o + 1] = (v >> 8) & 0xff;
      out[o + 2] = (v >> 16) & 0xff;
      o += stride;
    }
  });
  return out;
}

export function encodeWav24(channels: readonly Float32Array[], sampleRate: number): Buffer {
  return Buffer.concat([wavHeader24(channels.length, sampleRate, channels[0]?.length ?? 0), pcm24(channels)]);
}
