/**
 * A hall's impulse response, made from seeded noise: exponentially decaying, with high
 * frequencies dying faster than low (a one-pole low-pass that closes over the tail), and
 * decorrelated left and right. Seeded so an offline render is reproducible (Tone.Reverb
 * draws its noise from Math.random, so we do not use it).
 */
import { createRng } from '../conductor/rng.ts';

export interface ImpulseOptions {
  sampleRate: number;
  /** RT60-like decay: time for the tail to fall by 60 dB. */
  decayS: number;
  preDelayS: number;
  seed: number;
}

export function makeImpulseResponse(options: ImpulseOptions): [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>] {
  const { sampleRate, decayS, preDelayS, seed } = options;
  const length = Math.ceil(sampleRate * (decayS + preDelayS));
  const pre = Math.floor(sampleRate * preDelayS);
  const rng = createRng(seed);
  const channels: [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>] = [new Float32Array(length), new Float32Array(length)];
  // -60 dB over decayS: amplitude e^(-6.91 t / decayS)
  const k = 6.91 / decayS;
  for (const ch of channels) {
    let lp = 0;
    for (let i = pre; i < length; i++) {
      const t = (i - pre) / sampleRate;
      const noise = rng.next() * 2 - 1;
      // Cut-off falls from ~10 kHz to ~1 kHz over the tail: air absorbs highs first.
      const cutoffHz = 1000 + 9000 * Math.exp(-3 * t / decayS);
      const a = 1 - Math.exp((-2 * Math.PI * cutoffHz) / sampleRate);
      lp += a * (noise - lp);
      // A short fade-in avoids a click at the direct-sound onset.
      const fadeIn = Math.min(1, (i - pre) / (0.005 * sampleRate));
      ch[i] = lp * Math.exp(-k * t) * fadeIn;
    }
  }
  // Normalise so the reverb's energy is about that of the dry path.
  let energy = 0;
  for (const ch of channels) for (const x of ch) energy += x * x;
  const scale = 1 / Math.sqrt(energy / 2 || 1);
  for (const ch of channels) for (let i = 0; i < ch.length; i++) ch[i] = (ch[i] ?? 0) * scale * 0.5;
  return channels;
}
