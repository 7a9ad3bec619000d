/**
 * The repetition statistic (issue 8): does the music, under a sky that does not change,
 * play the same passage again?
 *
 * Definition (docs/sound-quality.md#repetition):
 * 1. Features per 1 s frame: the mean chroma (12, each STFT frame's chroma sums to 1) and
 *    the mean timbre (13 MFCCs) of the STFT frames whose centre falls in that second:
 *    25 numbers.
 * 2. Each of the 25 dimensions is standardised over the whole file (z-score), so chroma
 *    and timbre weigh alike; a dimension that never varies is 0.
 * 3. A window is `windowS` (30) consecutive frames, one starting every `hopS` (10) s; its
 *    sequence is the 30 x 25 matrix flattened in time order (750 numbers).
 * 4. The similarity of two windows is the Pearson correlation of their flattened
 *    sequences (each centred on its own mean and scaled to unit norm).
 * 5. The statistic is the maximum over all pairs of windows whose starts are at least
 *    `minSeparationS` (600) apart, reported with where it occurs. Goal: < 0.95.
 * A passage replayed note for note reads 1.0; unrelated music reads near 0; the same
 * chord and colour held without a repeated sequence reads in between.
 */

export interface RepetitionOptions {
  windowS?: number;
  hopS?: number;
  minSeparationS?: number;
  /** How many of the most similar pairs to report. */
  top?: number;
}

export interface RepetitionPair {
  correlation: number;
  aS: number;
  bS: number;
}

export interface RepetitionResult {
  maxCorrelation: number;
  /** Start times (s) of the most similar pair, or undefined when no pair qualifies. */
  at: { aS: number; bS: number } | undefined;
  top: RepetitionPair[];
  windows: number;
  pairs: number;
  /** Mean correlation over the qualifying pairs, for scale. */
  meanCorrelation: number;
  windowS: number;
  hopS: number;
  minSeparationS: number;
}

/**
 * `frames` holds one feature vector per `frameS` seconds (all the same length). Frame
 * time i * frameS is where frame i starts.
 */
export function repetitionStatistic(
  frames: readonly Float64Array[],
  frameS = 1,
  options: RepetitionOptions = {},
): RepetitionResult {
  const windowS = options.windowS ?? 30;
  const hopS = options.hopS ?? 10;
  const minSeparationS = options.minSeparationS ?? 600;
  const topCount = options.top ?? 5;
  const dims = frames[0]?.length ?? 0;
  const windowFrames = Math.round(windowS / frameS);
  const hopFrames = Math.max(1, Math.round(hopS / frameS));
  const empty: RepetitionResult = {
    maxCorrelation: NaN,
    at: undefined,
    top: [],
    windows: 0,
    pairs: 0,
    meanCorrelation: NaN,
    windowS,
    hopS,
    minSeparationS,
  };
  if (dims === 0 || frames.length < windowFrames) return empty;

  // 2. Standardise each dimension over the file.
  const mean = new Float64Array(dims);
  const sd = new Float64Array(dims);
  for (const f of frames)
    for (let d = 0; d < dims; d++) mean[d] = (mean[d] ?? 0) + (f[d] ?? 0) / frames.length;
  for (const f of frames)
    for (let d = 0; d < dims; d++)
      sd[d] = (sd[d] ?? 0) + ((f[d] ?? 0) - (mean[d] ?? 0)) ** 2 / frames.length;
  for (let d = 0; d < dims; d++) sd[d] = Math.sqrt(sd[d] ?? 0);

  // 3-4. Windows as centred, unit-norm vectors.
  const windows: { startS: number; v: Float64Array }[] = [];
  for (let start = 0; start + windowFrames <= frames.length; start += hopFrames) {
    const v = new Float64Array(windowFrames * dims);
    for (let i = 0; i < windowFrames; i++) {
      const f = frames[start + i] as Float64Array;
      for (let d = 0; d < dims; d++) {
        const s = sd[d] ?? 0;
        v[i * dims + d] = s > 1e-12 ? ((f[d] ?? 0) - (mean[d] ?? 0)) / s : 0;
      }
    }
    let m = 0;
    for (const x of v) m += x;
    m /= v.length;
    let norm = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = (v[i] ?? 0) - m;
      norm += (v[i] ?? 0) ** 2;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
    windows.push({ startS: start * frameS, v });
  }

  // 5. All pairs far enough apart.
  const top: RepetitionPair[] = [];
  let pairs = 0;
  let sum = 0;
  for (let a = 0; a < windows.length; a++) {
    const wa = windows[a] as { startS: number; v: Float64Array };
    for (let b = a + 1; b < windows.length; b++) {
      const wb = windows[b] as { startS: number; v: Float64Array };
      if (wb.startS - wa.startS < minSeparationS) continue;
      let r = 0;
      const x = wa.v;
      const y = wb.v;
      for (let i = 0; i < x.length; i++) r += (x[i] ?? 0) * (y[i] ?? 0);
      pairs++;
      sum += r;
      if (top.length < topCount || r > (top.at(-1)?.correlation ?? -Infinity)) {
        top.push({ correlation: r, aS: wa.startS, bS: wb.startS });
        top.sort((p, q) => q.correlation - p.correlation);
        if (top.length > topCount) top.pop();
      }
    }
  }
  const best = top[0];
  return {
    maxCorrelation: best ? best.correlation : NaN,
    at: best ? { aS: best.aS, bS: best.bS } : undefined,
    top,
    windows: windows.length,
    pairs,
    meanCorrelation: pairs > 0 ? sum / pairs : NaN,
    windowS,
    hopS,
    minSeparationS,
  };
}

/**
 * Pools per-STFT-frame chroma and timbre into 1 s feature frames (step 1 of the
 * definition). Feed frames in time order; `frames()` returns one vector per whole second.
 */
export class SecondFrames {
  private readonly frameS: number;
  private current = 0;
  private sum: Float64Array | undefined;
  private count = 0;
  private leading = 0;
  private readonly done: Float64Array[] = [];

  constructor(frameS = 1) {
    this.frameS = frameS;
  }

  add(timeS: number, chroma: Float64Array, timbre: Float64Array): void {
    const index = Math.floor(timeS / this.frameS);
    while (index > this.current) this.close();
    const dims = chroma.length + timbre.length;
    this.sum ??= new Float64Array(dims);
    for (let i = 0; i < chroma.length; i++) this.sum[i] = (this.sum[i] ?? 0) + (chroma[i] ?? 0);
    for (let i = 0; i < timbre.length; i++)
      this.sum[chroma.length + i] = (this.sum[chroma.length + i] ?? 0) + (timbre[i] ?? 0);
    this.count++;
  }

  private close(): void {
    if (this.sum && this.count > 0) {
      const frame = this.sum.map((x) => x / this.count);
      // Seconds before the first spectrum frame (its centre lies half a frame in) take its values.
      for (; this.leading > 0; this.leading--) this.done.push(Float64Array.from(frame));
      this.done.push(frame);
    } else if (this.done.length === 0) {
      this.leading++;
    } else {
      // A second with no frame (a hop longer than a second) repeats the previous one.
      this.done.push(Float64Array.from(this.done.at(-1) as Float64Array));
    }
    this.sum = undefined;
    this.count = 0;
    this.current++;
  }

  /** The completed 1 s frames (the partial last second is left out). */
  frames(): Float64Array[] {
    return this.done;
  }
}
