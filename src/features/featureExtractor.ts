/**
 * Sky state -> feature vector (src/features/featureVector.ts for the contract).
 *
 * Stale or missing inputs are explicit: a reading is held while fresh, then drifts
 * linearly towards the typical value (the season's median once the seasonal normaliser
 * has a day of readings, a fixed climatological value before), so a dead sensor fades
 * the music towards an ordinary sky for the season instead of freezing it or feeding the
 * model zeros or NaN.
 *
 * The extractor also learns (`learn`, once a minute of sky time, fresh readings only):
 * the seasonal normaliser hears what is usual, the novelty detector what is familiar.
 * Both are plain state (SkyMemory) that the engine restores from and saves to the store.
 */
import { FEATURE_COUNT, featureIndex, FEATURES, type FeatureName, type FeatureVector } from './featureVector.ts';
import { sunElevationDeg, localHours } from './sunPosition.ts';
import { zoneOffsetMinutes } from './localTime.ts';
import { SeasonalNormaliser } from './seasonalNormaliser.ts';
import { NoveltyDetector } from './noveltyDetector.ts';
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

export const DEFAULT_FRESHNESS: FreshnessPolicy = { staleAfterS: 60, driftS: 600 };

/** Typical values in engine units, used when a quantity is missing or has drifted. */
const TYPICAL: Partial<Record<Quantity, number>> = {
  pressure: 1013.25,
  wind_speed: 3,
  wind_gust: 4.5,
  cloud_cover: 0.5,
  precipitation_rate: 0,
};

const EVENT_HALF_LIFE_S = 120;

/** The sky the extractor has learned: what is usual for the season, and what is familiar. */
export interface SkyMemory {
  readonly seasons: SeasonalNormaliser;
  readonly novelty: NoveltyDetector;
}

/** The weather the novelty detector looks at (not the clock: a familiar night is not novel). */
export const NOVELTY_FEATURES: readonly FeatureName[] = [
  'pressure_seasonal',
  'pressure_tendency_3h',
  'wind_mean',
  'wind_gust',
  'cloud_cover',
  'brightness',
  'precipitation',
];

export function newSkyMemory(): SkyMemory {
  const specs = NOVELTY_FEATURES.map((n) => FEATURES[featureIndex(n)]!);
  return {
    seasons: new SeasonalNormaliser(),
    novelty: new NoveltyDetector({
      dims: NOVELTY_FEATURES.map(featureIndex),
      mins: specs.map((f) => f.min),
      maxs: specs.map((f) => f.max),
    }),
  };
}

/** The extractor learns at most this often (sky time): the normaliser's weights assume it. */
export const LEARN_EVERY_MS = 60_000;
/** A seasonal median replaces the fixed typical value as it gains a day of readings. */
const SEASONAL_TYPICAL_AFTER = 1440;
const SEASONAL_TYPICAL: readonly Quantity[] = ['pressure', 'wind_speed', 'cloud_cover'];
/** A wind below this has no meaningful direction: the direction features fade out. */
const WIND_DIRECTION_FULL_MPS = 2;
const EVENT_FULL_SCALE: Partial<Record<SkyEventKind, number>> = { bird: 3, flock: 2, aircraft: 2 };

export class FeatureExtractor {
  private readonly location: SiteLocation;
  private readonly freshness: FreshnessPolicy;
  readonly memory: SkyMemory;
  private lastLearnMs: number | undefined;

  constructor(location: SiteLocation, freshness: FreshnessPolicy = DEFAULT_FRESHNESS, memory: SkyMemory = newSkyMemory()) {
    this.location = location;
    this.freshness = freshness;
    this.memory = memory;
  }

  /** The value a stale or missing quantity drifts to: the season's median once known. */
  typical(quantity: Quantity, hours = 0): number {
    const fixed = TYPICAL[quantity] ?? 0;
    if (!SEASONAL_TYPICAL.includes(quantity)) return fixed;
    const seasons = this.memory.seasons;
    const w = Math.min(1, seasons.observations(quantity, hours) / SEASONAL_TYPICAL_AFTER);
    return w === 0 ? fixed : fixed + (seasons.median(quantity, hours) - fixed) * w;
  }

  /**
   * Learns the sky at `nowMs` (at most once per LEARN_EVERY_MS of sky time): fresh readings
   * into the seasonal normaliser, `vector` (this moment's features) into the novelty detector.
   */
  learn(sky: SkyState, nowMs: number, vector: FeatureVector): boolean {
    if (this.lastLearnMs !== undefined && Math.abs(nowMs - this.lastLearnMs) < LEARN_EVERY_MS) return false;
    this.lastLearnMs = nowMs;
    const hours = localHours(nowMs, this.location.timeZone);
    const { seasons, novelty } = this.memory;
    for (const channel of seasons.channelNames) {
      const quantity = channel as Quantity;
      const held = sky.readings.get(quantity);
      if (held && !this.isStale(sky, quantity, nowMs)) seasons.observe(channel, held.value, nowMs, hours);
    }
    novelty.observe(vector, nowMs);
    return true;
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

    const hours = localHours(nowMs, this.location.timeZone);
    const pressure = this.current(sky, 'pressure', nowMs, this.typical('pressure'));
    const wind = this.current(sky, 'wind_speed', nowMs, this.typical('wind_speed'));
    set('pressure', (pressure - 1013.25) / 30);
    set('pressure_tendency_3h', this.pressureTendency3h(sky, nowMs) / 6);
    set('wind_mean', wind / 20);
    set('wind_gust', this.current(sky, 'wind_gust', nowMs, wind * 1.5) / 30);
    set('cloud_cover', this.current(sky, 'cloud_cover', nowMs, this.typical('cloud_cover')));
    set('brightness', this.current(sky, 'brightness', nowMs, daylight));
    set('precipitation', this.current(sky, 'precipitation_rate', nowMs, 0) / 10);
    set('bird_activity', this.activity(sky, 'bird', nowMs));
    set('flock_activity', this.activity(sky, 'flock', nowMs));
    set('aircraft_activity', this.activity(sky, 'aircraft', nowMs));
    set('sun_elevation', elevation / 90);
    set('time_of_day_sin', Math.sin((2 * Math.PI * hours) / 24));
    set('time_of_day_cos', Math.cos((2 * Math.PI * hours) / 24));
    set('pressure_seasonal', this.memory.seasons.relative('pressure', pressure));
    // The direction the wind blows from, held while fresh and fading out as it goes stale
    // (angles do not drift linearly), weighted by the wind's strength.
    const direction = sky.readings.get('wind_direction');
    const strength = Math.min(1, wind / WIND_DIRECTION_FULL_MPS) * this.freshWeight(sky, 'wind_direction', nowMs);
    const radians = ((direction?.value ?? 0) * Math.PI) / 180;
    set('wind_direction_sin', Math.sin(radians) * strength);
    set('wind_direction_cos', Math.cos(radians) * strength);
    const day = localDayOfYear(nowMs, this.location.timeZone);
    set('day_of_year_sin', Math.sin((2 * Math.PI * day) / 365.25));
    set('day_of_year_cos', Math.cos((2 * Math.PI * day) / 365.25));
    set('novelty', this.memory.novelty.score(v));
    return v;
  }

  /** 1 while a reading is fresh, falling linearly to 0 over the drift time; 0 if never seen. */
  freshWeight(sky: SkyState, quantity: Quantity, nowMs: number): number {
    const held = sky.readings.get(quantity);
    if (!held) return 0;
    const overS = (nowMs - held.receivedAtMs) / 1000 - this.freshness.staleAfterS;
    return overS <= 0 ? 1 : Math.max(0, 1 - overS / this.freshness.driftS);
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

/** Days (fractional) since local midnight of 1 January at the site. */
export function localDayOfYear(atMs: number, timeZone: string): number {
  const local = atMs + zoneOffsetMinutes(atMs, timeZone) * 60_000;
  const year = new Date(local).getUTCFullYear();
  return (local - Date.UTC(year, 0, 1)) / 86_400_000;
}
