/**
 * Small moving things against the sky: background subtraction with a running average,
 * a threshold on the luma difference, and 8-connected components.
 *
 * The background is the running average B <- (1 - a) B + a I (Bouwmans, Porikli,
 * Hoeferlin & Vacavant, "Traditional approaches in background modeling for static
 * cameras", in Background Modeling and Foreground Detection for Video Surveillance, CRC
 * 2014, eq. 1.1), with the selective update of the same chapter (eq. 1.2-1.3): pixels
 * classed as foreground learn four times slower, so a bird crossing leaves no ghost.
 * The learning rate is per second, so the background forgets at the same speed whatever
 * the frame rate. Drifting cloud edges change slowly and are absorbed; birds and aircraft
 * move several pixels a frame and are not.
 *
 * Drifting cloud edges are long and sharp, and a background that learns slowly lags
 * behind them, so background subtraction alone lights up every cloud edge. A foreground
 * pixel must therefore also be part of something small: the morphological top-hat
 * (Serra, "Image Analysis and Mathematical Morphology", 1982; Soille, "Morphological
 * Image Analysis", 2nd ed. 2003, ch. 4.4) with a square of `maxObjectPx` keeps dark dots
 * (black top-hat: closing - image) and bright dots (white top-hat: image - opening)
 * narrower than the square, and removes step edges, which opening and closing preserve.
 *
 * Small cloud features (wisps, gaps) pass both tests as they drift, but slowly: a pixel
 * that has been foreground without a break for `staticS` is where something sits still
 * or crawls, and a blob centred on such a pixel is dropped. Anything moving faster than
 * its own size per `staticS` (a few pixels a second) gets through.
 *
 * A frame where much of the image changes at once (auto-exposure, a cloud shadow on the
 * lens, the lights of the lobby) is a global change, not motion: it yields no blobs and
 * the background is re-learned quickly.
 */
import { lumaOf, type SkyFrame } from './skyFrame.ts';

export interface Blob {
  /** Centroid, pixels. */
  x: number;
  y: number;
  area: number;
  /** Mean |luma - background| over the blob, 0..255. */
  contrast: number;
}

export interface MotionOptions {
  /** Fraction of the background replaced per second (a = rate / fps). */
  learningRatePerS?: number;
  /** |luma - background| above this (0..255) is foreground. */
  diffThreshold?: number;
  /** Blobs smaller than this (pixels) are noise: single-pixel flicker, compression artefacts. */
  minBlobArea?: number;
  /** Blobs larger than this fraction of the frame are not birds or aircraft. */
  maxBlobFraction?: number;
  /** Foreground above this fraction of the frame is a global change. */
  maxForegroundFraction?: number;
  /** Objects narrower than this (pixels) pass the top-hat; wider structures do not. */
  maxObjectPx?: number;
  /** A blob whose centre has been foreground this long without a break is not moving. */
  staticS?: number;
  /** Frames to learn the background before reporting anything. */
  warmupFrames?: number;
}

export const MOTION_DEFAULTS = {
  learningRatePerS: 3,
  diffThreshold: 22,
  minBlobArea: 3,
  maxBlobFraction: 0.003,
  maxForegroundFraction: 0.25,
  maxObjectPx: 5,
  staticS: 0.75,
  warmupFrames: 4,
} as const;

export class MotionDetector {
  private background: Float32Array | undefined;
  private luma: Float32Array<ArrayBuffer> | undefined;
  private foreground: Uint8Array | undefined;
  private labels: Int32Array | undefined;
  private topHat: TopHat | undefined;
  /** Since when each pixel has been foreground without a break (ms), NaN if not. */
  private foregroundSinceMs: Float64Array | undefined;
  private framesSeen = 0;
  private lastMs: number | undefined;
  private readonly options: Required<MotionOptions>;
  /** The latest foreground mask (for the optional debug image). */
  lastForeground(): Uint8Array | undefined {
    return this.foreground;
  }

  constructor(options: MotionOptions = {}) {
    this.options = { ...MOTION_DEFAULTS, ...options };
  }

  reset(): void {
    this.background = undefined;
    this.framesSeen = 0;
    this.lastMs = undefined;
  }

  detect(frame: SkyFrame, atMs: number): Blob[] {
    const { width, height } = frame;
    const pixels = width * height;
    if (!this.background || this.background.length !== pixels) {
      this.luma = new Float32Array(pixels);
      this.foreground = new Uint8Array(pixels);
      this.labels = new Int32Array(pixels);
      this.topHat = new TopHat(width, height, this.options.maxObjectPx);
      this.foregroundSinceMs = new Float64Array(pixels).fill(NaN);
      this.background = lumaOf(frame, new Float32Array(pixels));
      this.framesSeen = 1;
      this.lastMs = atMs;
      return [];
    }
    const luma = lumaOf(frame, this.luma);
    const background = this.background;
    const foreground = this.foreground as Uint8Array;
    const dtS = Math.min(5, Math.max(0.01, (atMs - (this.lastMs ?? atMs)) / 1000 || 0.25));
    this.lastMs = atMs;
    const alpha = Math.min(1, this.options.learningRatePerS * dtS);
    const threshold = this.options.diffThreshold;
    const topHat = this.topHat as TopHat;
    topHat.prepare(luma);
    let changed = 0;
    for (let i = 0; i < pixels; i++) {
      const isChanged = Math.abs((luma[i] as number) - (background[i] as number)) > threshold;
      changed += isChanged ? 1 : 0;
      foreground[i] = isChanged && topHat.at(luma, i) > threshold ? 1 : 0;
    }
    const since = this.foregroundSinceMs as Float64Array;
    for (let i = 0; i < pixels; i++) {
      if (foreground[i] === 0) since[i] = NaN;
      else if (Number.isNaN(since[i])) since[i] = atMs;
    }
    const globalChange = changed > this.options.maxForegroundFraction * pixels;
    const learn = globalChange ? 0.5 : alpha;
    for (let i = 0; i < pixels; i++) {
      const a = foreground[i] && !globalChange ? learn / 4 : learn;
      background[i] = (background[i] as number) + a * ((luma[i] as number) - (background[i] as number));
    }
    this.framesSeen++;
    if (globalChange || this.framesSeen <= this.options.warmupFrames) return [];
    const staticMs = this.options.staticS * 1000;
    // At the frame's edge the top-hat's window is cut short and sees edges as dots.
    const margin = Math.ceil(this.options.maxObjectPx / 2) + 1;
    return this.components(width, height, luma).filter((b) => {
      if (b.x < margin || b.y < margin || b.x > width - margin || b.y > height - margin) return false;
      const centre = Math.min(height - 1, Math.floor(b.y)) * width + Math.min(width - 1, Math.floor(b.x));
      const from = since[centre] as number;
      return Number.isNaN(from) || atMs - from < staticMs;
    });
  }

  /** 8-connected components of the foreground mask, by an explicit-stack flood fill. */
  private components(width: number, height: number, luma: Float32Array): Blob[] {
    const foreground = this.foreground as Uint8Array;
    const labels = this.labels as Int32Array;
    const background = this.background as Float32Array;
    labels.fill(0);
    const maxArea = Math.max(4, this.options.maxBlobFraction * width * height);
    const blobs: Blob[] = [];
    const stack: number[] = [];
    let next = 0;
    for (let start = 0; start < foreground.length; start++) {
      if (foreground[start] === 0 || labels[start] !== 0) continue;
      next++;
      labels[start] = next;
      stack.push(start);
      let area = 0;
      let sx = 0;
      let sy = 0;
      let contrast = 0;
      while (stack.length > 0) {
        const i = stack.pop() as number;
        const x = i % width;
        const y = (i - x) / width;
        area++;
        sx += x + 0.5;
        sy += y + 0.5;
        contrast += Math.abs((luma[i] as number) - (background[i] as number));
        for (let dy = -1; dy <= 1; dy++) {
          const ny = y + dy;
          if (ny < 0 || ny >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const nx = x + dx;
            if (nx < 0 || nx >= width) continue;
            const j = ny * width + nx;
            if (foreground[j] === 1 && labels[j] === 0) {
              labels[j] = next;
              stack.push(j);
            }
          }
        }
      }
      if (area <= maxArea && area >= this.options.minBlobArea) blobs.push({ x: sx / area, y: sy / area, area, contrast: contrast / area });
    }
    return blobs;
  }
}

/** Running max (sign 1) or min (sign -1) over a window of `size` along rows or columns. */
function rank1d(src: Float32Array, dst: Float32Array, width: number, height: number, size: number, horizontal: boolean, sign: 1 | -1): void {
  const r = Math.floor(size / 2);
  const outer = horizontal ? height : width;
  const inner = horizontal ? width : height;
  const stride = horizontal ? 1 : width;
  const lineStep = horizontal ? width : 1;
  for (let a = 0; a < outer; a++) {
    const base = a * lineStep;
    for (let b = 0; b < inner; b++) {
      let best = sign * (src[base + b * stride] as number);
      const hi = Math.min(inner - 1, b + r);
      for (let k = Math.max(0, b - r); k <= hi; k++) {
        const v = sign * (src[base + k * stride] as number);
        if (v > best) best = v;
      }
      dst[base + b * stride] = sign * best;
    }
  }
}

/** Reusable buffers for the top-hat of one frame size. */
export class TopHat {
  private readonly tmp: Float32Array;
  private readonly dilated: Float32Array;
  private readonly eroded: Float32Array;
  private readonly width: number;
  private readonly height: number;
  private readonly size: number;

  constructor(width: number, height: number, size: number) {
    this.width = width;
    this.height = height;
    this.size = size;
    this.tmp = new Float32Array(width * height);
    this.dilated = new Float32Array(width * height);
    this.eroded = new Float32Array(width * height);
  }

  /** Prepares the dilation and erosion of a frame (separable square window). */
  prepare(luma: Float32Array): void {
    const { width, height, size, tmp } = this;
    rank1d(luma, tmp, width, height, size, true, 1);
    rank1d(tmp, this.dilated, width, height, size, false, 1);
    rank1d(luma, tmp, width, height, size, true, -1);
    rank1d(tmp, this.eroded, width, height, size, false, -1);
  }

  /**
   * max(black top-hat, white top-hat) at one pixel: how much it belongs to a dot narrower
   * than the window. Closing and opening are finished here, only where asked, since only
   * changed pixels need them.
   */
  at(luma: Float32Array, i: number): number {
    const { width, height } = this;
    const r = Math.floor(this.size / 2);
    const x = i % width;
    const y = (i - x) / width;
    let closing = Infinity;
    let opening = -Infinity;
    for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) {
      for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) {
        const j = yy * width + xx;
        const d = this.dilated[j] as number;
        const e = this.eroded[j] as number;
        if (d < closing) closing = d;
        if (e > opening) opening = e;
      }
    }
    const v = luma[i] as number;
    return Math.max(closing - v, v - opening);
  }
}
