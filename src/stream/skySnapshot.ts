/**
 * The engine's sky state -> a SkySnapshot for words. Pure (the time is an argument):
 * readings older than STALE_MS are left out rather than described as if current, and the
 * 3 h pressure tendency is only given once the history spans enough of those 3 h.
 */
import type { SkyState } from '../ingest/skyState.ts';
import type { Quantity } from '../ingest/units.ts';
import type { SkySnapshot } from './skyWords.ts';

/** A reading older than this is not "now" (the features hold readings a minute, then drift for ten). */
export const STALE_MS = 10 * 60_000;
const TENDENCY_WINDOW_MS = 3 * 3600_000;
/** With less history than this, a 3 h tendency would be a guess: say nothing. */
const MIN_TENDENCY_SPAN_MS = 60 * 60_000;

export function skySnapshotFrom(sky: SkyState, nowMs: number, sunElevationDeg?: number): SkySnapshot {
  const value = (q: Quantity): number | undefined => {
    const r = sky.readings.get(q);
    return r && nowMs - r.receivedAtMs <= STALE_MS ? r.value : undefined;
  };
  return {
    atMs: nowMs,
    cloudCover: value('cloud_cover'),
    windMps: value('wind_speed'),
    gustMps: value('wind_gust'),
    windDirectionDeg: value('wind_direction'),
    pressureHPa: value('pressure'),
    pressureTendencyHPa3h: pressureTendency(sky.pressureHistory, nowMs),
    precipitationMmH: value('precipitation_rate'),
    temperatureC: value('temperature'),
    sunElevationDeg,
    events: sky.events.map((e) => ({ kind: e.event, atMs: e.atMs, count: e.count })),
  };
}

/** Newest pressure minus the one nearest 3 h before it, scaled to 3 h. */
export function pressureTendency(history: readonly { atMs: number; hPa: number }[], nowMs: number): number | undefined {
  const newest = history.at(-1);
  if (!newest || nowMs - newest.atMs > STALE_MS) return undefined;
  const target = newest.atMs - TENDENCY_WINDOW_MS;
  let oldest = newest;
  for (const h of history) {
    if (h.atMs >= target) {
      oldest = h;
      break;
    }
  }
  const span = newest.atMs - oldest.atMs;
  if (span < MIN_TENDENCY_SPAN_MS) return undefined;
  return ((newest.hPa - oldest.hPa) * TENDENCY_WINDOW_MS) / span;
}
