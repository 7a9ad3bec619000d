/**
 * The feature vector: what the mapping model hears of the sky.
 *
 * Named, ordered and versioned. Every entry is normalised to a documented range so that a
 * model trained anywhere sees the same numbers (docs/contracts.md, "Feature vector").
 * Changing the order or meaning of an entry is a new FEATURE_VERSION.
 *
 * v2 (issue 4) appended six entries to v1's thirteen, which keep their indices: pressure
 * relative to the season, wind direction, day of year, and novelty.
 */
export const FEATURE_VERSION = 2;

export interface FeatureSpec {
  readonly name: string;
  readonly unit: string;
  /** How the physical value becomes the model input. */
  readonly normalisation: string;
  readonly min: number;
  readonly max: number;
  /** The value used when nothing is known (a sky with no sensors at all). */
  readonly typical: number;
}

export const FEATURES = [
  {
    name: 'pressure',
    unit: 'hPa',
    normalisation: '(p - 1013.25) / 30, clipped',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    // WMO code 0200 names a 3 h change of more than 6 hPa "rapid": that is our full scale.
    name: 'pressure_tendency_3h',
    unit: 'hPa/3h',
    normalisation: 'change over the last 3 h / 6, clipped',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    name: 'wind_mean',
    unit: 'm/s',
    normalisation: 'mean speed / 20 (Beaufort 8 is 17.2-20.7 m/s), clipped',
    min: 0,
    max: 1,
    typical: 0.15,
  },
  {
    name: 'wind_gust',
    unit: 'm/s',
    normalisation: 'gust speed / 30, clipped',
    min: 0,
    max: 1,
    typical: 0.15,
  },
  {
    name: 'cloud_cover',
    unit: 'fraction',
    normalisation: 'as measured (0 clear, 1 overcast)',
    min: 0,
    max: 1,
    typical: 0.5,
  },
  {
    name: 'brightness',
    unit: 'fraction',
    normalisation: 'sky brightness as measured (0 dark, 1 full daylight)',
    min: 0,
    max: 1,
    typical: 0.5,
  },
  {
    // 10 mm/h is "heavy rain" in the UK Met Office scale.
    name: 'precipitation',
    unit: 'mm/h',
    normalisation: 'rate / 10, clipped',
    min: 0,
    max: 1,
    typical: 0,
  },
  {
    name: 'bird_activity',
    unit: 'events',
    normalisation: 'exponentially decaying count (half-life 120 s) / 3, clipped',
    min: 0,
    max: 1,
    typical: 0,
  },
  {
    name: 'flock_activity',
    unit: 'events',
    normalisation: 'exponentially decaying count (half-life 120 s) / 2, clipped',
    min: 0,
    max: 1,
    typical: 0,
  },
  {
    name: 'aircraft_activity',
    unit: 'events',
    normalisation: 'exponentially decaying count (half-life 120 s) / 2, clipped',
    min: 0,
    max: 1,
    typical: 0,
  },
  {
    name: 'sun_elevation',
    unit: 'degrees',
    normalisation: 'elevation / 90',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    name: 'time_of_day_sin',
    unit: 'local time',
    normalisation: 'sin(2 pi h / 24), h = local hours since midnight',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    name: 'time_of_day_cos',
    unit: 'local time',
    normalisation: 'cos(2 pi h / 24)',
    min: -1,
    max: 1,
    typical: 1,
  },
  {
    // The seasonal normaliser (seasonalNormaliser.ts): 30-day forgetting, so "usual" is
    // the last month's pressure at this site.
    name: 'pressure_seasonal',
    unit: 'hPa',
    normalisation: '2 x (share of the last ~30 days of readings below p) - 1',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    // Weighted by strength so a calm's meaningless vane does not swing the model.
    name: 'wind_direction_sin',
    unit: 'degrees',
    normalisation: 'sin(direction the wind blows from) x min(1, mean speed / 2 m/s)',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    name: 'wind_direction_cos',
    unit: 'degrees',
    normalisation: 'cos(direction the wind blows from) x min(1, mean speed / 2 m/s)',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    // Typical 0 and 0: "no season in particular", the centre of the year's circle.
    name: 'day_of_year_sin',
    unit: 'local date',
    normalisation: 'sin(2 pi d / 365.25), d = local days since 1 January',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    name: 'day_of_year_cos',
    unit: 'local date',
    normalisation: 'cos(2 pi d / 365.25)',
    min: -1,
    max: 1,
    typical: 0,
  },
  {
    // noveltyDetector.ts: half-space trees over the weather features, 14-day memory.
    name: 'novelty',
    unit: 'score',
    normalisation: 'streaming half-space-tree novelty (0 familiar, 1 never seen)',
    min: 0,
    max: 1,
    typical: 0,
  },
] as const satisfies readonly FeatureSpec[];

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const FEATURE_COUNT = FEATURES.length;

/** A feature vector in FEATURES order. */
export type FeatureVector = Float32Array;

export function featureIndex(name: FeatureName): number {
  return FEATURE_NAMES.indexOf(name);
}

/** Builds a vector from named values; names not given take their typical value. */
export function featureVectorFrom(values: Partial<Record<FeatureName, number>>): FeatureVector {
  const vector = new Float32Array(FEATURE_COUNT);
  FEATURES.forEach((spec, i) => {
    const v = values[spec.name] ?? spec.typical;
    vector[i] = Math.min(spec.max, Math.max(spec.min, v));
  });
  return vector;
}
