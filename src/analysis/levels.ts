/**
 * Measures on rendered audio that the tests and `skychoir render` report: peak and RMS
 * level, the longest near-silence, clicks, and spectral centroid.
 */
export interface Levels {
  peakDbfs: number;
  rmsDbfs: number;
}

export const toDb = (x: number): number => (x > 0 ? 20 * Math.log10(x) : -Infinity);

/** Peak and RMS over blocks of audio as they come (a render written segment by segment). */
export class LevelMeter {
  private peak = 0;
  private sum = 0;
  private n = 0;

  push(channels: readonly Float32Array[]): void {
    let peak = this.peak;
    let sum = 0;
    for (const ch of channels) {
      for (let i = 0; i < ch.length; i++) {
        const x = ch[i] as number;
        const a = x < 0 ? -x : x;
        if (a > peak) peak = a;
        sum += x * x;
      }
      this.n += ch.length;
    }
    this.peak = peak;
    this.sum += sum;
  }

  get levels(): Levels {
    return { peakDbfs: toDb(this.peak), rmsDbfs: toDb(Math.sqrt(this.sum / Math.max(1, this.n))) };
  }
}

export function measureLevels(channels: readonly Float32Array[], _sampleRate: number): Levels {
  const meter = new LevelMeter();
  meter.push(channels);
  return meter.levels;
}

/** RMS in dBFS of consecutive windows (mono sum of channels / channel count). */
export function windowedRmsDbfs(channels: readonly Float32Array[], sampleRate: number, windowS: number): number[] {
  const w = Math.max(1, Math.round(windowS * sampleRate));
  const length = channels[0]?.length ?? 0;
  const out: number[] = [];
  for (let start = 0; start + w <= length; start += w) {
    let sum = 0;
    for (const ch of channels) for (let i = start; i < start + w; i++) sum += (ch[i] ?? 0) ** 2;
    out.push(toDb(Math.sqrt(sum / (w * channels.length))));
  }
  return out;
}

/** The longest run, in seconds, of 50 ms windows whose RMS is below thresholdDbfs. */
export function longestSilenceS(channels: readonly Float32Array[], sampleRate: number, thresholdDbfs = -60): number {
  const windowS = 0.05;
  let longest = 0;
  let run = 0;
  for (const db of windowedRmsDbfs(channels, sampleRate, windowS)) {
    run = db < thresholdDbfs ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest * windowS;
}

/**
 * Clicks: samples where the second difference jumps far above its local level. A
 * smooth signal's second difference is small relative to its neighbourhood; a step or
 * a cut (a discontinuity) produces an isolated spike. Returns the spike times (s).
 *
 * Statistic: d2[i] = x[i+1] - 2 x[i] + x[i-1]; a click is |d2[i]| > ratio * (RMS of d2
 * over the surrounding 10 ms) and > absFloor. Ratio 12 and floor 0.02 were chosen so
 * that rendered choir material gives none, while a 0.05 step in a -20 dBFS tone is found.
 */
export function findClicks(channel: Float32Array, sampleRate: number, ratio = 12, absFloor = 0.02): number[] {
  const n = channel.length;
  if (n < 3) return [];
  const half = Math.max(8, Math.round(0.005 * sampleRate));
  const d2 = new Float32Array(n);
  for (let i = 1; i < n - 1; i++) d2[i] = (channel[i + 1] ?? 0) - 2 * (channel[i] ?? 0) + (channel[i - 1] ?? 0);
  // Running sum of squares for the local RMS.
  const cumulative = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) cumulative[i + 1] = (cumulative[i] ?? 0) + (d2[i] ?? 0) ** 2;
  const clicks: number[] = [];
  let lastClick = -Infinity;
  for (let i = 1; i < n - 1; i++) {
    const a = Math.abs(d2[i] ?? 0);
    if (a < absFloor) continue;
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half);
    // Exclude the sample itself so a lone spike is measured against its surroundings.
    const energy = (cumulative[hi] ?? 0) - (cumulative[lo] ?? 0) - a * a;
    const localRms = Math.sqrt(energy / Math.max(1, hi - lo - 1));
    if (a > ratio * localRms && i - lastClick > half) {
      clicks.push(i / sampleRate);
      lastClick = i;
    }
  }
  return clicks;
}

/** Spectral centroid (Hz) of the mono mix, averaged over frames of 4096 samples (Hann). */
export function spectralCentroidHz(channels: readonly Float32Array[], sampleRate: number, maxFrames = 400): number {
  const size = 4096;
  const length = channels[0]?.length ?? 0;
  const frames = Math.floor(length / size);
  if (frames === 0) return 0;
  const stride = Math.max(1, Math.floor(frames / maxFrames));
  let weighted = 0;
  let total = 0;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let f = 0; f < frames; f += stride) {
    for (let i = 0; i < size; i++) {
      let x = 0;
      for (const ch of channels) x += ch[f * size + i] ?? 0;
      re[i] = x * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (size - 1)));
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 1; k < size / 2; k++) {
      const mag = Math.hypot(re[k] ?? 0, im[k] ?? 0);
      weighted += mag * ((k * sampleRate) / size);
      total += mag;
    }
  }
  return total > 0 ? weighted / total : 0;
}

/** In-place radix-2 FFT (Cooley-Tukey); length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0];
      [im[i], im[j]] = [im[j] ?? 0, im[i] ?? 0];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    const wr = Math.cos(angle);
    const wi = Math.sin(angle);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const a = i + j;
        const b = a + len / 2;
        const tr = (re[b] ?? 0) * cr - (im[b] ?? 0) * ci;
        const ti = (re[b] ?? 0) * ci + (im[b] ?? 0) * cr;
        re[b] = (re[a] ?? 0) - tr;
        im[b] = (im[a] ?? 0) - ti;
        re[a] = (re[a] ?? 0) + tr;
        im[a] = (im[a] ?? 0) + ti;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}
