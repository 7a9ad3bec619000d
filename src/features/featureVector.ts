/**
 * The feature vector: what the mapping model hears of the sky.
 *
 * Named, ordered and versioned. Every entry is normalised to a documented range so that a
 * model trained anywhere sees the same numbers (docs/contracts.md, "Feature vector").
 * Changing the order or meaning of an entry is a new FEATURE_VERSION.
 */
export const FEATURE_VERSION = 1;

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
