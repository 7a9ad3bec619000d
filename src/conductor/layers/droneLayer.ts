/**
 * The drone: the tonic and its fifth, low and sustained, renewed with long crossfades.
 * It never stops, so the lobby never hears silence between phrases.
 */
import { surroundAzimuth } from '../../audio/speakerLayout.ts';
import { nearestWithPc, degreePc } from '../harmony.ts';
import { lerp, sing, type LayerContext, type LayerPlanner } from '../layerContext.ts';
import type { Rng } from '../rng.ts';

/** Each drone note lasts this long before the next takes over (crossfading). */
const RENEW_S = 36;
const CROSSFADE_S = 8;
/** The very first entrance is quicker, so a cold start is heard within a few seconds. */
const FIRST_ENTRANCE_S = 1.5;

export class DroneLayer implements LayerPlanner {
  private nextAt = 0;

  plan(ctx: LayerContext, rng: Rng): void {
    while (this.nextAt < ctx.toS) {
      const t = Math.max(this.nextAt, ctx.fromS);
      const { register, density } = ctx.controls.layers.drone;
      const centre = Math.round(lerp(38, 50, register));
      const root = nearestWithPc(ctx.key.tonicPc, centre);
      const notes = [root, nearestWithPc(degreePc(ctx.key, 4), root + 7)];
      if (density > 0.6) notes.push(root + 12);
      const hold = RENEW_S + rng.range(-4, 4);
      const attack = this.nextAt === 0 ? FIRST_ENTRANCE_S : CROSSFADE_S;
      notes.forEach((midi, i) => {
        sing(ctx, 'drone', {
          time: t + i * 0.7,
          midi,
          tags: ctx.movement.droneTags,
          gainDb: i === 0 ? 5 : 1,
          // Near the middle of a stereo pair; around a ring, the bed alternates ahead and behind.
          azimuthDeg: surroundAzimuth(rng.range(-0.3, 0.3), i % 2 === 1),
          attackS: attack,
          holdS: hold - attack,
          releaseS: CROSSFADE_S,
        });
      });
      this.nextAt = t + hold;
    }
  }
}
