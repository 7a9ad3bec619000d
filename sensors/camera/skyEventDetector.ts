/**
 * From moving blobs to sky events: flocks, aircraft, single birds.
 *
 * Each frame the blobs are grouped by single linkage (blobs closer than `flockLinkPx`
 * belong together). A group of several blobs is followed as one object by a group
 * tracker; the remaining blobs are followed one by one. Then:
 * - flock: a group seen for a while with a median of at least `flockMinCount` members;
 *   it moves as one (the group's centre is what is tracked), heading from its centre.
 * - aircraft: one small blob whose track is long, straight (small residual from its
 *   best-fit line, path length close to displacement) and steady in speed.
 * - bird: one small blob whose track ended without looking like an aircraft: short, or
 *   wandering, or changing speed.
 * Single tracks near a flock belong to the flock (stragglers), never to a bird or an
 * aircraft. Each track reports at most once, and each kind has a cool-down, so one
 * passing flock is one event.
 */
import type { Blob } from './motionDetector.ts';
import { ObjectTracker, trackShape, type Track, type TrackPoint, type TrackShape } from './objectTracker.ts';

export type CameraEventKind = 'flock' | 'aircraft' | 'bird';

export interface CameraSkyEvent {
  kind: CameraEventKind;
  atMs: number;
  confidence: number;
  count: number;
  /** 0 = up (north in the image), 90 = right (east in the image). */
  headingDeg: number;
  /** Mean blob area of one object, pixels at the analysis resolution. */
  sizePx: number;
}

export interface SkyEventOptions {
  /** Blobs closer than this fraction of the width are one group. */
  flockLinkFraction?: number;
  /** A flock has at least this many members (median over its track). */
  flockMinCount?: number;
  /** A flock must be followed at least this long. */
  flockMinS?: number;
  /** An aircraft track is at least this long... */
  aircraftMinS?: number;
  /** ...this straight (displacement / path length)... */
  aircraftMinStraightness?: number;
  /** ...this close to a line (RMS, fraction of the displacement, floor 1.5 px)... */
  aircraftMaxLineRms?: number;
  /** ...this steady in speed (coefficient of variation)... */
  aircraftMaxSpeedVariation?: number;
  /** ...and travels at least this fraction of the width. */
  aircraftMinTravelFraction?: number;
  /** Flocks and birds travel at least this fraction of the width while tracked. */
  minTravelFraction?: number;
  /**
   * Nothing slower than this (frame widths per second) is an event: small cloud features
   * drift too. Low clouds cross a 90-degree view at about 0.006 widths/s (10 m/s at 1 km);
   * a jet at 10 km overhead at about 0.015. Raise it for wide lenses or slow clouds.
   */
  minSpeedFraction?: number;
  /**
   * Birds and aircraft are seen in at least this fraction of the frames of their track;
   * chains of flickering cloud texture that the tracker strings together are not.
   */
  minSeenFraction?: number;
  /** A bird track has at least this many points. */
  birdMinPoints?: number;
  /** Seconds between two events of the same kind. */
  cooldownS?: Partial<Record<CameraEventKind, number>>;
}

export const SKY_EVENT_DEFAULTS = {
  flockLinkFraction: 0.1,
  flockMinCount: 5,
  flockMinS: 1.5,
  aircraftMinS: 3,
  aircraftMinStraightness: 0.92,
  aircraftMaxLineRms: 0.04,
  aircraftMaxSpeedVariation: 0.3,
  aircraftMinTravelFraction: 0.06,
  minTravelFraction: 0.05,
  minSpeedFraction: 0.015,
  minSeenFraction: 0.75,
  birdMinPoints: 4,
  cooldownS: { flock: 20, aircraft: 20, bird: 6 },
} as const;

/** Groups of blobs by single linkage (union-find over all pairs; a frame has few blobs). */
export function groupBlobs(blobs: readonly Blob[], linkPx: number): Blob[][] {
  const parent = blobs.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  for (let i = 0; i < blobs.length; i++) {
    for (let j = i + 1; j < blobs.length; j++) {
      const a = blobs[i] as Blob;
      const b = blobs[j] as Blob;
      if (Math.hypot(a.x - b.x, a.y - b.y) <= linkPx) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, Blob[]>();
  blobs.forEach((b, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(b);
    else groups.set(root, [b]);
  });
  return [...groups.values()];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : (s[Math.floor((s.length - 1) / 2)] as number);
};

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

export class SkyEventDetector {
  private readonly options: Required<Omit<SkyEventOptions, 'cooldownS'>> & { cooldownS: Record<CameraEventKind, number> };
  private singles: ObjectTracker | undefined;
  private groups: ObjectTracker | undefined;
  private linkPx = 0;
  private width = 0;
  private readonly lastEventMs: Record<CameraEventKind, number> = { flock: -Infinity, aircraft: -Infinity, bird: -Infinity };
  /** Where and when flocks were last seen, to tell stragglers from single birds. */
  private flockSightings: { atMs: number; x: number; y: number }[] = [];
  /** Where reported aircraft were last seen: a track that picks one up again is not a bird. */
  private aircraftSightings: { atMs: number; x: number; y: number }[] = [];

  constructor(options: SkyEventOptions = {}) {
    const { cooldownS, ...rest } = options;
    this.options = {
      ...SKY_EVENT_DEFAULTS,
      ...rest,
      cooldownS: { ...SKY_EVENT_DEFAULTS.cooldownS, ...cooldownS },
    };
  }

  /** Feeds one frame's blobs; returns the events it completes. */
  update(blobs: readonly Blob[], width: number, atMs: number): CameraSkyEvent[] {
    if (!this.singles || !this.groups || width !== this.width) {
      this.width = width;
      this.linkPx = this.options.flockLinkFraction * width;
      this.singles = new ObjectTracker({ baseGatePx: 0.04 * width, maxGapS: 1, maxPoints: 400 });
      this.groups = new ObjectTracker({ baseGatePx: 1.5 * this.linkPx, maxGapS: 1.5, maxPoints: 400 });
    }
    const groupMin = Math.max(3, this.options.flockMinCount - 2);
    const lone: Blob[] = [];
    const clusters: { x: number; y: number; size: number; area: number }[] = [];
    for (const group of groupBlobs(blobs, this.linkPx)) {
      if (group.length >= groupMin) {
        const n = group.length;
        clusters.push({
          x: group.reduce((s, b) => s + b.x, 0) / n,
          y: group.reduce((s, b) => s + b.y, 0) / n,
          size: n,
          area: group.reduce((s, b) => s + b.area, 0) / n,
        });
      } else lone.push(...group);
    }
    const events: CameraSkyEvent[] = [];
    const endedGroups = this.groups.update(clusters.map((c) => ({ x: c.x, y: c.y, size: c.size })), atMs);
    for (const track of [...this.groups.active(), ...endedGroups]) {
      const e = this.flockEvent(track);
      if (e) events.push(e);
    }
    // Where confirmed flocks are now, to tell their stragglers from single birds.
    for (const track of this.groups.active()) {
      const last = track.points[track.points.length - 1];
      if (track.reported && last && last.atMs === atMs) this.flockSightings.push({ atMs, x: last.x, y: last.y });
    }
    this.flockSightings = this.flockSightings.filter((s) => atMs - s.atMs <= 4000);
    const endedSingles = this.singles.update(lone.map((b) => ({ x: b.x, y: b.y, size: b.area })), atMs);
    for (const track of this.singles.active()) {
      const e = this.aircraftEvent(track);
      if (e) events.push(e);
    }
    for (const track of this.singles.active()) {
      const last = track.points[track.points.length - 1];
      if (track.reported && last && last.atMs === atMs) this.aircraftSightings.push({ atMs, x: last.x, y: last.y });
    }
    this.aircraftSightings = this.aircraftSightings.filter((s) => atMs - s.atMs <= 3000);
    for (const track of endedSingles) {
      const e = this.aircraftEvent(track) ?? this.birdEvent(track);
      if (e) events.push(e);
    }
    return events.filter((e) => this.admit(e));
  }

  /** Ends every track (end of a clip) and returns what they complete. */
  flush(atMs: number): CameraSkyEvent[] {
    const events: CameraSkyEvent[] = [];
    for (const track of this.groups?.flush() ?? []) {
      const e = this.flockEvent(track);
      if (e) events.push(e);
    }
    for (const track of this.singles?.flush() ?? []) {
      const e = this.aircraftEvent(track) ?? this.birdEvent(track);
      if (e) events.push(e);
    }
    return events.filter((e) => this.admit({ ...e, atMs: Math.max(e.atMs, atMs) }));
  }

  private admit(e: CameraSkyEvent): boolean {
    if (e.atMs - this.lastEventMs[e.kind] < this.options.cooldownS[e.kind] * 1000) return false;
    this.lastEventMs[e.kind] = e.atMs;
    return true;
  }

  private flockEvent(track: Track): CameraSkyEvent | undefined {
    if (track.reported || track.points.length < 3) return undefined;
    const shape = trackShape(track.points, 0.5);
    const count = median(track.points.map((p) => p.size));
    if (shape.durationS < this.options.flockMinS || count < this.options.flockMinCount) return undefined;
    // A flock travels; a cluster that stays put is flicker along a cloud edge.
    if (shape.displacementPx < this.options.minTravelFraction * this.width || !this.fastEnough(shape)) return undefined;
    track.reported = true;
    return {
      kind: 'flock',
      atMs: track.lastMs,
      confidence: clamp01(0.45 + 0.03 * count + 0.05 * shape.durationS),
      count: Math.round(count),
      headingDeg: shape.headingDeg,
      sizePx: 0,
    };
  }

  private fastEnough(shape: TrackShape): boolean {
    return shape.displacementPx / Math.max(0.25, shape.durationS) >= this.options.minSpeedFraction * this.width;
  }

  private nearFlock(track: Track): boolean {
    const reach = 3 * this.linkPx;
    return track.points.some((p) =>
      this.flockSightings.some((s) => Math.abs(s.atMs - p.atMs) <= 1500 && Math.hypot(s.x - p.x, s.y - p.y) <= reach),
    );
  }

  /** A track that starts where a reported aircraft was just seen is that aircraft again. */
  private continuesAircraft(track: Track): boolean {
    const first = track.points[0] as TrackPoint;
    const reach = 0.15 * this.width;
    return this.aircraftSightings.some((s) => first.atMs - s.atMs <= 3000 && Math.hypot(s.x - first.x, s.y - first.y) <= reach);
  }

  private seenSteadily(track: Track): boolean {
    return track.points.length >= this.options.minSeenFraction * track.frames;
  }

  private aircraftEvent(track: Track): CameraSkyEvent | undefined {
    if (track.reported || track.points.length < 6) return undefined;
    const o = this.options;
    const shape = trackShape(track.points);
    if (shape.durationS < o.aircraftMinS) return undefined;
    const straightness = shape.pathPx > 0 ? shape.displacementPx / shape.pathPx : 0;
    const straight = straightness >= o.aircraftMinStraightness;
    const onLine = shape.lineRmsPx <= Math.max(1.5, o.aircraftMaxLineRms * shape.displacementPx);
    const steady = shape.speedVariation <= o.aircraftMaxSpeedVariation;
    const travelled = shape.displacementPx >= o.aircraftMinTravelFraction * this.width;
    if (!(straight && onLine && steady && travelled) || !this.fastEnough(shape) || !this.seenSteadily(track)) return undefined;
    if (this.nearFlock(track) || this.continuesAircraft(track)) return undefined;
    track.reported = true;
    return {
      kind: 'aircraft',
      atMs: track.lastMs,
      confidence: clamp01(0.5 + 0.1 * shape.durationS) * clamp01(1.5 * straightness - 0.45),
      count: 1,
      headingDeg: shape.headingDeg,
      sizePx: median(track.points.map((p) => p.size)),
    };
  }

  private birdEvent(track: Track): CameraSkyEvent | undefined {
    if (track.reported || track.points.length < this.options.birdMinPoints) return undefined;
    const shape = trackShape(track.points, 0.5);
    // Something that did not move is noise or a star, not a bird.
    if (shape.displacementPx < this.options.minTravelFraction * this.width || !this.fastEnough(shape)) return undefined;
    if (!this.seenSteadily(track) || this.nearFlock(track) || this.continuesAircraft(track)) return undefined;
    track.reported = true;
    return {
      kind: 'bird',
      atMs: track.lastMs,
      confidence: clamp01(0.45 + 0.1 * shape.durationS),
      count: 1,
      headingDeg: shape.headingDeg,
      sizePx: median(track.points.map((p) => p.size)),
    };
  }
}
