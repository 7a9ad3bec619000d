/**
 * The solo line: one voice singing a stepwise melody in the mode, in phrases of a few
 * notes with breaths between. Pace sets note lengths; density sets how much it sings.
 */
import { scaleNotes, isInKey } from '../harmony.ts';
import { lerp, sing, type LayerContext, type LayerPlanner } from '../layerContext.ts';
import type { Rng } from '../rng.ts';

export class SoloLayer implements LayerPlanner {
  private nextAt = 6;
  private lastMidi: number | undefined;
  private notesLeftInPhrase = 0;

  plan(ctx: LayerContext, rng: Rng): void {
    while (this.nextAt < ctx.toS) {
      const t = Math.max(this.nextAt, ctx.fromS);
      const { register, density } = ctx.controls.layers.solo;
      const pace = ctx.controls.pace;
      if (this.notesLeftInPhrase <= 0) {
        // A breath between phrases, longer when the music is sparse and slow.
        const breath = lerp(14, 2, density) * lerp(1.4, 0.6, pace) * rng.range(0.6, 1.4);
        this.notesLeftInPhrase = 2 + rng.int(Math.round(lerp(3, 7, density)));
        this.nextAt = t + breath;
        continue;
      }
      const centre = lerp(60, 77, register);
      const scale = scaleNotes(ctx.key, centre - 7, centre + 7);
      const midi = this.nextNote(scale, ctx, rng);
      const length = lerp(4.5, 1.1, pace) * rng.range(0.75, 1.3);
      sing(ctx, 'solo', {
        time: t,
        midi,
        tags: ctx.movement.soloTags,
        gainDb: 2,
        pan: rng.range(-0.25, 0.25),
        attackS: Math.min(0.8, length * 0.35),
        holdS: length * 0.6,
        releaseS: Math.min(2.5, length),
      });
      this.lastMidi = midi;
      this.notesLeftInPhrase--;
      this.nextAt = t + length;
    }
  }

  /** Mostly steps, sometimes a leap to a chord tone; stays in range and in the key. */
  private nextNote(scale: number[], ctx: LayerContext, rng: Rng): number {
    if (scale.length === 0) return 60;
    const last = this.lastMidi !== undefined && isInKey(ctx.key, this.lastMidi) ? this.lastMidi : undefined;
    if (last === undefined || rng.chance(0.15)) {
      const chordTones = scale.filter((m) => ctx.chord.pcs.includes(((m % 12) + 12) % 12));
      return rng.pick(chordTones.length > 0 ? chordTones : scale);
    }
    let i = scale.findIndex((m) => m >= last);
    if (i < 0) i = scale.length - 1;
    const step = rng.pick([-2, -1, -1, 1, 1, 2, 0]);
    return scale[Math.min(scale.length - 1, Math.max(0, i + step))] ?? last;
  }
}
