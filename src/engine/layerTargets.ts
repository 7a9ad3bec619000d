/**
 * The layer buses' targets (gain, low-pass, reverb send) for a set of controls, without
 * planning any voice: what the live performance schedules at once when a sensor reading
 * moves the sky (Performance.skyChanged), between two windows of the conductor's plan.
 * The same shaping and the same targets as the conductor's windows (busTargets).
 */
import type { Controls } from '../model/controlVector.ts';
import type { LayerTarget } from '../conductor/decisions.ts';
import { applyCuratorLimits, busTargets } from '../conductor/conductor.ts';
import { shapeControls, type BlendedMovement } from '../conductor/movements.ts';
import type { CuratorSettings } from './curatorSettings.ts';

export function layerTargetsFor(controls: Controls, movement: BlendedMovement, settings: CuratorSettings, time: number): LayerTarget[] {
  return busTargets(applyCuratorLimits(shapeControls(controls, movement), settings), settings, time);
}
