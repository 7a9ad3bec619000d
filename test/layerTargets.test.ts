/**
 * The immediate control path's layer targets (src/engine/layerTargets.ts) are the
 * conductor's: for random controls, curator settings and moments of the day, they equal
 * the targets in a window's plan (the same shaping by movement and curator, then the same
 * busTargets), gain, low-pass, reverb send and ramp for every layer.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Conductor } from '../src/conductor/conductor.ts';
import type { LayerTarget } from '../src/conductor/decisions.ts';
import { createRng } from '../src/conductor/rng.ts';
import { CONTROL_COUNT, LAYERS, readControls } from '../src/model/controlVector.ts';
import { DEFAULT_CURATOR_SETTINGS, type CuratorSettings } from '../src/engine/curatorSettings.ts';
import { layerTargetsFor } from '../src/engine/layerTargets.ts';
import { SHIPPED_SAMPLES } from './support/conductorRun.ts';

it('layer targets for a reading are the ones the conductor plans for the same controls', () => {
  const rng = createRng(9);
  const conductor = new Conductor({ seed: 3, samples: SHIPPED_SAMPLES });
  for (let k = 0; k < 200; k++) {
    const vector = Float32Array.from({ length: CONTROL_COUNT }, () => (rng.chance(0.1) ? 0 : rng.next()));
    const controls = readControls(vector);
    const lo = rng.range(0, 0.5);
    const settings: CuratorSettings = {
      ...DEFAULT_CURATOR_SETTINGS,
      layers: Object.fromEntries(LAYERS.map((l) => [l, { enabled: !rng.chance(0.15), trimDb: rng.range(-24, 6) }])) as CuratorSettings['layers'],
      register: { min: lo, max: lo + rng.range(0, 0.5) },
      densityScale: rng.range(0, 2),
      reverbScale: rng.range(0, 2),
    };
    conductor.settings = settings;
    const fromS = k * 0.5;
    const moment = { sunElevationDeg: rng.range(-30, 70), localHour: rng.range(0, 24), season: rng.range(-1, 1) };
    const planned = conductor
      .plan({ fromS, toS: fromS + 0.5, controls, events: [], rain: 0, moment })
      .filter((d): d is LayerTarget => d.type === 'layer');
    const immediate = layerTargetsFor(controls, conductor.currentMovement, settings, fromS);
    assert.equal(planned.length, LAYERS.length);
    for (const want of planned) {
      const got = immediate.find((t) => t.layer === want.layer);
      assert.ok(got, want.layer);
      for (const key of ['time', 'gainDb', 'lowpassHz', 'reverbSend', 'rampS'] as const) {
        assert.ok(Math.abs(got[key] - want[key]) < 1e-9, `window ${k}, ${want.layer}.${key}: ${got[key]} vs the conductor's ${want[key]}`);
      }
    }
  }
});
