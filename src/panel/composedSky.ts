/**
 * A sky the curator composes with sliders ("what would a storm at dusk sound like?"),
 * validated, and turned into a small sky log (docs/contracts.md, "Sky log") that the
 * offline renderer replays, or into the feature vector the engine would compute from it
 * (the same ingest parser and feature extractor, so an example means what the live
 * engine would hear).
 */
import type { SiteLocation } from '../features/featureExtractor.ts';
import { FeatureExtractor } from '../features/featureExtractor.ts';
import { Ingest } from '../ingest/ingest.ts';
import { instantAtLocalTime } from '../features/localTime.ts';
import { RENDER_DATE } from '../sky/skyFromName.ts';
import { parseSkyLog } from '../../sensors/replay/skyLogReplay.ts';

export interface ComposedSky {
  /** Local clock time, hours 0..24 (sets the sun and the movement). */
  localHour: number;
  pressureHPa: number;
  windMps: number;
  gustMps: number;
  cloudCover: number;
  brightness: number;
  rainMmH: number;
  temperatureC: number;
  birdsPerMin: number;
  flocksPerMin: number;
  aircraftPerMin: number;
}

/** Each field's range and a calm default (the slider's start). */
export const COMPOSED_SKY_FIELDS: Record<keyof ComposedSky, { min: number; max: number; step: number; default: number; label: string }> = {
  localHour: { min: 0, max: 24, step: 0.25, default: 12, label: 'time of day (h)' },
  pressureHPa: { min: 950, max: 1050, step: 0.5, default: 1015, label: 'pressure (hPa)' },
  windMps: { min: 0, max: 30, step: 0.5, default: 3, label: 'wind (m/s)' },
  gustMps: { min: 0, max: 45, step: 0.5, default: 5, label: 'gusts (m/s)' },
  cloudCover: { min: 0, max: 1, step: 0.01, default: 0.3, label: 'cloud cover' },
  brightness: { min: 0, max: 1, step: 0.01, default: 0.8, label: 'brightness' },
  rainMmH: { min: 0, max: 50, step: 0.5, default: 0, label: 'rain (mm/h)' },
  temperatureC: { min: -30, max: 45, step: 0.5, default: 15, label: 'temperature (°C)' },
  birdsPerMin: { min: 0, max: 10, step: 0.5, default: 1, label: 'birds per minute' },
  flocksPerMin: { min: 0, max: 5, step: 0.25, default: 0, label: 'flocks per minute' },
  aircraftPerMin: { min: 0, max: 5, step: 0.25, default: 0, label: 'aircraft per minute' },
};

export class ComposedSkyError extends Error {}

export function parseComposedSky(input: unknown): ComposedSky {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ComposedSkyError('sky: want an object of slider values');
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in COMPOSED_SKY_FIELDS)) throw new ComposedSkyError(`sky: unknown field '${key.slice(0, 40)}'`);
  }
  const sky = {} as ComposedSky;
  for (const [key, spec] of Object.entries(COMPOSED_SKY_FIELDS) as [keyof ComposedSky, (typeof COMPOSED_SKY_FIELDS)[keyof ComposedSky]][]) {
    const v = record[key] ?? spec.default;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max) {
      throw new ComposedSkyError(`sky.${key}: want a number in ${spec.min}..${spec.max}, got ${JSON.stringify(v)?.slice(0, 30)}`);
    }
    sky[key] = v;
  }
  if (sky.gustMps < sky.windMps) sky.gustMps = sky.windMps;
  return sky;
}

/** When a composed sky happens: its hour on the date presets render on. */
export function composedSkyStartMs(sky: ComposedSky, location: SiteLocation): number {
  return instantAtLocalTime(RENDER_DATE, Math.min(sky.localHour, 23.99), location.timeZone);
}

const STATE_EVERY_S = 10;

/** The composed sky as a sky log of `durationS`: steady readings every 10 s, events at their rates. */
export function composedSkyLog(sky: ComposedSky, options: { site: string; startMs: number; durationS: number }): string {
  const lines: string[] = [];
  const push = (atMs: number, sensor: string, channel: string, payload: unknown, retain: boolean): void => {
    lines.push(JSON.stringify({ at: new Date(atMs).toISOString(), topic: `skychoir/${options.site}/sensor/${sensor}/${channel}`, payload, retain }));
  };
  const state = (atMs: number, readings: Record<string, { value: number; unit: string }>): { v: 1; ts: string; readings: typeof readings } => ({
    v: 1,
    ts: new Date(atMs).toISOString(),
    readings,
  });
  for (let t = 0; t <= options.durationS; t += STATE_EVERY_S) {
    const at = options.startMs + t * 1000;
    if (t === 0) for (const id of ['roof-baro', 'roof-wind', 'roof-rain', 'sky-camera']) push(at, id, 'availability', 'online', true);
    push(at, 'roof-baro', 'state', state(at, { pressure: { value: sky.pressureHPa, unit: 'hPa' }, temperature: { value: sky.temperatureC, unit: 'C' } }), true);
    push(at, 'roof-wind', 'state', state(at, { wind_speed: { value: sky.windMps, unit: 'm/s' }, wind_gust: { value: sky.gustMps, unit: 'm/s' }, wind_direction: { value: 250, unit: 'deg' } }), true);
    push(at, 'roof-rain', 'state', state(at, { precipitation_rate: { value: sky.rainMmH, unit: 'mm/h' } }), true);
    push(at, 'sky-camera', 'state', state(at, { cloud_cover: { value: sky.cloudCover, unit: 'fraction' }, brightness: { value: sky.brightness, unit: 'fraction' } }), true);
  }
  // Events evenly spaced at their rates, each kind offset so they do not coincide.
  const kinds = [
    ['bird', sky.birdsPerMin, 3],
    ['flock', sky.flocksPerMin, 7],
    ['aircraft', sky.aircraftPerMin, 11],
  ] as const;
  for (const [kind, perMin, offsetS] of kinds) {
    if (perMin <= 0) continue;
    for (let t = offsetS; t < options.durationS; t += 60 / perMin) {
      const at = options.startMs + t * 1000;
      push(at, 'sky-camera', 'event', { v: 1, ts: new Date(at).toISOString(), kind, confidence: 0.9, count: kind === 'flock' ? 24 : 1 }, false);
    }
  }
  return lines.join('\n') + '\n';
}

/** The feature vector the engine would compute after a minute under this sky. */
export function composedSkyFeatures(sky: ComposedSky, options: { site: string; location: SiteLocation }): Float32Array {
  const startMs = composedSkyStartMs(sky, options.location);
  const settleS = 60;
  const log = parseSkyLog(composedSkyLog(sky, { site: options.site, startMs, durationS: settleS }), 'composed sky');
  const ingest = new Ingest(options.site);
  for (const e of log.entries) {
    const payload = typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload);
    ingest.receive(`skychoir/${options.site}/sensor/${e.sensorId}/${e.channel}`, Buffer.from(payload), e.atMs);
  }
  return new FeatureExtractor(options.location).compute(ingest.sky, startMs + settleS * 1000);
}
