/**
 * Runs the conductor over windows of time with fixed controls and reads the decision
 * stream back as voices (start, end, release), for tests that check what would sound.
 */
import { Conductor } from '../../src/conductor/conductor.ts';
import { voiceEndTime, type Decision, type LayerTarget, type VoiceRelease, type VoiceStart } from '../../src/conductor/decisions.ts';
import type { HeardEvent } from '../../src/conductor/layers/eventLayer.ts';
import { CONTROL_COUNT, CONTROL_NAMES, LAYERS, readControls, type Controls } from '../../src/model/controlVector.ts';
import { loadSampleManifest, type SampleInfo } from '../../src/samples/sampleManifest.ts';
import { PROJECT_ROOT } from '../../src/config/config.ts';
import { join } from 'node:path';

export const SHIPPED_SAMPLES: readonly SampleInfo[] = loadSampleManifest(join(PROJECT_ROOT, 'samples', 'manifest.json')).samples;

/** Controls from named values; every other control is `rest`. Goes through the vector contract. */
export function controlsFrom(values: Record<string, number>, rest = 0.5): Controls {
  const vector = new Float32Array(CONTROL_COUNT).fill(rest);
  for (const [name, value] of Object.entries(values)) {
    const i = CONTROL_NAMES.indexOf(name);
    if (i < 0) throw new Error(`no control '${name}'`);
    vector[i] = value;
  }
  return readControls(vector);
}

/** The same value for one control of every layer, e.g. perLayer('density', 0.9). */
export function perLayer(control: string, value: number): Record<string, number> {
  return Object.fromEntries(LAYERS.map((layer) => [`${layer}.${control}`, value]));
}

export interface PlanRun {
  windows: { fromS: number; toS: number; decisions: Decision[] }[];
  all: Decision[];
}

export function runConductor(options: {
  seed: number;
  controls: Controls;
  durationS: number;
  windowS?: number;
  rain?: number;
  /** Events heard in the window starting at each time (s). */
  events?: ReadonlyMap<number, readonly HeardEvent[]>;
}): PlanRun {
  const conductor = new Conductor({ seed: options.seed, samples: SHIPPED_SAMPLES });
  const windowS = options.windowS ?? 0.5;
  const windows: PlanRun['windows'] = [];
  const steps = Math.round(options.durationS / windowS);
  for (let k = 0; k < steps; k++) {
    const fromS = k * windowS;
    const toS = fromS + windowS;
    const decisions = conductor.plan({
      fromS,
      toS,
      controls: options.controls,
      events: options.events?.get(fromS) ?? [],
      rain: options.rain ?? 0,
    });
    windows.push({ fromS, toS, decisions });
  }
  return { windows, all: windows.flatMap((w) => w.decisions) };
}

export const starts = (ds: readonly Decision[]): VoiceStart[] => ds.filter((d): d is VoiceStart => d.type === 'start');
export const releases = (ds: readonly Decision[]): VoiceRelease[] => ds.filter((d): d is VoiceRelease => d.type === 'release');
export const targets = (ds: readonly Decision[]): LayerTarget[] => ds.filter((d): d is LayerTarget => d.type === 'layer');

export interface SoundingVoice {
  start: VoiceStart;
  /** When the voice is silent: its natural end, or its release plus the release's fade. */
  silentAt: number;
  /** When a release (if any) begins. */
  releasedAt: number | undefined;
}

export function soundingVoices(ds: readonly Decision[]): SoundingVoice[] {
  const firstRelease = new Map<number, VoiceRelease>();
  for (const r of releases(ds)) {
    const seen = firstRelease.get(r.voiceId);
    if (!seen || r.time < seen.time) firstRelease.set(r.voiceId, r);
  }
  return starts(ds).map((start) => {
    const r = firstRelease.get(start.voiceId);
    const natural = voiceEndTime(start);
    return { start, silentAt: r ? Math.min(natural, r.time + r.releaseS) : natural, releasedAt: r?.time };
  });
}

/**
 * The most voices of each layer sounding at once. `until` says when a voice stops
 * counting. Counts only rise at a start, so checking at every start time is enough.
 */
export function peakVoices(voices: readonly SoundingVoice[], until: (v: SoundingVoice) => number): Map<string, { peak: number; atS: number }> {
  const peaks = new Map<string, { peak: number; atS: number }>();
  const byLayer = Map.groupBy(voices, (v) => v.start.layer);
  for (const [layer, list] of byLayer) {
    // Sweep: +1 at a start, -1 when it stops counting; stops sort before starts at equal times.
    const edges = list.flatMap((v) => [
      { t: v.start.time, d: 1 },
      { t: until(v), d: -1 },
    ]);
    edges.sort((a, b) => a.t - b.t || a.d - b.d);
    let n = 0;
    let best = { peak: 0, atS: 0 };
    for (const e of edges) {
      n += e.d;
      if (n > best.peak) best = { peak: n, atS: e.t };
    }
    peaks.set(layer, best);
  }
  return peaks;
}
