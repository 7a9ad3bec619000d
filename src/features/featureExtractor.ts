/**
 * Sky state -> feature vector (src/features/featureVector.ts for the contract).
 *
 * Stale or missing inputs are explicit: a reading is held while fresh, then drifts
 * linearly towards the typical value, so a dead sensor fades the music towards an
 * ordinary sky instead of freezing it or feeding the model zeros or NaN.
 */
import { FEATURE_COUNT, featureIndex, FEATURES, type FeatureName, type FeatureVector } from './featureVector.ts';
import { sunElevationDeg, localHours } from './sunPosition.ts';
import type { SkyState } from '../ingest/skyState.ts';
import type { Quantity } from '../ingest/units.ts';
import type { SkyEventKind } from '../ingest/sensorMessage.ts';

export interface SiteLocation {
  latitudeDeg: number;
  longitudeDeg: number;
  timeZone: string;
}

export interface FreshnessPolicy {
  /** A reading older than this is stale. */
  staleAfterS: number;
  /** Once stale, it reaches the typical value after this long. */
  driftS: number;
}

export const DEFAULT_FRESHNESS: FreshnessPolicy = { staleAfterS: 180, driftS: 600 };

/** Typical values in engine units, used when a quantity is missing or has drifted. */
const TYPICAL: Partial<Record<Quantity, number>> = {
  pressure: 1013.25,
  wind_speed: 3,
  wind_gust: 4.5,
  cloud_cover: 0.5,
  precipitation_rate: 0,
};

const EVENT_HALF_LIFE_S = 120;
const EVENT_FULL_SCALE: Partial<Record<SkyEventKind, number>> = { bird: 3, flock: 2, aircraft: 2 };

export class FeatureExtractor {
  private readonly location: SiteLocation;
  private readonly freshness: FreshnessPolicy;

  constructor(location: SiteLocation, freshness: FreshnessPolicy = DEFAULT_FRESHNESS) {
    this.location = location;
    this.freshness = freshness;
  }

  compute(sky: SkyState, nowMs: number): FeatureVector {
    const v = new Float32Array(FEATURE_COUNT);
    const set = (name: FeatureName, x: number): void => {
      const i = featureIndex(name);
      const spec = FEATURES[i];
      if (!spec) return;
      v[i] = Number.isFinite(x) ? Math.min(spec.max, Math.max(spec.min, x)) : spec.typical;
    };
    const elevation = sunElevationDeg(nowMs, this.location.latitudeDeg, this.location.longitudeDeg);
    // With no light sensor, daylight follows the sun: full from ~20 degrees, dark below -6
    // (civil twilight ends at -6 degrees).
    const daylight = Math.min(1, Math.max(0, (elevation + 6) / 26));

    set('pressure', (this.current(sky, 'pressure', nowMs, 1013.25) - 1013.25) / 30);
    set('pressure_tendency_3h', this.pressureTendency3h(sky, nowMs) / 6);
    set('wind_mean', this.current(sky, 'wind_speed', nowMs, 3) / 20);
    set('wind_gust', this.current(sky, 'wind_gust', nowMs, this.current(sky, 'wind_speed', nowMs, 3) * 1.5) / 30);
    set('cloud_cover', this.current(sky, 'cloud_cover', nowMs, 0.5));
    set('brightness', this.current(sky, 'brightness', nowMs, daylight));
    set('precipitation', this.current(sky, 'precipitation_rate', nowMs, 0) / 10);
    set('bird_activity', this.activity(sky, 'bird', nowMs));
    set('flock_activity', this.activity(sky, 'flock', nowMs));
    set('aircraft_activity', this.activity(sky, 'aircraft', nowMs));
    set('sun_elevation', elevation / 90);
    const hours = localHours(nowMs, this.location.timeZone);
    set('time_of_day_sin', Math.sin((2 * Math.PI * hours) / 24));
    set('time_of_day_cos', Math.cos((2 * Math.PI * hours) / 24));
    return v;
  }

  /** The held value of a quantity, drifting to `typical` once stale. */
  current(sky: SkyState, quantity: Quantity, nowMs: number, typical = TYPICAL[quantity] ?? 0): number {
    const held = sky.readings.get(quantity);
    if (!held) return typical;
    const ageS = (nowMs - held.receivedAtMs) / 1000;
    const overS = ageS - this.freshness.staleAfterS;
    if (overS <= 0) return held.value;
    const w = Math.min(1, overS / this.freshness.driftS);
    return held.value + (typical - held.value) * w;
  }

  isStale(sky: SkyState, quantity: Quantity, nowMs: number): boolean {
    const held = sky.readings.get(quantity);
    return !held || (nowMs - held.receivedAtMs) / 1000 > this.freshness.staleAfterS;
  }

  /**
   * Pressure change over the last 3 h in hPa. With less history, the rate seen over at
   * least 30 minutes is scaled to 3 h; with less than that, 0 (no tendency known).
   */
  pressureTendency3h(sky: SkyState, nowMs: number): number {
    const history = sky.pressureHistory;
    const latest = history.at(-1);
    if (!latest || this.isStale(sky, 'pressure', nowMs)) return 0;
    const target = latest.atMs - 3 * 3600_000;
    let oldest = history[0];
    for (const sample of history) {
      if (sample.atMs <= target) oldest = sample;
      else break;
    }
    if (!oldest) return 0;
    const spanMs = latest.atMs - oldest.atMs;
    if (spanMs < 30 * 60_000) return 0;
    return ((latest.hPa - oldest.hPa) * (3 * 3600_000)) / spanMs;
  }

  private activity(sky: SkyState, kind: SkyEventKind, nowMs: number): number {
    let sum = 0;
    for (const e of sky.events) {
      if (e.event !== kind) continue;
      // A sensor clock slightly ahead of ours must not make an event count double.
      const ageS = Math.max(0, (nowMs - e.atMs) / 1000);
      sum += e.confidence * 0.5 ** (ageS / EVENT_HALF_LIFE_S);
    }
    return sum / (EVENT_FULL_SCALE[kind] ?? 1);
  }
}
