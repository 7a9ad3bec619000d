/**
 * Movements of the day. Which one the sky is in follows the sun, not the clock, so dawn
 * comes earlier in summer: night below -12 degrees (astronomical twilight), dawn and dusk
 * between -12 and +8 degrees (before and after noon), then morning, noon, afternoon by
 * the local hour. Changes are never abrupt: the numeric character of the movement glides
 * over the piece's transition time; its colours (modes, sample tags) follow the dominant one.
 */
import type { Controls, LayerName } from '../model/controlVector.ts';
import { LAYERS } from '../model/controlVector.ts';
import { MOVEMENTS, type Movement, type MovementName, type Piece } from './piece.ts';

/** Where in the day and the year the sky is. */
export interface SkyMoment {
  sunElevationDeg: number;
  /** Hours since local midnight, 0..24. */
  localHour: number;
  /** 1 at midsummer, -1 at midwinter (for the site's hemisphere). */
  season: number;
}

export const NOON_MOMENT: SkyMoment = { sunElevationDeg: 45, localHour: 12.5, season: 0 };

export function movementAt(m: SkyMoment): MovementName {
  if (m.sunElevationDeg < -12) return 'night';
  if (m.sunElevationDeg < 8) return m.localHour < 12 ? 'dawn' : 'dusk';
  if (m.localHour < 11) return 'morning';
  if (m.localHour < 14) return 'noon';
  return 'afternoon';
}

export interface BlendedMovement extends Movement {
  name: MovementName;
  weights: Record<MovementName, number>;
}

export class MovementBlend {
  private readonly piece: Piece;
  private weights: Record<MovementName, number> | undefined;
  private lastS = 0;

  constructor(piece: Piece) {
    this.piece = piece;
  }

  /**
   * Moves the blend towards the movement of this moment, as of audio time nowS: the one
   * the sun says, unless the curator's schedule names one for this local hour.
   */
  update(moment: SkyMoment, nowS: number, schedule?: readonly (MovementName | 'sun')[]): BlendedMovement {
    const pinned = schedule?.[Math.min(23, Math.max(0, Math.floor(moment.localHour)))];
    const target = pinned && pinned !== 'sun' ? pinned : movementAt(moment);
    if (!this.weights) {
      // The first moment is taken as it is: a cold start begins in the right movement.
      this.weights = Object.fromEntries(MOVEMENTS.map((m) => [m, m === target ? 1 : 0])) as Record<MovementName, number>;
    } else {
      // Exponential glide: ~95% of the way after transitionS (three time constants).
      const a = 1 - Math.exp(-(Math.max(0, nowS - this.lastS) * 3) / this.piece.transitionS);
      for (const m of MOVEMENTS) this.weights[m] += ((m === target ? 1 : 0) - this.weights[m]) * a;
    }
    this.lastS = nowS;
    return this.blend(this.weights);
  }

  /**
   * The movement of a moment, without taking it as the first: what the conductor shows
   * before it has planned anything, so the first real moment still starts the blend (a
   * cold start at night must not begin at a made-up noon and glide for minutes).
   */
  preview(moment: SkyMoment): BlendedMovement {
    const target = movementAt(moment);
    return this.blend(Object.fromEntries(MOVEMENTS.map((m) => [m, m === target ? 1 : 0])) as Record<MovementName, number>);
  }

  private blend(w: Record<MovementName, number>): BlendedMovement {
    let dominant: MovementName = 'noon';
    for (const m of MOVEMENTS) if (w[m] > w[dominant]) dominant = m;
    const mix = (key: 'registerShift' | 'paceScale' | 'densityScale' | 'soloActivity'): number =>
      MOVEMENTS.reduce((sum, m) => sum + w[m] * this.piece.movements[m][key], 0);
    const main = this.piece.movements[dominant];
    return {
      ...main,
      name: dominant,
      weights: { ...w },
      registerShift: mix('registerShift'),
      paceScale: mix('paceScale'),
      densityScale: mix('densityScale'),
      soloActivity: mix('soloActivity'),
    };
  }
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/**
 * The model's controls as the movement shapes them: register shifted (about 14 semitones
 * per unit of register), density and pace scaled, the solo thinned or freed.
 */
export function shapeControls(controls: Controls, movement: Movement): Controls {
  const layers = {} as Controls['layers'];
  for (const layer of LAYERS as readonly LayerName[]) {
    const c = controls.layers[layer];
    layers[layer] = {
      ...c,
      register: clamp01(c.register + movement.registerShift / 14),
      density: clamp01(c.density * movement.densityScale * (layer === 'solo' ? movement.soloActivity : 1)),
    };
  }
  return { layers, tension: controls.tension, pace: clamp01(controls.pace * movement.paceScale) };
}
