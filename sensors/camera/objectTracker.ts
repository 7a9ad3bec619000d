/**
 * Tracks of moving things across frames: each new observation is given to the track
 * whose predicted position (last position + velocity x elapsed time) is nearest, within
 * a gate that widens with the track's speed; the rest start new tracks. This is the
 * greedy nearest-neighbour data association of the tracking literature (Bar-Shalom &
 * Li, "Multitarget-Multisensor Tracking: Principles and Techniques", 1995, ch. 6),
 * enough for a few objects at a time in an empty sky.
 */
export interface TrackPoint {
  atMs: number;
  x: number;
  y: number;
  /** Blob area (single objects) or member count (groups). */
  size: number;
}

export interface Track {
  id: number;
  points: TrackPoint[];
  /** Pixels per second. */
  vx: number;
  vy: number;
  lastMs: number;
  /** Frames seen since the track began, observed or not (points / frames = how steadily it is seen). */
  frames: number;
  /** Free for the classifier: set once the track has produced its event. */
  reported: boolean;
}

export interface Observation {
  x: number;
  y: number;
  size: number;
}

export interface TrackerOptions {
  /** Gate radius for a track with no velocity yet, pixels. */
  baseGatePx: number;
  /** A track not seen for this long has ended. */
  maxGapS: number;
  /** Longest history kept per track (points). */
  maxPoints?: number;
}

export class ObjectTracker {
  private readonly tracks: Track[] = [];
  private nextId = 1;
  private readonly options: TrackerOptions;

  constructor(options: TrackerOptions) {
    this.options = options;
  }

  active(): readonly Track[] {
    return this.tracks;
  }

  /** Adds this frame's observations; returns the tracks that ended. */
  update(observations: readonly Observation[], atMs: number): Track[] {
    for (const track of this.tracks) track.frames++;
    const pairs: { d: number; t: number; o: number }[] = [];
    this.tracks.forEach((track, t) => {
      const dtS = (atMs - track.lastMs) / 1000;
      const last = track.points[track.points.length - 1] as TrackPoint;
      const px = last.x + track.vx * dtS;
      const py = last.y + track.vy * dtS;
      const step = Math.hypot(track.vx, track.vy) * dtS;
      const gate = this.options.baseGatePx + 0.5 * step;
      observations.forEach((obs, o) => {
        const d = Math.hypot(obs.x - px, obs.y - py);
        if (d <= gate) pairs.push({ d, t, o });
      });
    });
    pairs.sort((a, b) => a.d - b.d);
    const trackTaken = new Set<number>();
    const obsTaken = new Set<number>();
    for (const { t, o } of pairs) {
      if (trackTaken.has(t) || obsTaken.has(o)) continue;
      trackTaken.add(t);
      obsTaken.add(o);
      const track = this.tracks[t] as Track;
      const obs = observations[o] as Observation;
      const last = track.points[track.points.length - 1] as TrackPoint;
      const dtS = Math.max(1e-3, (atMs - last.atMs) / 1000);
      const vx = (obs.x - last.x) / dtS;
      const vy = (obs.y - last.y) / dtS;
      // Velocity smoothed over a few frames: steady for aircraft, still quick for birds.
      const k = track.points.length === 1 ? 1 : 0.5;
      track.vx += k * (vx - track.vx);
      track.vy += k * (vy - track.vy);
      track.points.push({ atMs, x: obs.x, y: obs.y, size: obs.size });
      if (this.options.maxPoints && track.points.length > this.options.maxPoints) track.points.shift();
      track.lastMs = atMs;
    }
    observations.forEach((obs, o) => {
      if (obsTaken.has(o)) return;
      this.tracks.push({
        id: this.nextId++,
        points: [{ atMs, x: obs.x, y: obs.y, size: obs.size }],
        vx: 0,
        vy: 0,
        lastMs: atMs,
        frames: 1,
        reported: false,
      });
    });
    const ended: Track[] = [];
    for (let t = this.tracks.length - 1; t >= 0; t--) {
      const track = this.tracks[t] as Track;
      if (atMs - track.lastMs > this.options.maxGapS * 1000) {
        ended.push(track);
        this.tracks.splice(t, 1);
      }
    }
    return ended.reverse();
  }

  /** Ends every track (at the end of a clip). */
  flush(): Track[] {
    return this.tracks.splice(0, this.tracks.length);
  }
}

export interface TrackShape {
  durationS: number;
  /** Straight-line distance first to last, pixels. */
  displacementPx: number;
  /** Path length over points resampled about every `resampleS`, pixels. */
  pathPx: number;
  /** RMS distance of the points from the best-fit line, pixels. */
  lineRmsPx: number;
  /** Mean and coefficient of variation of speed over the resampled steps. */
  meanSpeedPxPerS: number;
  speedVariation: number;
  /** 0 = up the image, 90 = right, from first to last point. */
  headingDeg: number;
}

export function headingDegOf(dx: number, dy: number): number {
  const deg = (Math.atan2(dx, -dy) * 180) / Math.PI;
  return (deg + 360) % 360;
}

export function trackShape(points: readonly TrackPoint[], resampleS = 1): TrackShape {
  const first = points[0] as TrackPoint;
  const last = points[points.length - 1] as TrackPoint;
  const durationS = (last.atMs - first.atMs) / 1000;
  const dx = last.x - first.x;
  const dy = last.y - first.y;
  const displacementPx = Math.hypot(dx, dy);

  const samples: TrackPoint[] = [first];
  for (const p of points) {
    if (p.atMs - (samples[samples.length - 1] as TrackPoint).atMs >= resampleS * 1000) samples.push(p);
  }
  if (samples[samples.length - 1] !== last && samples.length > 1 && last.atMs - (samples[samples.length - 1] as TrackPoint).atMs >= resampleS * 500) {
    samples.push(last);
  }
  let pathPx = 0;
  const speeds: number[] = [];
  for (let k = 1; k < samples.length; k++) {
    const a = samples[k - 1] as TrackPoint;
    const b = samples[k] as TrackPoint;
    const d = Math.hypot(b.x - a.x, b.y - a.y);
    pathPx += d;
    speeds.push(d / Math.max(1e-3, (b.atMs - a.atMs) / 1000));
  }
  const meanSpeed = speeds.length ? speeds.reduce((s, v) => s + v, 0) / speeds.length : 0;
  const sd = speeds.length
    ? Math.sqrt(speeds.reduce((s, v) => s + (v - meanSpeed) ** 2, 0) / speeds.length)
    : 0;

  // Principal axis of the points: the best-fit line in the total-least-squares sense.
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const trace = sxx + syy;
  const det = sxx * syy - sxy * sxy;
  const minorEigen = trace / 2 - Math.sqrt(Math.max(0, (trace * trace) / 4 - det));
  const lineRmsPx = Math.sqrt(Math.max(0, minorEigen) / n);

  return {
    durationS,
    displacementPx,
    pathPx,
    lineRmsPx,
    meanSpeedPxPerS: meanSpeed,
    speedVariation: meanSpeed > 0 ? sd / meanSpeed : 0,
    headingDeg: headingDegOf(dx, dy),
  };
}
