/**
 * Stateless, seeded randomness for the sky simulator: the value at a time depends only on
 * (seed, key, time), so a sky rendered in 1 s steps or in 10 min steps is the same sky.
 */
function hash32(a: number, b: number, c: number): number {
  // murmur3's fmix32 applied to a mix of the three words
  let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca77) ^ Math.imul(c, 0xc2b2ae3d)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function keyOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** A uniform number in [0, 1) for (seed, key, index). */
export function uniform(seed: number, key: number, index: number): number {
  return hash32(seed, key, index) / 4294967296;
}

/**
 * Smooth noise in [-1, 1] with a dominant period: three sinusoids at incommensurate
 * periods (1, 0.618, 0.382 of periodS) with seeded phases.
 */
export function smoothNoise(seed: number, key: number, tS: number, periodS: number): number {
  let sum = 0;
  const ratios = [1, 0.618, 0.382];
  ratios.forEach((r, i) => {
    const phase = uniform(seed, key, i) * 2 * Math.PI;
    sum += Math.sin((2 * Math.PI * tS) / (periodS * r) + phase) / (i + 1);
  });
  return sum / (1 + 1 / 2 + 1 / 3);
}
