/**
 * The event layer: the choir answers what passes through the sky. Each event kind has a
 * family of motifs in the piece (pieces/default.json), played without repeating: a flock
 * a quick figure sweeping across the field, an aircraft a slow swell that travels along
 * its heading, sunrise a rising hymn. Rain also scatters soft short notes like drops,
 * as long as it rains.
 */
import { surroundAzimuth } from '../../audio/speakerLayout.ts';
import { scaleNotes, nearestWithPc } from '../harmony.ts';
import { lerp, sing, type LayerContext, type LayerPlanner } from '../layerContext.ts';
import type { Rng } from '../rng.ts';
import type { SkyEventKind } from '../../ingest/sensorMessage.ts';
import type { MotifVariant, Piece } from '../piece.ts';
import { ShuffleBag } from '../shuffleBag.ts';

export interface HeardEvent {
  kind: SkyEventKind;
  confidence: number;
  count: number;
  headingDeg: number | undefined;
}

/** Two motifs of the same kind closer than this merge into one (a flock seen twice). */
const MIN_GAP_S: Partial<Record<SkyEventKind, number>> = { bird: 2, flock: 6, aircraft: 25, sunrise: 600, sunset: 600 };
/** Centre (MIDI) of each motif band at register 0; register 1 lifts it by 8 semitones. */
const BAND_CENTRE = { low: 48, mid: 60, high: 72 } as const;
/**
 * Motifs stay within these notes: above, even the highest sample would be played more
 * than an octave up (rate > 2), which thins the voice to a whistle.
 */
const MOTIF_TOP_MIDI = 86;
const MOTIF_BOTTOM_MIDI = 38;

export class EventLayer implements LayerPlanner {
  private pending: HeardEvent[] = [];
  private readonly lastMotifAt = new Map<SkyEventKind, number>();
  private readonly bags = new Map<SkyEventKind, ShuffleBag<MotifVariant>>();
  private readonly piece: Piece;
  private nextDropAt = 0;
  /** Rain rate 0..1 (the precipitation feature), set by the conductor each window. */
  rain = 0;
  /** The motifs played, by name, most recent last (for the panel and the tests). */
  readonly played: { kind: SkyEventKind; motif: string; atS: number }[] = [];

  constructor(piece: Piece) {
    this.piece = piece;
  }

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
      let bag = this.bags.get(e.kind);
      if (!bag) {
        bag = new ShuffleBag(this.piece.motifs[e.kind]);
        this.bags.set(e.kind, bag);
      }
      const variant = bag.next(rng);
      this.playMotif(ctx, rng, t, e, variant);
      this.played.push({ kind: e.kind, motif: variant.name, atS: t });
      if (this.played.length > 64) this.played.shift();
    }
    this.rainDrops(ctx, rng);
  }

  private playMotif(ctx: LayerContext, rng: Rng, t: number, e: HeardEvent, v: MotifVariant): void {
    const { register, density } = ctx.controls.layers.events;
    const centre = BAND_CENTRE[v.band] + register * 8;
    const scale = scaleNotes(ctx.key, MOTIF_BOTTOM_MIDI, MOTIF_TOP_MIDI);
    if (scale.length === 0) return;
    // Start on the chord tone nearest the band's centre, so the motif belongs to the harmony.
    const root = nearestWithPc(ctx.chord.pcs[rng.int(Math.min(3, ctx.chord.pcs.length))] ?? ctx.key.tonicPc, Math.round(centre));
    let startIndex = scale.findIndex((m) => m >= root);
    if (startIndex < 0) startIndex = scale.length - 1;
    // Denser music keeps more of a long motif; a big flock keeps more too.
    const keep = Math.min(v.steps.length, Math.max(2, Math.round(v.steps.length * (0.55 + 0.3 * density + 0.05 * Math.log2(e.count)))));
    const steps = v.steps.slice(0, keep);
    // Slide the whole motif down (or up) to fit inside the singable range.
    const highest = startIndex + Math.max(...steps);
    const lowest = startIndex + Math.min(...steps);
    if (highest > scale.length - 1) startIndex -= highest - (scale.length - 1);
    else if (lowest < 0) startIndex -= lowest;
    const gap = v.stepS * lerp(1.4, 0.6, ctx.controls.pace);
    const heading = e.headingDeg ?? rng.range(0, 360);
    const sweepFrom = rng.chance(0.5) ? -0.85 : 0.85;
    const stillPan = rng.range(-0.7, 0.7);
    // Around a ring of speakers a call or a sweep may come from behind; a stereo pair
    // hears the same pan either way (surroundAzimuth mirrors the back onto the front).
    const behind = rng.chance(0.5);
    let at = t;
    steps.forEach((step, i) => {
      if (i > 0) at += gap * rng.range(0.85, 1.15);
      const midi = scale[Math.min(scale.length - 1, Math.max(0, startIndex + step))] ?? root;
      const along = steps.length > 1 ? i / (steps.length - 1) : 0.5;
      let azimuthDeg = surroundAzimuth(stillPan, behind);
      let azimuthToDeg = azimuthDeg;
      if (v.travel === 'sweep') {
        // A flock crosses the room phrase by phrase: each note a little further along.
        azimuthDeg = surroundAzimuth(lerp(sweepFrom, -sweepFrom, along), behind);
        azimuthToDeg = azimuthDeg;
      } else if (v.travel === 'heading') {
        // An aircraft comes from behind its heading and leaves along it, going clockwise
        // round the room: heading east it crosses from the west (left), ahead of the
        // listener, to the east (right). Each swell note travels the whole way.
        azimuthDeg = heading + 180;
        azimuthToDeg = heading + 360;
      }
      sing(ctx, 'events', {
        time: at,
        midi,
        tags: v.tags,
        gainDb: v.gainDb + 4 * (e.confidence - 0.5),
        azimuthDeg,
        azimuthToDeg,
        attackS: v.attackS,
        holdS: v.noteS,
        releaseS: v.releaseS,
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
        azimuthDeg: rng.range(-180, 180), // anywhere around the room
        attackS: 0.03,
        holdS: 0.08,
        releaseS: 0.7,
      });
      // Exponential gaps: drops arrive as a Poisson process.
      this.nextDropAt += -Math.log(1 - rng.next()) / perSecond;
    }
  }
}
