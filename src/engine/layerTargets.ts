/**
 * The layer buses' targets (gain, low-pass, reverb send) for a set of controls, without
 * planning any voice: what the live performance schedules at once when a sensor reading
 * moves the sky (Performance.skyChanged), between two windows of the conductor's plan.
 *
 * The conductor makes the same targets in Conductor.plan; its constants are private to it,
 * so they are repeated here and test/layerTargets.test.ts checks, for random controls,
 * settings and movements, that both give the same targets. (If the conductor exposed its
 * layer targets, this module would be one call.)
 */
import { LAYERS, type Controls } from '../model/controlVector.ts';
import type { LayerTarget } from '../conductor/decisions.ts';
import { applyCuratorLimits, gainToDb } from '../conductor/conductor.ts';
import { shapeControls, type BlendedMovement } from '../conductor/movements.ts';
import { lerp } from '../conductor/layerContext.ts';
import type { CuratorSettings } from './curatorSettings.ts';

/** The conductor's floor for the drone's gain control: the lobby never hears silence. */
const DRONE_FLOOR = 0.3;
/** The conductor's ramp for layer targets. */
const TARGET_RAMP_S = 2.5;

export function layerTargetsFor(controls: Controls, movement: BlendedMovement, settings: CuratorSettings, time: number): LayerTarget[] {
  const shaped = applyCuratorLimits(shapeControls(controls, movement), settings);
  return LAYERS.map((layer) => {
    const c = shaped.layers[layer];
    const setting = settings.layers[layer];
    const gain = !setting.enabled ? 0 : layer === 'drone' ? Math.max(DRONE_FLOOR, c.gain) : c.gain;
    return {
      type: 'layer',
      time,
      layer,
      gainDb: gain === 0 ? -80 : setting.trimDb + gainToDb(gain),
      lowpassHz: 400 * 30 ** c.brightness,
      reverbSend: Math.min(1, lerp(0.1, 0.9, c.space) * settings.reverbScale),
      rampS: TARGET_RAMP_S,
    };
  });
}
