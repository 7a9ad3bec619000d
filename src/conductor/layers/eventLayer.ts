/**
 * The event layer: the choir answers what passes through the sky. Each event kind has a
 * motif: a bird a short call, a flock a quick rising figure, an aircraft a slow swell that
 * travels across the stereo field; rain scatters soft short notes like drops.
 */
import { scaleNotes } from '../harmony.ts';
import { lerp, sing, type LayerContext, type LayerPlanner } from '../layerContext.ts';
import type { Rng } from '../rng.ts';
import type { SkyEventKind } from '../../ingest/sensorMessage.ts';

export interface HeardEvent {
  kind: SkyEventKind;
  confidence: number;
  count: number;
  headingDeg: number | undefined;
}

/** Two motifs of the same kind closer than this merge into one (a flock seen twice). */
const MIN_GAP_S: Partial<Record<SkyEventKind, number>> = { bird: 2, flock: 6, aircraft: 25 };

export class EventLayer implements LayerPlanner {
  private pending: HeardEvent[] = [];
  private lastMotifAt = new Map<SkyEventKind, number>();
  private nextDropAt = 0;
  /** Rain rate 0..1 (the precipitation feature), set by the conductor each window. */
  rain = 0;

  hear(events: readonly HeardEvent[]): void {
    this.pending.push(...events);
    if (this.pending.length > 32) this.pending.splice(0, this.pending.length - 32);
  }

  plan(ctx: LayerContext, rng: Rng): void {
    const events = this.pending;
    this.pending = [];
    for (const e of events) {
      const last = this.lastMotifAt.get(e.kind) ?? -Infinity;
      const t = ctx.fromS + rng.range(0, Math.max(0.01, ctx.toS - ctx.fromS));
      if (t - last < (MIN_GAP_S[e.kind] ?? 4)) continue;
      this.lastMotifAt.set(e.kind, t);
      if (e.kind === 'flock') this.flock(ctx, rng, t, e);
      else if (e.kind === 'aircraft') this.aircraft(ctx, rng, t, e);
      else this.call(ctx, rng, t, e);
    }
    this.rainDrops(ctx, rng);
  }

  private flock(ctx: LayerContext, rng: Rng, t: number, e: HeardEvent): void {
    const { register, density } = ctx.controls.layers.events;
    const scale = scaleNotes(ctx.key, lerp(62, 70, register), lerp(80, 88, register));
    const size = Math.min(scale.length, 4 + Math.round(density * 4 + Math.log2(e.count) / 2));
    const step = lerp(0.28, 0.12, ctx.controls.pace);
    const from = rng.range(-0.9, -0.3);
    const to = -from;
    const start = rng.int(Math.max(1, scale.length - size));
    // Jitter each gap, not each note's offset: i * step * jitter let a higher note land
    // before a lower one from the 4th note on, so the figure did not rise.
    let at = t;
    for (let i = 0; i < size; i++) {
      const gap = step * rng.range(0.8, 1.2);
      if (i > 0) at += gap;
      sing(ctx, 'events', {
        time: at,
        midi: scale[start + i] ?? scale.at(-1) ?? 72,
        tags: ['ooh'],
        gainDb: 0 + 4 * e.confidence,
        pan: lerp(from, to, i / Math.max(1, size - 1)),
        attackS: 0.06,
        holdS: 0.35,
        releaseS: 1.4,
      });
    }
  }

  private aircraft(ctx: LayerContext, rng: Rng, t: number, e: HeardEvent): void {
    const { register } = ctx.controls.layers.events;
    const root = ctx.chord.pcs[0] ?? 0;
    const base = Math.round(lerp(50, 60, register));
    const notes = [0, 7, 14].map((iv) => base + ((((root - base) % 12) + 12) % 12) + iv);
    // The swell travels across the field along the aircraft's heading (east = right).
    const heading = e.headingDeg ?? rng.range(0, 360);
    const east = Math.sin((heading * Math.PI) / 180);
    notes.forEach((midi, i) => {
      sing(ctx, 'events', {
        time: t + i * 0.8,
        midi,
        tags: ['aah'],
        gainDb: -2 + 3 * e.confidence,
        pan: -0.8 * east,
        panTo: 0.8 * east,
        attackS: 6,
        holdS: 4,
        releaseS: 8,
      });
    });
  }

  private call(ctx: LayerContext, rng: Rng, t: number, e: HeardEvent): void {
    const { register } = ctx.controls.layers.events;
    const scale = scaleNotes(ctx.key, lerp(70, 76, register), lerp(82, 88, register));
    const first = rng.pick(scale.length > 0 ? scale : [76]);
    const second = scale[scale.indexOf(first) + rng.pick([-2, 1, 2])] ?? first;
    const pan = rng.range(-0.8, 0.8);
    [first, second].forEach((midi, i) => {
      sing(ctx, 'events', {
        time: t + i * 0.22,
        midi,
        tags: ['ooh'],
        gainDb: -4 + 3 * e.confidence,
        pan,
        attackS: 0.05,
        holdS: 0.15,
        releaseS: 0.9,
      });
    });
  }

  /** Rain: soft, short, scattered notes, more as it rains harder. */
  private rainDrops(ctx: LayerContext, rng: Rng): void {
    if (this.rain < 0.05) {
      this.nextDropAt = ctx.toS;
      return;
    }
    const perSecond = this.rain * lerp(0.5, 3, ctx.controls.layers.events.density);
    const scale = scaleNotes(ctx.key, 62, 86);
    this.nextDropAt = Math.max(this.nextDropAt, ctx.fromS);
    while (this.nextDropAt < ctx.toS && scale.length > 0) {
      sing(ctx, 'events', {
        time: this.nextDropAt,
        midi: rng.pick(scale),
        tags: ['ooh'],
        gainDb: -10 + rng.range(-4, 2),
        pan: rng.range(-1, 1),
        attackS: 0.03,
        holdS: 0.08,
        releaseS: 0.7,
      });
      // Exponential gaps: drops arrive as a Poisson process.
      this.nextDropAt += -Math.log(1 - rng.next()) / perSecond;
    }
  }
}
