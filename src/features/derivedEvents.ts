/**
 * Sky events the engine can see for itself in the feature stream, beside those the
 * camera reports: sunrise and sunset (the sun crossing the horizon), rain onset, a sharp
 * pressure change (a 3 h tendency past 3 hPa) and a cloud front (cover rising by 0.3
 * within 15 minutes). Each fires once and re-arms only after its condition has cleared,
 * so a sky hovering at a threshold does not chatter.
 */
import { featureIndex, type FeatureVector } from './featureVector.ts';
import type { SkyEventKind } from '../ingest/sensorMessage.ts';

const CLOUD_WINDOW_MS = 15 * 60_000;
const CLOUD_REARM_MS = 30 * 60_000;
/** Rain must have been (nearly) absent this long for its return to be an onset. */
const DRY_BEFORE_RAIN_MS = 10 * 60_000;

export class DerivedEventDetector {
  private lastElevation: number | undefined;
  private dryAtMs: number | undefined;
  private raining = false;
  private pressureArmed = true;
  private cloudHistory: { atMs: number; cover: number }[] = [];
  private lastFrontMs = -Infinity;

  update(f: FeatureVector, atMs: number): SkyEventKind[] {
    const out: SkyEventKind[] = [];
    const at = (name: Parameters<typeof featureIndex>[0]): number => f[featureIndex(name)] ?? 0;

    const elevation = at('sun_elevation') * 90;
    if (this.lastElevation !== undefined) {
      if (this.lastElevation < 0 && elevation >= 0) out.push('sunrise');
      if (this.lastElevation >= 0 && elevation < 0) out.push('sunset');
    }
    this.lastElevation = elevation;

    // Precipitation feature: rate / 10 mm/h. Onset above 0.5 mm/h after 10 dry minutes
    // (below 0.2 mm/h).
    const rain = at('precipitation');
    if (rain < 0.02) {
      this.dryAtMs ??= atMs;
      this.raining = false;
    } else if (rain > 0.05 && !this.raining) {
      this.raining = true;
      if (this.dryAtMs !== undefined && atMs - this.dryAtMs >= DRY_BEFORE_RAIN_MS) out.push('rain_onset');
      this.dryAtMs = undefined;
    }

    // Tendency feature: hPa per 3 h / 6. Fires past 3 hPa/3h, re-arms below 1.8.
    const tendency = Math.abs(at('pressure_tendency_3h'));
    if (this.pressureArmed && tendency > 0.5) {
      out.push('pressure_jump');
      this.pressureArmed = false;
    } else if (tendency < 0.3) {
      this.pressureArmed = true;
    }

    const cover = at('cloud_cover');
    this.cloudHistory.push({ atMs, cover });
    while ((this.cloudHistory[0]?.atMs ?? atMs) < atMs - CLOUD_WINDOW_MS) this.cloudHistory.shift();
    const lowest = Math.min(...this.cloudHistory.map((c) => c.cover));
    if (cover - lowest >= 0.3 && atMs - this.lastFrontMs > CLOUD_REARM_MS) {
      out.push('cloud_front');
      this.lastFrontMs = atMs;
    }
    return out;
  }
}
