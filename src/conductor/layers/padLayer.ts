/**
 * The pad: a sustained SATB choir on the current chord, re-voiced by voice leading at
 * each phrase. Pace sets how often the chord breathes; density adds doublings.
 */
import { surroundAzimuth } from '../../audio/speakerLayout.ts';
import { voiceLead, type VoiceRange } from '../harmony.ts';
import { lerp, sing, type LayerContext, type LayerPlanner } from '../layerContext.ts';
import type { Rng } from '../rng.ts';

/** SATB ranges (MIDI), shifted together by the register control (-5..+7 semitones). */
const SATB: readonly VoiceRange[] = [
  { lo: 40, hi: 55 },
  { lo: 48, hi: 62 },
  { lo: 55, hi: 69 },
  { lo: 60, hi: 76 },
];

/** The highest note the pad sings (E6). */
const PAD_TOP_MIDI = 88;

export class PadLayer implements LayerPlanner {
  private nextAt = 2;
  private voicing: number[] = [];
  /** Set by the conductor when the chord changes; the pad follows at its next breath. */
  phraseS = 12;

  plan(ctx: LayerContext, rng: Rng): void {
    while (this.nextAt < ctx.toS) {
      const t = Math.max(this.nextAt, ctx.fromS);
      const { register, density } = ctx.controls.layers.pad;
      const shift = Math.round(lerp(-5, 7, register));
      const ranges = SATB.map((r) => ({ lo: r.lo + shift, hi: r.hi + shift }));
      this.voicing = voiceLead(this.voicing, ctx.chord, ranges);
      const phrase = this.phraseS * rng.range(0.85, 1.15);
      const attack = Math.min(phrase * 0.4, lerp(4, 1.5, ctx.controls.pace));
      const release = Math.min(6, phrase * 0.5);
      const notes = [...this.voicing];
      // Density doubles the alto and soprano an octave below/above as more singers join.
      if (density > 0.5) notes.push((this.voicing[2] ?? 60) - 12);
      // ...but never above a high soprano's E6: at the top register an octave over the
      // soprano reached B6 and stretched the highest 'aah' sample (A5) beyond an octave.
      const doubledSoprano = (this.voicing[3] ?? 67) + 12;
      if (density > 0.75 && doubledSoprano <= PAD_TOP_MIDI) notes.push(doubledSoprano);
      notes.forEach((midi, i) => {
        sing(ctx, 'pad', {
          time: t + rng.range(0, 0.6),
          midi,
          tags: ctx.movement.padTags,
          gainDb: -1 - notes.length * 0.5,
          // Spread across a stereo pair; around a ring, alternate voices sing from behind.
          azimuthDeg: surroundAzimuth(lerp(-0.6, 0.6, i / Math.max(1, notes.length - 1)) + rng.range(-0.1, 0.1), i % 2 === 1),
          attackS: attack,
          holdS: Math.max(0.5, phrase - attack),
          releaseS: release,
        });
      });
      this.nextAt = t + phrase;
    }
  }
}
