/**
 * WAV (RIFF, WAVE_FORMAT_PCM, 24-bit little-endian) from float channels. 24 bits keep
 * the quiet night tails above the quantisation floor (-144 dBFS) without dither.
 */
export function encodeWav24(channels: readonly Float32Array[], sampleRate: number): Buffer {
  const frames = channels[0]?.length ?? 0;
  const channelCount = channels.length;
  const bytesPerSample = 3;
  const dataBytes = frames * channelCount * bytesPerSample;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(channelCount, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channelCount * bytesPerSample, 28);
  out.writeUInt16LE(channelCount * bytesPerSample, 32);
  out.writeUInt16LE(24, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channelCount; c++) {
      const x = Math.max(-1, Math.min(1, channels[c]?.[i] ?? 0));
      const v = Math.round(x * 8388607);
      out.writeIntLE(v, o, 3);
      o += 3;
    }
  }
  return out;
}
