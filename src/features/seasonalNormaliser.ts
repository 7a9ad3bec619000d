/**
 * The seasonal normaliser: what is usual for this time of year (and, where it matters,
 * this time of day), learned from the sky itself, so a reading is heard relative to it.
 * 1008 hPa is a low in a high-pressure summer and ordinary in a stormy winter.
 *
 * One exponentially weighted histogram per channel (and per time-of-day bucket): fixed
 * bins over the quantity's plausible range; each observation adds weight 1 to its bin
 * after every bin has decayed by exp(-dt / tau) for the sample time dt since the last
 * one. tau is 30 days, so the histogram is the distribution of about the last month, and
 * a year replayed moves it with the seasons (test/seasonalNormaliser.test.ts). Quantiles
 * and the CDF interpolate linearly inside a bin, so the resolution is the bin width. Unlike
 * P² markers, the whole distribution is kept, so any quantile and the position of any
 * reading can be read out, and forgetting is exact in sample time however irregular the
 * samples (a sensor that was down for a week leaves no hole in the arithmetic).
 *
 * Before any data, each histogram holds a prior (a normal bell around a climatological
 * centre, weight PRIOR_WEIGHT, i.e. one hour of one-a-minute samples), so a fresh engine
 * hears readings against ordinary climate and the prior fades within hours of real data.
 */

export interface SeasonalChannelSpec {
  /** The sky quantity (engine unit), e.g. 'pressure'. */
  readonly name: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly binWidth: number;
  /** 1 for no time-of-day dependence; else the day is cut into this many equal buckets of local time. */
  readonly buckets: number;
  /** The prior: a normal bell of this centre and spread. */
  readonly priorCentre: number;
  readonly priorSpread: number;
}

/** e-folding time of the forgetting: about a month of sample time. */
export const SEASONAL_TIME_CONSTANT_S = 30 * 86_400;
const PRIOR_WEIGHT = 60;
const STATE_VERSION = 1;

/**
 * The channels the engine tracks. Pressure, wind and cloud give the seasonal typical value
 * that a stale reading drifts to, and pressure_seasonal; brightness and temperature depend
 * on the hour, so they are bucketed by local time (4 h buckets).
 */
export const SEASONAL_CHANNELS: readonly SeasonalChannelSpec[] = [
  // Sea-level pressure: 1013.25 hPa standard atmosphere (ICAO); mid-latitude day-to-day spread ~10 hPa.
  { name: 'pressure', unit: 'hPa', min: 900, max: 1080, binWidth: 0.5, buckets: 1, priorCentre: 1013.25, priorSpread: 10 },
  { name: 'wind_speed', unit: 'm/s', min: 0, max: 40, binWidth: 0.25, buckets: 1, priorCentre: 3, priorSpread: 2 },
  { name: 'cloud_cover', unit: 'fraction', min: 0, max: 1, binWidth: 0.02, buckets: 1, priorCentre: 0.5, priorSpread: 0.3 },
  { name: 'brightness', unit: 'fraction', min: 0, max: 1, binWidth: 0.02, buckets: 6, priorCentre: 0.5, priorSpread: 0.3 },
  { name: 'temperature', unit: 'C', min: -40, max: 50, binWidth: 0.25, buckets: 6, priorCentre: 12, priorSpread: 10 },
];

export interface SeasonalStateRow {
  readonly feature: string;
  readonly bucket: number;
  readonly state: unknown;
}

class DecayingHistogram {
  readonly spec: SeasonalChannelSpec;
  readonly weights: Float64Array;
  total = 0;
  lastMs: number | undefined;
  observations = 0;

  constructor(spec: SeasonalChannelSpec) {
    this.spec = spec;
    this.weights = new Float64Array(Math.ceil((spec.max - spec.min) / spec.binWidth));
    this.setPrior();
  }

  setPrior(): void {
    const { min, binWidth, priorCentre, priorSpread } = this.spec;
    let sum = 0;
    for (let b = 0; b < this.weights.length; b++) {
      const z = (min + (b + 0.5) * binWidth - priorCentre) / priorSpread;
      const w = Math.exp(-0.5 * z * z);
      this.weights[b] = w;
      sum += w;
    }
    for (let b = 0; b < this.weights.length; b++) this.weights[b] = (this.weights[b]! / sum) * PRIOR_WEIGHT;
    this.total = PRIOR_WEIGHT;
  }

  bin(value: number): number {
    const b = Math.floor((value - this.spec.min) / this.spec.binWidth);
    return Math.min(this.weights.length - 1, Math.max(0, b));
  }

  observe(value: number, atMs: number, timeConstantS: number): void {
    if (!Number.isFinite(value)) return;
    if (this.lastMs !== undefined && atMs > this.lastMs) {
      const keep = Math.exp(-(atMs - this.lastMs) / 1000 / timeConstantS);
      for (let b = 0; b < this.weights.length; b++) this.weights[b]! *= keep;
      this.total *= keep;
    }
    if (this.lastMs === undefined || atMs > this.lastMs) this.lastMs = atMs;
    this.weights[this.bin(value)]! += 1;
    this.total += 1;
    this.observations += 1;
  }

  /** Fraction of the remembered weight below `value` (linear inside its bin), 0..1. */
  cdf(value: number): number {
    const { min, binWidth } = this.spec;
    const x = Math.min(this.spec.max, Math.max(min, value));
    const b = this.bin(x);
    let below = 0;
    for (let i = 0; i < b; i++) below += this.weights[i]!;
    const frac = Math.min(1, Math.max(0, (x - (min + b * binWidth)) / binWidth));
    return this.total > 0 ? Math.min(1, (below + this.weights[b]! * frac) / this.total) : 0.5;
  }

  quantile(p: number): number {
    const { min, binWidth } = this.spec;
    const target = Math.min(1, Math.max(0, p)) * this.total;
    let acc = 0;
    for (let b = 0; b < this.weights.length; b++) {
      const w = this.weights[b]!;
      if (acc + w >= target && w > 0) return min + (b + (target - acc) / w) * binWidth;
      acc += w;
    }
    return this.spec.max;
  }

  exportState(): unknown {
    return {
      v: STATE_VERSION,
      min: this.spec.min,
      max: this.spec.max,
      binWidth: this.spec.binWidth,
      lastMs: this.lastMs ?? null,
      observations: this.observations,
      // Six significant digits: the state is a few kB and a rounding of 1e-6 is inaudible.
      weights: Array.from(this.weights, (w) => (w === 0 ? 0 : Number(w.toPrecision(6)))),
    };
  }

  /** Restores an exported state; returns a problem, or undefined when restored. */
  importState(state: unknown): string | undefined {
    if (typeof state !== 'object' || state === null) return 'not an object';
    const s = state as Record<string, unknown>;
    if (s.v !== STATE_VERSION) return `state version ${String(s.v)}, want ${STATE_VERSION}`;
    if (s.min !== this.spec.min || s.max !== this.spec.max || s.binWidth !== this.spec.binWidth)
      return 'bin layout changed';
    const weights = s.weights;
    if (
      !Array.isArray(weights) ||
      weights.length !== this.weights.length ||
      !weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)
    )
      return `want ${this.weights.length} finite non-negative weights`;
    const lastMs = s.lastMs;
    if (lastMs !== null && (typeof lastMs !== 'number' || !Number.isFinite(lastMs))) return 'lastMs is not a time';
    let total = 0;
    weights.forEach((w: number, b) => {
      this.weights[b] = w;
      total += w;
    });
    this.total = total;
    this.lastMs = lastMs ?? undefined;
    this.observations = typeof s.observations === 'number' ? s.observations : 0;
    if (total <= 0) this.setPrior();
    return undefined;
  }
}

export class SeasonalNormaliser {
  readonly timeConstantS: number;
  readonly #channels = new Map<string, DecayingHistogram[]>();

  constructor(channels: readonly SeasonalChannelSpec[] = SEASONAL_CHANNELS, timeConstantS = SEASONAL_TIME_CONSTANT_S) {
    this.timeConstantS = timeConstantS;
    for (const spec of channels) {
      this.#channels.set(spec.name, Array.from({ length: spec.buckets }, () => new DecayingHistogram(spec)));
    }
  }

  get channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  #histogram(channel: string, localHours: number): DecayingHistogram {
    const buckets = this.#channels.get(channel);
    if (!buckets) throw new RangeError(`seasonal normaliser: no channel '${channel}' (${this.channelNames.join(', ')})`);
    return buckets[bucketOf(localHours, buckets.length)]!;
  }

  /** Learns one reading taken at `atMs` (sample time), `localHours` the site's clock then. */
  observe(channel: string, value: number, atMs: number, localHours = 0): void {
    this.#histogram(channel, localHours).observe(value, atMs, this.timeConstantS);
  }

  /** Where a reading sits in the season's distribution, as 2 x CDF - 1: -1 lowest, 0 median, +1 highest. */
  relative(channel: string, value: number, localHours = 0): number {
    return 2 * this.#histogram(channel, localHours).cdf(value) - 1;
  }

  /** The season's p-quantile (0..1) in the channel's unit. */
  quantile(channel: string, p: number, localHours = 0): number {
    return this.#histogram(channel, localHours).quantile(p);
  }

  median(channel: string, localHours = 0): number {
    return this.quantile(channel, 0.5, localHours);
  }

  /** Readings learned by a channel's bucket (since the store began). */
  observations(channel: string, localHours = 0): number {
    return this.#histogram(channel, localHours).observations;
  }

  exportStates(): SeasonalStateRow[] {
    const rows: SeasonalStateRow[] = [];
    for (const [feature, buckets] of this.#channels)
      buckets.forEach((h, bucket) => rows.push({ feature, bucket, state: h.exportState() }));
    return rows;
  }

  /**
   * Restores rows saved by exportStates (from the store). Rows for channels or buckets this
   * build does not have, or that do not parse, are skipped and reported; those channels
   * keep their prior. Returns the problems, one line each.
   */
  importStates(rows: readonly SeasonalStateRow[]): string[] {
    const problems: string[] = [];
    for (const row of rows) {
      const h = this.#channels.get(row.feature)?.[row.bucket];
      if (!h) continue; // not a seasonal channel (e.g. the novelty detector's row)
      const problem = h.importState(row.state);
      if (problem) problems.push(`seasonal normaliser ${row.feature}/${row.bucket}: ${problem}; starting from the prior`);
    }
    return problems;
  }
}

export function bucketOf(localHours: number, buckets: number): number {
  if (buckets <= 1) return 0;
  const h = ((localHours % 24) + 24) % 24;
  return Math.min(buckets - 1, Math.floor((h / 24) * buckets));
}
