/**
 * Where the speakers are, and how a position among them becomes speaker gains. Pure: no
 * audio here (the graph builds its nodes from these numbers).
 *
 * Speakers are placed in metres on the floor plan, from the middle of the room: x to the
 * right (east), y ahead (north). A sound's position is an azimuth seen from the middle:
 * 0 deg ahead, 90 right, 180 behind, -90 (= 270) left. A position sounds from the two
 * speakers either side of it around the ring, with constant-power gains (pairwise
 * amplitude panning, VBAP in 2-D: Pulkki 1997, with the sine/cosine law). With the
 * default pair at -90 and 90 this is exactly the equal-power law of a StereoPannerNode
 * fed pan = azimuth / 90.
 */

export interface Speaker {
  name: string;
  x: number;
  y: number;
}

/** The default: a stereo pair, left and right of the listener. */
export const STEREO_SPEAKERS: readonly Speaker[] = [
  { name: 'left', x: -2, y: 0 },
  { name: 'right', x: 2, y: 0 },
];

/** Eight speakers in a ring of radius 4 m, the first ahead, going clockwise. */
export function ringOfSpeakers(count: number, radiusM = 4): Speaker[] {
  return Array.from({ length: count }, (_, i) => {
    const a = (2 * Math.PI * i) / count;
    return { name: `ring-${i + 1}`, x: round3(radiusM * Math.sin(a)), y: round3(radiusM * Math.cos(a)) };
  });
}

export const MAX_SPEAKERS = 32;

/** The azimuth of a speaker from the middle of the room, in degrees 0..360. */
export function azimuthOf(s: Pick<Speaker, 'x' | 'y'>): number {
  return wrap360((Math.atan2(s.x, s.y) * 180) / Math.PI);
}

export function wrap360(deg: number): number {
  const d = deg % 360;
  return d < 0 ? d + 360 : d;
}

/** The stereo pan (-1 left .. 1 right) the conductor thinks in, as an azimuth. */
export function panToAzimuth(pan: number): number {
  return 90 * Math.min(1, Math.max(-1, pan));
}

/**
 * How the default stereo pair (-90, 90) renders an azimuth, as a pan: the front half
 * across, and the back half mirrored onto it (180 - a sounds as a does).
 */
export function stereoPanOf(azimuthDeg: number): number {
  const a = wrap360(azimuthDeg + 90) - 90; // -90..270
  return a <= 90 ? a / 90 : (180 - a) / 90;
}

/** A pan (-1..1) heard from the front of the room, or mirrored behind the listener. */
export function surroundAzimuth(pan: number, behind: boolean): number {
  const front = panToAzimuth(pan);
  return behind ? 180 - front : front;
}

export interface SpeakerGain {
  speaker: number;
  gain: number;
}

/** The speakers' indices sorted by azimuth, with their azimuths: the ring. */
export interface Ring {
  order: number[];
  azimuths: number[];
}

export function ringOf(speakers: readonly Speaker[]): Ring {
  const azimuths = speakers.map(azimuthOf);
  const order = speakers.map((_, i) => i).sort((a, b) => (azimuths[a] ?? 0) - (azimuths[b] ?? 0));
  return { order, azimuths };
}

/**
 * The gains that place a sound at `azimuthDeg`: one or two speakers, gains >= 0 whose
 * squares sum to 1. Speakers at the same azimuth share the sound as one.
 */
export function panGains(ring: Ring, azimuthDeg: number): SpeakerGain[] {
  const n = ring.order.length;
  if (n === 0) return [];
  const first = ring.order[0] ?? 0;
  if (n === 1) return [{ speaker: first, gain: 1 }];
  const theta = wrap360(azimuthDeg);
  for (let k = 0; k < n; k++) {
    const a = ring.order[k] ?? 0;
    const b = ring.order[(k + 1) % n] ?? 0;
    const from = ring.azimuths[a] ?? 0;
    let to = ring.azimuths[b] ?? 0;
    if (k === n - 1) to += 360; // the arc that closes the ring
    let at = theta;
    if (at < from) at += 360;
    if (at >= from && at < to) {
      const arc = to - from;
      if (arc <= 1e-9) return [{ speaker: a, gain: 1 }];
      const f = (at - from) / arc;
      const out: SpeakerGain[] = [];
      const ga = Math.cos((f * Math.PI) / 2);
      const gb = Math.sin((f * Math.PI) / 2);
      if (ga > 1e-4) out.push({ speaker: a, gain: ga });
      if (gb > 1e-4) out.push({ speaker: b, gain: gb });
      return out;
    }
  }
  return [{ speaker: first, gain: 1 }];
}

/**
 * The stereo fold-down for the web stream: each speaker feeds left and right by where it
 * stands across the room (pan = sin azimuth, equal-power law), so each speaker's power
 * reaches the pair whole and a mix keeps its loudness. [gainLeft, gainRight] per speaker.
 */
export function stereoFoldDown(speakers: readonly Speaker[]): [number, number][] {
  return speakers.map((s): [number, number] => {
    const pan = Math.sin((azimuthOf(s) * Math.PI) / 180);
    const x = ((pan + 1) / 2) * (Math.PI / 2);
    return [round6(Math.cos(x)), round6(Math.sin(x))];
  });
}

/** True when the fold-down of these speakers is the identity (a plain left/right pair). */
export function isPlainStereo(speakers: readonly Speaker[]): boolean {
  const m = stereoFoldDown(speakers);
  return m.length === 2 && Math.abs(m[0]![0] - 1) < 1e-6 && Math.abs(m[0]![1]) < 1e-6 && Math.abs(m[1]![0]) < 1e-6 && Math.abs(m[1]![1] - 1) < 1e-6;
}

/** Validates a speaker list from a config file: a message per problem, empty when fine. */
export function speakerProblems(value: unknown): string[] {
  if (!Array.isArray(value)) return ['speakers: want a list of { name, x, y } (metres from the middle of the room)'];
  const problems: string[] = [];
  if (value.length < 1 || value.length > MAX_SPEAKERS) problems.push(`speakers: want 1..${MAX_SPEAKERS} speakers, got ${value.length}`);
  const names = new Set<string>();
  value.slice(0, MAX_SPEAKERS + 1).forEach((s: unknown, i) => {
    const where = `speakers[${i}]`;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      problems.push(`${where}: want { name, x, y }`);
      return;
    }
    const r = s as Record<string, unknown>;
    for (const key of Object.keys(r)) if (!['name', 'x', 'y'].includes(key)) problems.push(`${where}: unknown field '${key.slice(0, 40)}'`);
    if (typeof r.name !== 'string' || !/^[\w-]{1,40}$/.test(r.name)) problems.push(`${where}.name: want 1-40 letters, digits, _ or -`);
    else if (names.has(r.name)) problems.push(`${where}.name: '${r.name}' is used twice`);
    else names.add(r.name);
    for (const axis of ['x', 'y'] as const) {
      const v = r[axis];
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > 500) problems.push(`${where}.${axis}: want metres in -500..500`);
    }
    if (r.x === 0 && r.y === 0) problems.push(`${where}: a speaker in the very middle has no direction; move it off (0, 0)`);
  });
  return problems;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000 + 0;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
