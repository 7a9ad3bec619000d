/**
 * What 'sun' means in the curator's day schedule (movementByHour), hour by hour, so the
 * Tune view can show it beside the hours the curator pins: for each local hour of today
 * at the site, the movement the conductor's own rule (movementAt) picks from the sun's
 * elevation at half past that hour.
 */
import type { SiteLocation } from '../features/featureExtractor.ts';
import { instantAtLocalTime, zoneOffsetMinutes } from '../features/localTime.ts';
import { sunElevationDeg } from '../features/sunPosition.ts';
import { movementAt } from '../conductor/movements.ts';
import type { MovementName } from '../conductor/piece.ts';

export function sunMovementsToday(location: SiteLocation, nowMs: number): MovementName[] {
  const local = new Date(nowMs + zoneOffsetMinutes(nowMs, location.timeZone) * 60_000);
  const date = { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
  return Array.from({ length: 24 }, (_, hour) => {
    const atMs = instantAtLocalTime(date, hour + 0.5, location.timeZone);
    return movementAt({ sunElevationDeg: sunElevationDeg(atMs, location.latitudeDeg, location.longitudeDeg), localHour: hour + 0.5, season: 0 });
  });
}
