/**
 * What the panel shows live, gathered from the engine in one plain object: health (audio,
 * music, sensors with freshness, features, controls), each quantity's latest reading with
 * its sensor and age, camera-derived numbers and events (never images: only numbers
 * leave the camera reader), and per-layer levels (measured, and as the model plans them).
 */
import type { HealthReport } from '../engine/liveEngine.ts';
import type { CuratorSettings } from '../engine/curatorSettings.ts';
import type { SkyState } from '../ingest/skyState.ts';
import { LAYERS } from '../model/controlVector.ts';
import { gainToDb } from '../conductor/conductor.ts';

/** What the panel needs of the live engine. */
export interface PanelEngine {
  health(): HealthReport;
  readonly settings: CuratorSettings;
  updateSettings(change: unknown): CuratorSettings;
  readonly skyState: SkyState | undefined;
  /** The model version playing: a store version, or the shipped default. */
  readonly modelPlaying: string;
  /** Swaps to the store's active version now (after a deploy or a rollback). */
  followActiveModel(): Promise<void>;
}

export interface LiveReading {
  quantity: string;
  value: number;
  sensorId: string;
  ageS: number;
}

export interface LiveView {
  atMs: number;
  health: HealthReport;
  readings: LiveReading[];
  /** Each sensor, stale as the engine judges it (config freshness.staleAfterS) or offline. */
  sensors: HealthReport['sensors'];
  /** Recent sky events from every sensor, oldest first. */
  events: { kind: string; sensorId: string; agoS: number; count: number }[];
  /** Numbers the sky camera sent (cloud cover, brightness) and its recent events. */
  camera: { readings: LiveReading[]; events: { kind: string; agoS: number; count: number }[] };
  /**
   * Each layer: `measuredDbfs`, its level as measured in the live graph (RMS of the last
   * ~43 ms after the layer's low-pass, before the master; null when silent or unmetered),
   * and `plannedDb`, the level the model asks plus the curator's trim (null when off).
   */
  layers: { layer: string; measuredDbfs: number | null; plannedDb: number | null; enabled: boolean; trimDb: number }[];
}

export function liveView(engine: PanelEngine, nowMs = Date.now()): LiveView {
  const health = engine.health();
  const sky = engine.skyState;
  const readings: LiveReading[] = [...(sky?.readings.entries() ?? [])].map(([quantity, r]) => ({
    quantity,
    value: Math.round(r.value * 1000) / 1000,
    sensorId: r.sensorId,
    ageS: Math.round((nowMs - r.receivedAtMs) / 1000),
  }));
  const cameraIds = new Set(health.sensors.map((s) => s.id).filter((id) => /camera/i.test(id)));
  const settings = engine.settings;
  return {
    atMs: nowMs,
    health,
    readings,
    sensors: health.sensors.map((s) => ({ ...s, stale: s.stale || !s.online })),
    events: (sky?.events ?? []).slice(-20).map((e) => ({ kind: e.event, sensorId: e.sensorId, agoS: Math.round((nowMs - e.atMs) / 1000), count: e.count })),
    camera: {
      readings: readings.filter((r) => cameraIds.has(r.sensorId)),
      events: (sky?.events ?? [])
        .filter((e) => cameraIds.has(e.sensorId))
        .slice(-10)
        .map((e) => ({ kind: e.event, agoS: Math.round((nowMs - e.atMs) / 1000), count: e.count })),
    },
    layers: LAYERS.map((layer) => {
      const s = settings.layers[layer];
      const gain = health.controls[`${layer}.gain`] ?? 0;
      const db = gainToDb(gain);
      return {
        layer,
        enabled: s.enabled,
        trimDb: s.trimDb,
        measuredDbfs: health.audio.layerRmsDbfs[layer] ?? null,
        plannedDb: !s.enabled || db <= -80 ? null : Math.round((db + s.trimDb) * 10) / 10,
      };
    }),
  };
}
