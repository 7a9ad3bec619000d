/**
 * A tiny seeded PRNG for weight initialisation: mulberry32 (Tommy Ettinger, public domain;
 * https://gist.github.com/tommyettinger/46a874533244883189143505d203312c). Its 2^32 period
 * is plenty for a few hundred initial weights; it is not meant for musical decisions, where
 * the conductor uses its own long-period generator.
 */

/** Returns a function giving uniform numbers in [0, 1); same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
