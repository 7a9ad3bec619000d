/**
 * Band-limited resampling of a looped sample, for pre-rendered transpositions: a sample
 * that plays at its own rate and at the context's rate costs the render thread a copy,
 * where a playbackRate other than 1 costs a per-sample interpolation (node-web-audio-api's
 * AudioBufferSourceNode "fast track", measured: bench/graph-cost.ts).
 *
 * The sample is read as the signal a looping source would play: the attack up to the
 * loop start, then the loop region repeated for ever. Reading it every `step` input
 * samples transposes it by `step` (2 = an octave up). Interpolation is windowed sinc
 * (Blackman window, 12 zero crossings a side), with the cut-off lowered to 1/step when
 * transposing up, so nothing folds back as aliasing (linear interpolation, what a
 * playbackRate does, folds the upper partials of a soprano back as a hiss).
 */

/** Zero crossings of the sinc on each side of a point. */
const HALF_WIDTH = 12;
/** Table resolution: kernel values per zero crossing (linear interpolation between). */
const TABLE_PER_CROSSING = 512;

const KERNEL = buildKernel();

function buildKernel(): Float32Array {
  const n = HALF_WIDTH * TABLE_PER_CROSSING;
  const table = new Float32Array(n + 2);
  for (let i = 0; i <= n; i++) {
    const x = i / TABLE_PER_CROSSING; // in zero crossings
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = x / HALF_WIDTH; // 0..1 across the half window
    const blackman = 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
    table[i] = sinc * blackman;
  }
  return table;
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
  const scale = cutoff * TABLE_PER_CROSSING;
  const limit = HALF_WIDTH * TABLE_PER_CROSSING;
  // The stretch of input the kernel will touch, laid out flat (the loop unrolled), so the
  // inner loop indexes an array instead of folding every index back into the loop.
  const first = Math.floor(start) - reach;
  const last = Math.floor(start + (out.length - 1) * step) + reach + 1;
  const input = new Float32Array(last - first + 1);
  for (let i = 0; i < input.length; i++) input[i] = at(s, first + i);
  for (let k = 0; k < out.length; k++) {
    const pos = start + k * step;
    const centre = Math.floor(pos);
    const frac = pos - centre;
    const base = centre - first;
    let acc = 0;
    for (let j = 1 - reach; j <= reach; j++) {
      const t = Math.abs(j - frac) * scale;
      if (t >= limit) continue;
      // Nearest table entry: 512 per zero crossing keeps the kernel error below 1e-4.
      acc += KERNEL[Math.round(t)]! * input[base + j]!;
    }
    out[k] = acc * cutoff;
  }
}
