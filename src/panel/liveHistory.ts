/**
 * The last 24 h as small charts: one sample a minute of each quantity's reading, the
 * output level, novelty and a few controls, in a fixed-size ring (1440 samples, a few
 * hundred KiB). In memory: a restart starts the charts afresh (the store's sensor history,
 * issue 7, can seed it later).
 */
import type { LiveView } from './liveView.ts';

export interface HistorySample {
  atMs: number;
  values: Record<string, number | null>;
}

/** The series drawn, in order. */
export const HISTORY_SERIES = [
  'pressure',
  'wind_speed',
  'wind_gust',
  'precipitation_rate',
  'cloud_cover',
  'brightness',
  'temperature',
  'output_rms_dbfs',
  'novelty',
  'voices',
] as const;

export class LiveHistory {
  readonly #capacity: number;
  readonly #samples: HistorySample[] = [];

  constructor(capacity = 24 * 60) {
    this.#capacity = capacity;
  }

  add(view: LiveView): HistorySample {
    const values: Record<string, number | null> = {};
    for (const name of HISTORY_SERIES) values[name] = null;
    for (const r of view.readings) if (r.quantity in values && r.ageS < 600) values[r.quantity] = r.value;
    values.output_rms_dbfs = view.health.audio.rmsDbfs;
    values.novelty = view.health.features.novelty ?? null;
    values.voices = view.health.audio.voices;
    const sample = { atMs: view.atMs, values };
    this.#samples.push(sample);
    if (this.#samples.length > this.#capacity) this.#samples.splice(0, this.#samples.length - this.#capacity);
    return sample;
  }

  samples(): readonly HistorySample[] {
    return this.#samples;
  }
}
