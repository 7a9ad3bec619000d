/**
 * Cloud cover from one sky frame, after the Hybrid Thresholding Algorithm (HYTA) of
 * Li, Lu & Yang, "A Hybrid Thresholding Algorithm for Cloud Detection on Ground-Based
 * Color Images", J. Atmos. Oceanic Technol. 28(10), 1286-1296 (2011):
 *
 * 1. Each sky pixel becomes its normalised blue/red ratio, NBRR = (B - R) / (B + R).
 *    Clear sky scatters blue (Rayleigh) far more than red; cloud droplets scatter both
 *    alike (Mie), so cloud sits near 0 and clear sky well above it. The ratio form goes
 *    back to the whole-sky imagers of Shields et al. (1993) and is the colour feature of
 *    Heinle, Macke & Srivastav, "Automatic cloud classification of whole sky images",
 *    Atmos. Meas. Tech. 3, 557-567 (2010).
 * 2. If the ratio image is near-uniform (standard deviation at most 0.03, HYTA's test for
 *    a unimodal histogram) a fixed threshold decides: the frame is all sky or all cloud.
 * 3. Otherwise the histogram is split with Otsu's method (N. Otsu, "A threshold selection
 *    method from gray-level histograms", IEEE Trans. SMC 9(1), 62-66, 1979). HYTA uses
 *    minimum cross entropy here; Otsu is the simpler, equally standard choice. The split
 *    is only trusted when its two classes are far apart (a smooth clear-sky gradient
 *    from zenith to horizon is wide but not bimodal); else the fixed threshold decides.
 *
 * Two departures from HYTA, both for twilight, when the sky is not blue:
 * - We threshold |NBRR|, not NBRR. At dawn and dusk the sky near the horizon is orange
 *   (R > B, NBRR strongly negative), and a signed threshold would call it cloud; grey and
 *   white clouds stay near 0 either way.
 * - A pixel far from neutral on the green-magenta axis, |2G - R - B| / (R + G + B) above
 *   0.1, is sky whatever its NBRR. Clouds scatter the illuminant almost unchanged, and
 *   daylight and twilight illuminants lie close to the Planckian locus, which runs along
 *   the blue-orange axis (CIE 015:2018, daylight locus), so cloud stays near neutral in
 *   green-magenta; the purple and pink of a twilight sky (ozone's Chappuis absorption,
 *   the "Belt of Venus") do not, and they cross NBRR = 0 on the way from orange to blue.
 *   Such pixels are also kept out of the Otsu histogram.
 * Measured accuracy on synthetic skies is in docs/camera.md.
 */
import type { SkyFrame } from './skyFrame.ts';
import { skyMaskOf, type SkyMaskOptions } from './skyMask.ts';

export interface CloudCoverOptions extends SkyMaskOptions {
  /** |NBRR| below this is cloud when the frame is unimodal (HYTA's fixed threshold: 0.25). */
  fixedThreshold?: number;
  /** Standard deviation of |NBRR| at or below which the frame is taken as unimodal (HYTA: 0.03). */
  unimodalStdDev?: number;
  /** Otsu's two class means must be at least this far apart to be believed. */
  minClassSeparation?: number;
  /** |2G - R - B| / (R + G + B) above this is sky whatever the NBRR (twilight purples). */
  maxGreenMagenta?: number;
  /** Fewer usable sky pixels than this fraction of the frame: no estimate. */
  minSkyFraction?: number;
}

export const CLOUD_COVER_DEFAULTS = {
  fixedThreshold: 0.25,
  unimodalStdDev: 0.03,
  minClassSeparation: 0.15,
  maxGreenMagenta: 0.1,
  minSkyFraction: 0.05,
} as const;

export interface CloudCoverEstimate {
  /** Fraction of the usable sky that is cloud, 0..1. */
  fraction: number;
  /** The |NBRR| threshold used (cloud below it). */
  threshold: number;
  method: 'fixed' | 'otsu';
  /** Usable sky pixels the fraction is over. */
  skyPixels: number;
  /** Per pixel: 0 not sky, 1 clear, 2 cloud (for the optional debug image). */
  classes: Uint8Array;
}

const BINS = 256;

/** |NBRR| per pixel, 0..1; pixels with B + R = 0 get 0 (they are masked as too dark anyway). */
export function absoluteNbrrOf(frame: SkyFrame): Float32Array {
  const { data } = frame;
  const out = new Float32Array(frame.width * frame.height);
  for (let i = 0, p = 0; i < out.length; i++, p += 3) {
    const r = data[p] as number;
    const b = data[p + 2] as number;
    const sum = r + b;
    out[i] = sum === 0 ? 0 : Math.abs(b - r) / sum;
  }
  return out;
}

export interface OtsuSplit {
  /** Threshold in the histogram's value units (values below go to the lower class). */
  threshold: number;
  lowerMean: number;
  upperMean: number;
  lowerWeight: number;
}

/**
 * Otsu's threshold over a histogram of values in [0, 1): maximises the between-class
 * variance w0 w1 (mu0 - mu1)^2 by one pass over the bins (Otsu 1979, eq. 18).
 */
export function otsuSplit(histogram: ArrayLike<number>): OtsuSplit | undefined {
  const bins = histogram.length;
  let total = 0;
  let sumAll = 0;
  for (let k = 0; k < bins; k++) {
    const n = histogram[k] as number;
    total += n;
    sumAll += n * (k + 0.5);
  }
  if (total === 0) return undefined;
  let w0 = 0;
  let sum0 = 0;
  let best: OtsuSplit | undefined;
  let bestVariance = -1;
  for (let k = 0; k < bins - 1; k++) {
    const n = histogram[k] as number;
    w0 += n;
    sum0 += n * (k + 0.5);
    const w1 = total - w0;
    if (w0 === 0 || w1 === 0) continue;
    const mu0 = sum0 / w0;
    const mu1 = (sumAll - sum0) / w1;
    const variance = w0 * w1 * (mu0 - mu1) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = { threshold: (k + 1) / bins, lowerMean: mu0 / bins, upperMean: mu1 / bins, lowerWeight: w0 / total };
    }
  }
  return best;
}

export function estimateCloudCover(frame: SkyFrame, options: CloudCoverOptions = {}): CloudCoverEstimate | undefined {
  const fixed = options.fixedThreshold ?? CLOUD_COVER_DEFAULTS.fixedThreshold;
  const unimodalStd = options.unimodalStdDev ?? CLOUD_COVER_DEFAULTS.unimodalStdDev;
  const minSeparation = options.minClassSeparation ?? CLOUD_COVER_DEFAULTS.minClassSeparation;
  const minSky = options.minSkyFraction ?? CLOUD_COVER_DEFAULTS.minSkyFraction;
  const maxGreenMagenta = options.maxGreenMagenta ?? CLOUD_COVER_DEFAULTS.maxGreenMagenta;

  const mask = skyMaskOf(frame, options);
  const nbrr = absoluteNbrrOf(frame);
  const { data } = frame;
  // 0 not sky, 1 certainly clear (far from neutral in green-magenta), 3 to be thresholded
  const classes = new Uint8Array(mask.length);
  const histogram = new Float64Array(BINS);
  let n = 0;
  let candidates = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    n++;
    const r = data[3 * i] as number;
    const g = data[3 * i + 1] as number;
    const b = data[3 * i + 2] as number;
    if (Math.abs(2 * g - r - b) > maxGreenMagenta * (r + g + b)) {
      classes[i] = 1;
      continue;
    }
    classes[i] = 3;
    candidates++;
    const v = nbrr[i] as number;
    histogram[Math.min(BINS - 1, Math.floor(v * BINS))]! += 1;
    sum += v;
    sumSq += v * v;
  }
  if (n < minSky * mask.length || n === 0) return undefined;
  const mean = candidates === 0 ? 0 : sum / candidates;
  const stdDev = candidates === 0 ? 0 : Math.sqrt(Math.max(0, sumSq / candidates - mean * mean));

  let threshold = fixed;
  let method: CloudCoverEstimate['method'] = 'fixed';
  if (stdDev > unimodalStd) {
    const split = otsuSplit(histogram);
    if (split && split.upperMean - split.lowerMean >= minSeparation) {
      threshold = split.threshold;
      method = 'otsu';
    }
  }

  let cloud = 0;
  for (let i = 0; i < mask.length; i++) {
    if (classes[i] !== 3) continue;
    const isCloud = (nbrr[i] as number) < threshold;
    classes[i] = isCloud ? 2 : 1;
    if (isCloud) cloud++;
  }
  return { fraction: cloud / n, threshold, method, skyPixels: n, classes };
}
