/**
 * Streaming novelty of the sky, 0 (a sky like many before) .. 1 (never seen), so rare skies
 * can unlock rarer arrangements while familiar ones keep stable layers.
 *
 * Half-space trees (Tan, Ting & Liu, "Fast anomaly detection for streaming data", IJCAI
 * 2011): an ensemble of random binary trees over the feature space, each split halving a
 * randomly chosen dimension of the node's work range, the tree's work ranges randomly
 * placed around the features' ranges (the paper's s_q ± 2 max(s_q - min, max - s_q)).
 * A sky falls into one leaf per tree; the mass (how much past sky fell there) says how
 * familiar it is.
 *
 * Two departures from the paper, for a sky heard over months:
 * - Memory: instead of alternating reference and latest windows (which forget everything
 *   older than one window), leaf masses decay continuously, exp(-dt / 14 days) in sample
 *   time, so last week's storm is still remembered and last year's is not.
 * - Score: per tree familiarMass / (familiarMass + leaf mass), averaged over the trees;
 *   0..1 by construction. familiarMass is two hours of one-a-minute samples: a sky seen
 *   for two hours is half as novel. A fresh detector (little mass in all) scales its score
 *   by the remembered mass over one day's worth, so a newly installed engine is not
 *   "surprised" by everything; it grows into novelty over its first day.
 */
import { mulberry32 } from '../model/seededRandom.ts';

export interface NoveltyOptions {
  /** Indices into the feature vector that the trees look at. */
  readonly dims: readonly number[];
  /** The range of each of those features (the feature contract's min..max). */
  readonly mins: readonly number[];
  readonly maxs: readonly number[];
  readonly trees?: number;
  readonly depth?: number;
  readonly seed?: number;
  readonly forgettingS?: number;
  readonly familiarMass?: number;
  readonly warmupMass?: number;
}

const STATE_VERSION = 1;

export class NoveltyDetector {
  readonly trees: number;
  readonly depth: number;
  readonly forgettingS: number;
  readonly familiarMass: number;
  readonly warmupMass: number;
  readonly #dims: readonly number[];
  readonly #seed: number;
  /** Per tree, per internal node (heap order): which input dimension, and where it splits. */
  readonly #splitDim: Uint8Array;
  readonly #splitAt: Float64Array;
  /** Per tree, per leaf: the decayed count of observations that fell there. */
  readonly #mass: Float64Array;
  #total = 0;
  #lastMs: number | undefined;

  constructor(options: NoveltyOptions) {
    const { dims, mins, maxs } = options;
    if (dims.length === 0 || mins.length !== dims.length || maxs.length !== dims.length)
      throw new RangeError('novelty: dims, mins and maxs must be non-empty and the same length');
    this.#dims = dims;
    this.trees = options.trees ?? 25;
    this.depth = options.depth ?? 8;
    this.#seed = options.seed ?? 2011;
    this.forgettingS = options.forgettingS ?? 14 * 86_400;
    this.familiarMass = options.familiarMass ?? 120;
    this.warmupMass = options.warmupMass ?? 1440;
    const internal = 2 ** this.depth - 1;
    this.#splitDim = new Uint8Array(this.trees * internal);
    this.#splitAt = new Float64Array(this.trees * internal);
    this.#mass = new Float64Array(this.trees * 2 ** this.depth);
    const rng = mulberry32(this.#seed);
    const D = dims.length;
    for (let t = 0; t < this.trees; t++) {
      const lo = new Float64Array(D);
      const hi = new Float64Array(D);
      for (let q = 0; q < D; q++) {
        const min = mins[q]!;
        const max = maxs[q]!;
        const s = min + rng() * (max - min);
        const r = 2 * Math.max(s - min, max - s);
        lo[q] = s - r;
        hi[q] = s + r;
      }
      this.#build(t * internal, 0, 0, lo, hi, rng);
    }
  }

  #build(base: number, node: number, level: number, lo: Float64Array, hi: Float64Array, rng: () => number): void {
    if (level >= this.depth) return;
    const q = Math.floor(rng() * lo.length);
    const mid = (lo[q]! + hi[q]!) / 2;
    this.#splitDim[base + node] = q;
    this.#splitAt[base + node] = mid;
    const leftHi = Float64Array.from(hi);
    leftHi[q] = mid;
    this.#build(base, 2 * node + 1, level + 1, lo, leftHi, rng);
    const rightLo = Float64Array.from(lo);
    rightLo[q] = mid;
    this.#build(base, 2 * node + 2, level + 1, rightLo, hi, rng);
  }

  #leaf(t: number, x: ArrayLike<number>): number {
    const internal = 2 ** this.depth - 1;
    const base = t * internal;
    let node = 0;
    for (let level = 0; level < this.depth; level++) {
      const v = x[this.#dims[this.#splitDim[base + node]!]!] ?? 0;
      node = 2 * node + (v > this.#splitAt[base + node]! ? 2 : 1);
    }
    return t * 2 ** this.depth + (node - internal);
  }

  /** How novel a feature vector is, 0..1 (does not learn it). */
  score(x: ArrayLike<number>): number {
    let sum = 0;
    for (let t = 0; t < this.trees; t++) {
      const m = this.#mass[this.#leaf(t, x)]!;
      sum += this.familiarMass / (this.familiarMass + m);
    }
    const warm = Math.min(1, this.#total / this.warmupMass);
    return (sum / this.trees) * warm;
  }

  /** Learns one sky seen at `atMs` (sample time). */
  observe(x: ArrayLike<number>, atMs: number): void {
    if (this.#lastMs !== undefined && atMs > this.#lastMs) {
      const keep = Math.exp(-(atMs - this.#lastMs) / 1000 / this.forgettingS);
      for (let i = 0; i < this.#mass.length; i++) this.#mass[i]! *= keep;
      this.#total *= keep;
    }
    if (this.#lastMs === undefined || atMs > this.#lastMs) this.#lastMs = atMs;
    for (let t = 0; t < this.trees; t++) this.#mass[this.#leaf(t, x)]! += 1;
    this.#total += 1;
  }

  /** The remembered mass (decayed count of observations). */
  get mass(): number {
    return this.#total;
  }

  /** Leaf masses, sparse (the trees themselves are rebuilt from the seed). */
  exportState(): unknown {
    const leaves: [number, number][] = [];
    this.#mass.forEach((m, i) => {
      if (m > 1e-4) leaves.push([i, Number(m.toPrecision(6))]);
    });
    return { v: STATE_VERSION, trees: this.trees, depth: this.depth, seed: this.#seed, dims: this.#dims, total: this.#total, lastMs: this.#lastMs ?? null, leaves };
  }

  /** Restores exportState output; returns a problem (and keeps the current state) or undefined. */
  importState(state: unknown): string | undefined {
    if (typeof state !== 'object' || state === null) return 'not an object';
    const s = state as Record<string, unknown>;
    if (s.v !== STATE_VERSION) return `state version ${String(s.v)}, want ${STATE_VERSION}`;
    if (s.trees !== this.trees || s.depth !== this.depth || s.seed !== this.#seed || JSON.stringify(s.dims) !== JSON.stringify(this.#dims))
      return 'tree layout or feature dimensions changed';
    const leaves = s.leaves;
    const total = s.total;
    const lastMs = s.lastMs;
    if (typeof total !== 'number' || !Number.isFinite(total) || total < 0) return 'total is not a mass';
    if (lastMs !== null && (typeof lastMs !== 'number' || !Number.isFinite(lastMs))) return 'lastMs is not a time';
    if (!Array.isArray(leaves)) return 'leaves is not an array';
    const mass = new Float64Array(this.#mass.length);
    for (const leaf of leaves) {
      if (!Array.isArray(leaf) || leaf.length !== 2) return 'a leaf is not [index, mass]';
      const [i, m] = leaf as unknown[];
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= mass.length) return 'a leaf index is out of range';
      if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) return 'a leaf mass is not a mass';
      mass[i] = m;
    }
    this.#mass.set(mass);
    this.#total = total;
    this.#lastMs = lastMs ?? undefined;
    return undefined;
  }
}
