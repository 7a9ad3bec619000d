/**
 * Synthetic sky video with known truth, for testing the camera analysis without a camera
 * and without recorded footage: clouds of an exact coverage drifting over a blue (or dawn)
 * gradient, and optional flocks, single birds and aircraft crossing it. Every number is
 * seeded; the same options give the same frames.
 *
 * Clouds are multi-octave periodic value noise thresholded, per frame, at the quantile
 * that makes exactly `cloudCover` of the visible pixels cloud (alpha >= 0.5); cloud edges
 * are soft over a few pixels, thicker cloud is greyer.
 */
import { uniform } from '../simulator/hashNoise.ts';
import { mulberry32 } from '../../src/model/seededRandom.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createSkyFrame, frameBytes, type SkyFrame } from './skyFrame.ts';

export type SkyPalette = 'day' | 'dawn';

export interface FlockSpec {
  startS: number;
  durationS: number;
  count: number;
  /** Start of the flock's centre, as fractions of width and height. */
  x: number;
  y: number;
  headingDeg: number;
  /** Frame widths per second. */
  speed: number;
  /** Radius of the flock as a fraction of the width. */
  spread: number;
}

export interface BirdSpec {
  startS: number;
  durationS: number;
  x: number;
  y: number;
  headingDeg: number;
  speed: number;
}

export interface AircraftSpec {
  startS: number;
  durationS: number;
  x: number;
  y: number;
  headingDeg: number;
  speed: number;
  /** A lit fuselage (bright dot) instead of a silhouette (dark dot). */
  bright?: boolean;
}

export interface SyntheticSkyOptions {
  width: number;
  height: number;
  fps: number;
  durationS: number;
  seed: number;
  /** Cloud fraction 0..1, constant or as a function of time in seconds. */
  cloudCover: number | ((tS: number) => number);
  palette?: SkyPalette;
  /** Cloud drift in pixels per second (x, y). */
  cloudDriftPxPerS?: readonly [number, number];
  /** Standard deviation of per-channel sensor noise, in 8-bit steps. */
  sensorNoise?: number;
  flocks?: FlockSpec[];
  birds?: BirdSpec[];
  aircraft?: AircraftSpec[];
}

export type TrueEventKind = 'flock' | 'bird' | 'aircraft';

export interface TrueSkyEvent {
  kind: TrueEventKind;
  /** First and last time (s) the object is in the frame. */
  startS: number;
  endS: number;
  count: number;
  /** 0 = up the image, 90 = right. */
  headingDeg: number;
}

export interface SyntheticSkyClip {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** Renders frame i (0-based); frames are not kept. */
  frameAt(index: number): SkyFrame;
  /** The true cloud fraction of frame i. */
  coverAt(index: number): number;
  events: TrueSkyEvent[];
}

// ---- seeded numbers ---------------------------------------------------------------

/** Stateless seeded numbers: the simulator's hash noise, so both skies share one source. */
const unit = (a: number, b: number, c: number): number => uniform(a, b, c);

/** A small seeded generator (mulberry32) for scenario choices. */
export const seededRandom = mulberry32;

// ---- clouds -----------------------------------------------------------------------

const TEXTURE = 512;

function cloudTexture(seed: number): Float32Array {
  const tex = new Float32Array(TEXTURE * TEXTURE);
  const octaves = [
    { cell: 128, amp: 1 },
    { cell: 64, amp: 0.5 },
    { cell: 32, amp: 0.25 },
    { cell: 16, amp: 0.125 },
    { cell: 8, amp: 0.0625 },
  ];
  const smooth = (t: number): number => t * t * (3 - 2 * t);
  octaves.forEach(({ cell, amp }, o) => {
    const n = TEXTURE / cell;
    const lattice = (i: number, j: number): number => unit(seed, o * 7919 + (i % n), j % n) * 2 - 1;
    for (let y = 0; y < TEXTURE; y++) {
      const j = Math.floor(y / cell);
      const fy = smooth((y % cell) / cell);
      for (let x = 0; x < TEXTURE; x++) {
        const i = Math.floor(x / cell);
        const fx = smooth((x % cell) / cell);
        const top = lattice(i, j) * (1 - fx) + lattice(i + 1, j) * fx;
        const bottom = lattice(i, j + 1) * (1 - fx) + lattice(i + 1, j + 1) * fx;
        tex[y * TEXTURE + x]! += amp * (top * (1 - fy) + bottom * fy);
      }
    }
  });
  return tex;
}

/**
 * The value with `fraction` of the field at or above it, from a fine histogram (the
 * error in coverage is below 1/8192 of the field's range, far under a pixel's worth).
 */
function quantileAbove(field: Float32Array, fraction: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of field) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const bins = 8192;
  const scale = bins / (hi - lo || 1);
  const histogram = new Uint32Array(bins);
  for (const v of field) histogram[Math.min(bins - 1, Math.floor((v - lo) * scale))]! += 1;
  const want = Math.round(fraction * field.length);
  let above = 0;
  for (let k = bins - 1; k >= 0; k--) {
    above += histogram[k] as number;
    if (above >= want) return lo + k / scale;
  }
  return lo;
}

// ---- sky colours ------------------------------------------------------------------

type Rgb = readonly [number, number, number];

/** Colour stops from zenith (top row, 0) to horizon (bottom row, 1). */
const PALETTES: Record<SkyPalette, { stops: { at: number; rgb: Rgb }[]; cloudTint: Rgb }> = {
  // A clear day sky: deep blue overhead, paler towards the horizon.
  day: {
    stops: [
      { at: 0, rgb: [55, 105, 200] },
      { at: 1, rgb: [125, 172, 235] },
    ],
    cloudTint: [1, 1, 1.03],
  },
  // Civil twilight: blue overhead, purple and the pink "Belt of Venus" lower down, an
  // orange glow at the horizon; clouds lit by the low sun take a warm tint.
  dawn: {
    stops: [
      { at: 0, rgb: [50, 80, 165] },
      { at: 0.45, rgb: [120, 115, 185] },
      { at: 0.75, rgb: [215, 135, 150] },
      { at: 1, rgb: [245, 165, 105] },
    ],
    cloudTint: [1, 0.9, 0.84],
  },
};

function rowColours(palette: SkyPalette, height: number): Float32Array {
  const { stops } = PALETTES[palette];
  const out = new Float32Array(height * 3);
  for (let y = 0; y < height; y++) {
    const t = height === 1 ? 0 : y / (height - 1);
    let k = 0;
    while (k < stops.length - 2 && t > (stops[k + 1] as { at: number }).at) k++;
    const a = stops[k] as { at: number; rgb: Rgb };
    const b = stops[k + 1] as { at: number; rgb: Rgb };
    const f = Math.min(1, Math.max(0, (t - a.at) / (b.at - a.at)));
    for (let c = 0; c < 3; c++) out[3 * y + c] = a.rgb[c]! * (1 - f) + b.rgb[c]! * f;
  }
  return out;
}

// ---- moving objects ---------------------------------------------------------------

interface Dot {
  x: number;
  y: number;
  radius: number;
  rgb: Rgb;
}

interface MovingObject {
  kind: TrueEventKind;
  startS: number;
  count: number;
  headingDeg: number;
  /** Dots at time t (s since the object's start), in pixels. */
  dotsAt(tS: number): Dot[];
  /** The object's centre at time t, in pixels. */
  centreAt(tS: number): { x: number; y: number };
  durationS: number;
}

const DEG = Math.PI / 180;
const BIRD_RGB: Rgb = [38, 36, 40];

function direction(headingDeg: number): { dx: number; dy: number } {
  return { dx: Math.sin(headingDeg * DEG), dy: -Math.cos(headingDeg * DEG) };
}

function flockObject(spec: FlockSpec, width: number, height: number, seed: number, index: number): MovingObject {
  const { dx, dy } = direction(spec.headingDeg);
  const speedPx = spec.speed * width;
  const radiusPx = spec.spread * width;
  const members = Array.from({ length: spec.count }, (_, m) => {
    const angle = unit(seed, 1000 + index, 2 * m) * 2 * Math.PI;
    const r = radiusPx * Math.sqrt(0.15 + 0.85 * unit(seed, 1000 + index, 2 * m + 1));
    return { ox: r * Math.cos(angle), oy: r * Math.sin(angle) * 0.6, phase: m * 1.7 };
  });
  const centreAt = (t: number): { x: number; y: number } => ({
    x: spec.x * width + dx * speedPx * t,
    y: spec.y * height + dy * speedPx * t,
  });
  return {
    kind: 'flock',
    startS: spec.startS,
    durationS: spec.durationS,
    count: spec.count,
    headingDeg: spec.headingDeg,
    centreAt,
    dotsAt: (t) => {
      const c = centreAt(t);
      // Each bird wobbles around its place in the flock (wing beats, small manoeuvres).
      return members.map((m) => ({
        x: c.x + m.ox + 1.5 * Math.sin(2.3 * t + m.phase),
        y: c.y + m.oy + 1.2 * Math.cos(3.1 * t + m.phase),
        radius: 1.3,
        rgb: BIRD_RGB,
      }));
    },
  };
}

function birdObject(spec: BirdSpec, width: number, height: number, seed: number, index: number): MovingObject {
  // A single bird wanders: its heading follows a sum of seeded sinusoids (+-70 degrees).
  const dt = 0.05;
  const steps = Math.ceil(spec.durationS / dt) + 1;
  const path: { x: number; y: number }[] = [];
  let x = spec.x * width;
  let y = spec.y * height;
  const phases = [0, 1, 2].map((k) => unit(seed, 2000 + index, k) * 2 * Math.PI);
  for (let s = 0; s < steps; s++) {
    path.push({ x, y });
    const t = s * dt;
    const heading =
      spec.headingDeg + 50 * Math.sin(1.9 * t + phases[0]!) + 25 * Math.sin(4.3 * t + phases[1]!);
    const speed = spec.speed * width * (1 + 0.3 * Math.sin(3.7 * t + phases[2]!));
    const { dx, dy } = direction(heading);
    x += dx * speed * dt;
    y += dy * speed * dt;
  }
  const centreAt = (t: number): { x: number; y: number } =>
    path[Math.min(path.length - 1, Math.max(0, Math.round(t / dt)))] as { x: number; y: number };
  return {
    kind: 'bird',
    startS: spec.startS,
    durationS: spec.durationS,
    count: 1,
    headingDeg: spec.headingDeg,
    centreAt,
    dotsAt: (t) => [{ ...centreAt(t), radius: 1.5, rgb: BIRD_RGB }],
  };
}

function aircraftObject(spec: AircraftSpec, width: number, height: number): MovingObject {
  const { dx, dy } = direction(spec.headingDeg);
  const speedPx = spec.speed * width;
  const centreAt = (t: number): { x: number; y: number } => ({
    x: spec.x * width + dx * speedPx * t,
    y: spec.y * height + dy * speedPx * t,
  });
  const rgb: Rgb = spec.bright ? [252, 252, 250] : [60, 62, 70];
  return {
    kind: 'aircraft',
    startS: spec.startS,
    durationS: spec.durationS,
    count: 1,
    headingDeg: spec.headingDeg,
    centreAt,
    dotsAt: (t) => [{ ...centreAt(t), radius: 1.6, rgb }],
  };
}

function drawDot(frame: SkyFrame, dot: Dot): void {
  const { width, height, data } = frame;
  const reach = Math.ceil(dot.radius + 1);
  for (let y = Math.floor(dot.y) - reach; y <= Math.ceil(dot.y) + reach; y++) {
    if (y < 0 || y >= height) continue;
    for (let x = Math.floor(dot.x) - reach; x <= Math.ceil(dot.x) + reach; x++) {
      if (x < 0 || x >= width) continue;
      const d = Math.hypot(x + 0.5 - dot.x, y + 0.5 - dot.y);
      const alpha = Math.min(1, Math.max(0, dot.radius + 0.5 - d));
      if (alpha <= 0) continue;
      const p = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) data[p + c] = Math.round((data[p + c] as number) * (1 - alpha) + dot.rgb[c]! * alpha);
    }
  }
}

// ---- the clip -----------------------------------------------------------------------

export function syntheticSkyClip(options: SyntheticSkyOptions): SyntheticSkyClip {
  const { width, height, fps, durationS, seed } = options;
  const palette = PALETTES[options.palette ?? 'day'];
  const rows = rowColours(options.palette ?? 'day', height);
  const drift = options.cloudDriftPxPerS ?? [2, 0.5];
  const noise = options.sensorNoise ?? 2;
  const coverOf = typeof options.cloudCover === 'function' ? options.cloudCover : () => options.cloudCover as number;
  const frameCount = Math.round(durationS * fps);
  let texture: Float32Array | undefined;

  const objects: MovingObject[] = [
    ...(options.flocks ?? []).map((f, i) => flockObject(f, width, height, seed, i)),
    ...(options.birds ?? []).map((b, i) => birdObject(b, width, height, seed, i)),
    ...(options.aircraft ?? []).map((a) => aircraftObject(a, width, height)),
  ];

  const inFrame = (p: { x: number; y: number }): boolean => p.x >= 2 && p.x < width - 2 && p.y >= 2 && p.y < height - 2;
  const events: TrueSkyEvent[] = [];
  for (const o of objects) {
    let first: number | undefined;
    let last: number | undefined;
    for (let i = 0; i < frameCount; i++) {
      const t = i / fps - o.startS;
      if (t < 0 || t > o.durationS) continue;
      if (o.dotsAt(t).some(inFrame)) {
        first ??= i / fps;
        last = i / fps;
      }
    }
    if (first !== undefined && last !== undefined) {
      events.push({ kind: o.kind, startS: first, endS: last, count: o.count, headingDeg: o.headingDeg });
    }
  }
  events.sort((a, b) => a.startS - b.startS);

  const coverAt = (index: number): number => Math.min(1, Math.max(0, coverOf(index / fps)));

  const frameAt = (index: number): SkyFrame => {
    texture ??= cloudTexture(seed);
    const tS = index / fps;
    const frame = createSkyFrame(width, height);
    const { data } = frame;
    const ox = drift[0] * tS;
    const oy = drift[1] * tS;
    // The drift offset is the same for every pixel, so the bilinear weights are too.
    const field = new Float32Array(width * height);
    const fx = Math.floor(ox);
    const fy = Math.floor(oy);
    const tx = ox - fx;
    const ty = oy - fy;
    const w00 = (1 - tx) * (1 - ty);
    const w10 = tx * (1 - ty);
    const w01 = (1 - tx) * ty;
    const w11 = tx * ty;
    for (let y = 0; y < height; y++) {
      const r0 = ((((y + fy) % TEXTURE) + TEXTURE) % TEXTURE) * TEXTURE;
      const r1 = ((((y + fy + 1) % TEXTURE) + TEXTURE) % TEXTURE) * TEXTURE;
      for (let x = 0; x < width; x++) {
        const c0 = (((x + fx) % TEXTURE) + TEXTURE) % TEXTURE;
        const c1 = (c0 + 1) % TEXTURE;
        field[y * width + x] =
          (texture[r0 + c0] as number) * w00 +
          (texture[r0 + c1] as number) * w10 +
          (texture[r1 + c0] as number) * w01 +
          (texture[r1 + c1] as number) * w11;
      }
    }
    const cover = coverAt(index);
    let threshold = Infinity;
    if (cover >= 1) threshold = -Infinity;
    else if (cover > 0) threshold = quantileAbove(field, cover);
    const edge = 0.05; // noise units over which a cloud edge fades (a few pixels)
    let state = Math.floor(uniform(seed, 77, index) * 4294967296) || 1;
    const gaussian = (): number => {
      // sum of two uniforms (triangular, unit variance), xorshift32: enough for sensor noise
      let s = 0;
      for (let k = 0; k < 2; k++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        s += (state >>> 0) / 4294967296;
      }
      return (s - 1) * 2.449;
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const n = field[i] as number;
        const above = n - threshold;
        const alpha = threshold === -Infinity ? 1 : threshold === Infinity ? 0 : Math.min(1, Math.max(0, 0.5 + above / edge));
        // Thicker cloud is greyer: 245 at the edge down to ~165 in the thickest parts.
        const thickness = threshold === -Infinity ? 0.5 + 0.25 * n : Math.min(1, Math.max(0, above / 0.6));
        const shade = 245 - 80 * Math.min(1, Math.max(0, thickness));
        for (let c = 0; c < 3; c++) {
          const sky = rows[3 * y + c] as number;
          const cloud = Math.min(255, shade * palette.cloudTint[c]!);
          const v = sky * (1 - alpha) + cloud * alpha + noise * gaussian();
          data[3 * i + c] = Math.min(255, Math.max(0, Math.round(v)));
        }
      }
    }
    for (const o of objects) {
      const t = tS - o.startS;
      if (t < 0 || t > o.durationS) continue;
      for (const dot of o.dotsAt(t)) drawDot(frame, dot);
    }
    return frame;
  };

  return { width, height, fps, frameCount, frameAt, coverAt, events };
}

/**
 * A scenario for event tests: `slots` non-overlapping windows, each with one flock, one
 * aircraft or one single bird crossing the frame at a random place, heading and speed.
 */
export function randomSkyScenario(
  seed: number,
  durationS: number,
  slotS = 12,
): Pick<SyntheticSkyOptions, 'flocks' | 'birds' | 'aircraft'> {
  const rand = seededRandom(seed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const flocks: FlockSpec[] = [];
  const birds: BirdSpec[] = [];
  const aircraft: AircraftSpec[] = [];
  const kinds: TrueEventKind[] = ['flock', 'aircraft', 'bird'];
  const offset = Math.floor(rand() * 3);
  for (let slot = 0; (slot + 1) * slotS <= durationS; slot++) {
    const kind = kinds[(slot + offset) % 3] as TrueEventKind;
    const startS = slot * slotS + between(1, 3);
    const heading = between(0, 360);
    // Start on the side the object comes from so it crosses the middle of the frame.
    const { dx, dy } = direction(heading);
    const x = 0.5 - dx * between(0.25, 0.35);
    const y = 0.45 - dy * between(0.2, 0.3);
    if (kind === 'flock') {
      flocks.push({ startS, durationS: Math.min(8, slotS - 3), count: Math.round(between(6, 20)), x, y, headingDeg: heading, speed: between(0.06, 0.1), spread: between(0.06, 0.1) });
    } else if (kind === 'aircraft') {
      aircraft.push({ startS, durationS: slotS - 3, x, y, headingDeg: heading, speed: between(0.03, 0.05), bright: rand() < 0.3 });
    } else {
      birds.push({ startS, durationS: between(3, 5), x, y, headingDeg: heading, speed: between(0.1, 0.18) });
    }
  }
  return { flocks, birds, aircraft };
}

/**
 * Encodes a clip to a video file with ffmpeg reading raw RGB on stdin (libx264 in .mp4 or
 * .mkv; lossless enough at crf 16 for the analysis to see what it would see from a camera).
 */
export async function writeSkyClipFile(clip: SyntheticSkyClip, path: string, ffmpeg = 'ffmpeg'): Promise<void> {
  const child = spawn(
    ffmpeg,
    [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${clip.width}x${clip.height}`, '-r', String(clip.fps),
      '-i', 'pipe:0',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv444p',
      path,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'close');
  const expected = frameBytes(clip.width, clip.height);
  for (let i = 0; i < clip.frameCount; i++) {
    const frame = clip.frameAt(i);
    if (frame.data.length !== expected) throw new Error('synthetic sky: frame size mismatch');
    if (!child.stdin.write(frame.data)) await once(child.stdin, 'drain');
  }
  child.stdin.end();
  const [code] = (await exited) as [number | null];
  if (code !== 0) throw new Error(`ffmpeg could not write ${path} (exit ${code}): ${stderr.trim().slice(0, 400)}`);
}
