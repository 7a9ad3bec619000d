/**
 * Band-limited resampling of a looped sample, for pre-rendered transpositions: a sample
 * that plays at its own rate and at the context's rate costs the render thread a copy,
 * where a playbackRate other than 1 costs a per-sample interpolation (node-web-audio-api's
 * AudioBufferSourceNode "fast track", measured: bench/graph-cost.ts).
 *
 * The sample is read as the signal a looping source would play: the attack up to the
 * loop start, then the loop region repeated for ever. Reading it every `step` input
 * samples transposes it by `step` (2 = an octave up). Interpolation is windowed sinc
 * (Blackman window, 8 zero crossings a side), with the cut-off lowered to 1/step when
 * transposing up, so nothing folds back as aliasing (linear interpolation, what a
 * playbackRate does, folds the upper partials of a soprano back as a hiss).
 */

/** Zero crossings of the sinc on each side of a point. */
const HALF_WIDTH = 8;
/**
 * Fractional positions are rounded to 1/1024 of a sample, each with its own row of taps
 * (a polyphase table built per transposition): a timing error under 1/2048 sample, below
 * -57 dB even at 10 kHz, and an inner loop of plain multiply-adds.
 */
const PHASES = 1024;

function kernel(x: number): number {
  // x in zero crossings; Blackman window over +-HALF_WIDTH.
  if (x <= -HALF_WIDTH || x >= HALF_WIDTH) return 0;
  const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
  const w = x / HALF_WIDTH;
  return sinc * (0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w));
}

/** The looping sample as an endless signal: attack, then the loop for ever. */
export interface LoopedSignal {
  data: Float32Array;
  loopStart: number;
  loopEnd: number;
}

/** The input sample at integer index i (negative indices are silence before the attack). */
function at(s: LoopedSignal, i: number): number {
  if (i < 0) return 0;
  if (i < s.loopEnd) return s.data[i] ?? 0;
  const length = s.loopEnd - s.loopStart;
  return s.data[s.loopStart + ((i - s.loopStart) % length)] ?? 0;
}

/**
 * Fills `out` with the signal read at positions start + k * step (k = 0, 1, ...).
 * Positions are in input samples and may be fractional; any position past the loop
 * start reads the loop.
 */
export function resampleLooped(s: LoopedSignal, start: number, step: number, out: Float32Array): void {
  if (out.length === 0) return;
  const cutoff = Math.min(1, 1 / step);
  const reach = Math.ceil(HALF_WIDTH / cutoff);
  const taps = 2 * reach;
  // taps[p][j] weighs input (centre + j - reach + 1) for a position centre + p / PHASES.
  const table = new Float32Array((PHASES + 1) * taps);
  for (let p = 0; p <= PHASES; p++) {
    const frac = p / PHASES;
    for (let j = 0; j < taps; j++) table[p * taps + j] = kernel((j - reach + 1 - frac) * cutoff) * cutoff;
  }
  // The stretch of input the kernel will touch, laid out flat (the loop unrolled), so the
  // inner loop indexes an array instead of folding every index back into the loop.
  const first = Math.floor(start) - reach;
  const last = Math.floor(start + (out.length - 1) * step) + reach + 2;
  const input = new Float32Array(last - first + 1);
  for (let i = 0; i < input.length; i++) input[i] = at(s, first + i);
  for (let k = 0; k < out.length; k++) {
    const pos = start + k * step;
    const centre = Math.floor(pos);
    const row = Math.round((pos - centre) * PHASES) * taps;
    const base = centre - first - reach + 1;
    let acc = 0;
    for (let j = 0; j < taps; j++) acc += table[row + j]! * input[base + j]!;
    out[k] = acc;
  }
}
