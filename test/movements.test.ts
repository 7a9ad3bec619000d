/** Movements of the day: chosen by the sun, blended over minutes, shaping the controls. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { movementAt, MovementBlend, NOON_MOMENT, shapeControls } from '../src/conductor/movements.ts';
import { defaultPiece } from '../src/conductor/piece.ts';
import { ShuffleBag } from '../src/conductor/shuffleBag.ts';
import { createRng } from '../src/conductor/rng.ts';
import { Conductor } from '../src/conductor/conductor.ts';
import { controlsFrom, SHIPPED_SAMPLES } from './support/conductorRun.ts';
import type { VoiceStart } from '../src/conductor/decisions.ts';

describe('movements', () => {
  it('follows the sun: night, dawn, morning, noon, afternoon, dusk', () => {
    const at = (sunElevationDeg: number, localHour: number): string => movementAt({ sunElevationDeg, localHour, season: 0 });
    assert.equal(at(-30, 1), 'night');
    assert.equal(at(-5, 6), 'dawn');
    assert.equal(at(20, 9), 'morning');
    assert.equal(at(45, 12.5), 'noon');
    assert.equal(at(30, 15), 'afternoon');
    assert.equal(at(2, 18.5), 'dusk');
    assert.equal(at(-13, 20), 'night');
  });

  it('glides from one movement to the next over the transition time', () => {
    const piece = defaultPiece();
    const blend = new MovementBlend(piece);
    const noon = { sunElevationDeg: 45, localHour: 12.5, season: 0 };
    const night = { sunElevationDeg: -30, localHour: 23, season: 0 };
    assert.equal(blend.update(noon, 0).name, 'noon');
    const soon = blend.update(night, 30);
    assert.equal(soon.name, 'noon', 'half a minute later it is still mostly noon');
    assert.ok(soon.weights.night > 0.05 && soon.weights.night < 0.3, `night weight ${soon.weights.night}`);
    const later = blend.update(night, piece.transitionS + 30);
    assert.equal(later.name, 'night');
    assert.ok(later.weights.night > 0.9);
    assert.ok(Math.abs(later.paceScale - piece.movements.night.paceScale) < 0.05, 'night pace after the transition');
  });

  it('night thins and slows what the model asks for; noon lifts it', () => {
    const piece = defaultPiece();
    const c = controlsFrom({}, 0.5);
    const night = shapeControls(c, piece.movements.night);
    const noon = shapeControls(c, piece.movements.noon);
    assert.ok(night.pace < c.pace && night.layers.solo.density < c.layers.solo.density);
    assert.ok(noon.layers.pad.register > night.layers.pad.register);
  });

  it('a night hour of the same controls sings fewer notes, lower, than a noon hour', () => {
    const run = (moment: { sunElevationDeg: number; localHour: number; season: number }): VoiceStart[] => {
      const conductor = new Conductor({ seed: 4, samples: SHIPPED_SAMPLES });
      const out: VoiceStart[] = [];
      for (let t = 0; t < 1200; t += 0.5) {
        for (const d of conductor.plan({ fromS: t, toS: t + 0.5, controls: controlsFrom({}, 0.5), events: [], rain: 0, moment })) {
          if (d.type === 'start') out.push(d);
        }
      }
      return out;
    };
    const night = run({ sunElevationDeg: -30, localHour: 2, season: 0 });
    const noon = run({ sunElevationDeg: 45, localHour: 12.5, season: 0 });
    const mean = (xs: VoiceStart[]): number => xs.reduce((a, v) => a + v.midi, 0) / xs.length;
    assert.ok(night.length < noon.length * 0.8, `night ${night.length} notes, noon ${noon.length}`);
    assert.ok(mean(night) < mean(noon) - 2, `night mean pitch ${mean(night).toFixed(1)}, noon ${mean(noon).toFixed(1)}`);
  });
});

describe('motif families', () => {
  it('a shuffle bag plays every variant once a round and never twice in a row', () => {
    const bag = new ShuffleBag(['a', 'b', 'c', 'd']);
    const rng = createRng(3);
    const seq = Array.from({ length: 400 }, () => bag.next(rng));
    for (let round = 0; round < 100; round++) assert.deepEqual(seq.slice(round * 4, round * 4 + 4).sort(), ['a', 'b', 'c', 'd']);
    for (let i = 1; i < seq.length; i++) assert.notEqual(seq[i], seq[i - 1], `repeat at ${i}`);
  });

  it('successive flocks are answered by different motifs of the flock family', () => {
    const conductor = new Conductor({ seed: 8, samples: SHIPPED_SAMPLES });
    for (let t = 0; t < 300; t += 0.5) {
      const events = t % 30 === 0 ? [{ kind: 'flock' as const, confidence: 0.9, count: 60, headingDeg: 90 }] : [];
      conductor.plan({ fromS: t, toS: t + 0.5, controls: controlsFrom({}, 0.5), events, rain: 0 });
    }
    const played = conductor.motifsPlayed.filter((m) => m.kind === 'flock').map((m) => m.motif);
    assert.equal(played.length, 10);
    assert.equal(new Set(played.slice(0, 5)).size, 5, `the first round plays all five: ${played.join(', ')}`);
    for (let i = 1; i < played.length; i++) assert.notEqual(played[i], played[i - 1]);
  });
});

it('a cold start at night begins in the night movement, not at the noon shown before the first plan', () => {
  const blend = new MovementBlend(defaultPiece());
  blend.preview(NOON_MOMENT);
  const night = blend.update({ ...NOON_MOMENT, localHour: 2, sunElevationDeg: -40 }, 0);
  assert.equal(night.name, 'night');
  assert.equal(night.weights.night, 1);
});
