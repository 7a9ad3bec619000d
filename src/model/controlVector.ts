/**
 * The control vector: what the mapping model asks of the music.
 *
 * Named and ordered; every entry is in [0, 1] (the model's last layer is a sigmoid) and
 * its musical meaning is documented in docs/contracts.md, "Control vector". The conductor
 * turns it into decisions; the safety caps (master ceiling, curator limits) sit after it,
 * so no model output can exceed them.
 */
export const CONTROL_VERSION = 1;

export const LAYERS = ['drone', 'pad', 'solo', 'events'] as const;
export type LayerName = (typeof LAYERS)[number];

export const LAYER_CONTROLS = ['gain', 'register', 'density', 'brightness', 'space'] as const;
export type LayerControl = (typeof LAYER_CONTROLS)[number];

export const GLOBAL_CONTROLS = ['tension', 'pace'] as const;
export type GlobalControl = (typeof GLOBAL_CONTROLS)[number];

export interface ControlSpec {
  readonly name: string;
  readonly meaning: string;
}

const LAYER_MEANINGS: Record<LayerControl, string> = {
  gain: 'layer level: 0 silent, 1 the layer at its full designed level (-0 dB trim)',
  register: 'pitch register: 0 lowest allowed octave, 1 highest (transposition by whole octaves and mode degrees)',
  density: 'how many notes/voices: 0 sparse, 1 dense',
  brightness: 'tone colour: 0 dark (low-pass ~400 Hz), 1 open (low-pass ~12 kHz)',
  space: 'reverb send: 0 dry, 1 drenched',
};

const GLOBAL_MEANINGS: Record<GlobalControl, string> = {
  tension: 'harmonic tension: 0 consonant (root, fifth, octave), 1 added seconds and sixths, clusters',
  pace: 'tempo of breathing: 0 phrases every ~20 s, 1 every ~3 s',
};

export const CONTROLS: readonly ControlSpec[] = [
  ...LAYERS.flatMap((layer) =>
    LAYER_CONTROLS.map((c) => ({ name: `${layer}.${c}`, meaning: LAYER_MEANINGS[c] })),
  ),
  ...GLOBAL_CONTROLS.map((c) => ({ name: c, meaning: GLOBAL_MEANINGS[c] })),
];

export const CONTROL_NAMES: readonly string[] = CONTROLS.map((c) => c.name);
export const CONTROL_COUNT = CONTROLS.length;

/** A control vector in CONTROLS order, every entry in [0, 1]. */
export type ControlVector = Float32Array;

export interface LayerControls {
  gain: number;
  register: number;
  density: number;
  brightness: number;
  space: number;
}

export interface Controls {
  layers: Record<LayerName, LayerControls>;
  tension: number;
  pace: number;
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Reads a control vector into named controls (non-finite values become 0). */
export function readControls(vector: ArrayLike<number>): Controls {
  const at = (name: string): number => clamp01(vector[CONTROL_NAMES.indexOf(name)] ?? 0);
  const layers = Object.fromEntries(
    LAYERS.map((layer) => [
      layer,
      Object.fromEntries(LAYER_CONTROLS.map((c) => [c, at(`${layer}.${c}`)])) as unknown as LayerControls,
    ]),
  ) as Record<LayerName, LayerControls>;
  return { layers, tension: at('tension'), pace: at('pace') };
}

/** Writes named controls as a vector in CONTROLS order. */
export function controlVectorFrom(controls: Controls): ControlVector {
  const vector = new Float32Array(CONTROL_COUNT);
  for (const layer of LAYERS) {
    for (const c of LAYER_CONTROLS) {
      vector[CONTROL_NAMES.indexOf(`${layer}.${c}`)] = clamp01(controls.layers[layer][c]);
    }
  }
  vector[CONTROL_NAMES.indexOf('tension')] = clamp01(controls.tension);
  vector[CONTROL_NAMES.indexOf('pace')] = clamp01(controls.pace);
  return vector;
}
