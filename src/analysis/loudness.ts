/**
 * Loudness and true peak as broadcast measures them:
 * - ITU-R BS.1770-4 (10/2015): K-weighting (a high-shelf "pre-filter" and the RLB
 *   high-pass), mean square per channel, channel weights, L = -0.691 + 10 log10(sum).
 * - EBU R128 (2020) and EBU Tech 3341 (v4, 2016): momentary (400 ms window) and
 *   short-term (3 s window) loudness; integrated loudness over 400 ms gating blocks with
 *   75 % overlap, an absolute gate at -70 LUFS and a relative gate 10 LU below the
 *   loudness of the blocks above the absolute gate.
 * - EBU Tech 3342 (v4, 2016): loudness range (LRA) from short-term values, absolute gate
 *   -70 LUFS, relative gate -20 LU, LRA = 95th - 10th percentile.
 * - BS.1770-4 Annex 2: true peak by 4x oversampling with the Annex's 48-tap polyphase
 *   interpolator, in dBTP.
 * Everything is streaming: push chunks of any length; a 6-hour file needs a few MB. The
 * K-weighting front (KWeightedSteps) is shared with the live mix's meter (liveLoudness.ts).
 */

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** BS.1770-4 Table 1 (stage 1, the pre-filter) and Table 2 (stage 2, RLB), for 48 kHz exactly. */
const K_WEIGHTING_48K: { shelf: Biquad; highPass: Biquad } = {
  shelf: {
    b0: 1.53512485958697,
    b1: -2.69169618940638,
    b2: 1.19839281085285,
    a1: -1.69065929318241,
    a2: 0.73248077421585,
  },
  highPass: { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 },
};

/**
 * K-weighting filters for any sample rate. At 48 kHz the standard's tables; elsewhere
 * the analogue prototypes behind them (shelf: f0 1681.97 Hz, +4.0 dB, Q 0.7072; high-pass:
 * f0 38.135 Hz, Q 0.5003), bilinear-transformed with prewarping. These are the
 * parameters from which the Table 1/2 numbers follow (as used by libebur128 and
 * pyloudnorm); at 48 kHz they reproduce the tables to 1e-8. The high-pass is scaled
 * by 1 (not normalised) as in Table 2.
 */
export function kWeightingFilters(sampleRate: number): { shelf: Biquad; highPass: Biquad } {
  return sampleRate === 48000 ? K_WEIGHTING_48K : kWeightingFromPrototype(sampleRate);
}

/** The general formulas alone (the tests check they give Table 1/2 at 48 kHz). */
export function kWeightingFromPrototype(sampleRate: number): { shelf: Biquad; highPass: Biquad } {
  const shelfF0 = 1681.974450955533;
  const shelfGainDb = 3.999843853973347;
  const shelfQ = 0.7071752369554196;
  let k = Math.tan((Math.PI * shelfF0) / sampleRate);
  const vh = 10 ** (shelfGainDb / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / shelfQ + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / shelfQ + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / shelfQ + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / shelfQ + k * k) / a0,
  };
  const hpF0 = 38.13547087602444;
  const hpQ = 0.5003270373238773;
  k = Math.tan((Math.PI * hpF0) / sampleRate);
  a0 = 1 + k / hpQ + k * k;
  const highPass: Biquad = {
    b0: 1,
    b1: -2,
    b2: 1,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / hpQ + k * k) / a0,
  };
  return { shelf, highPass };
}

/** LUFS of a channel-weighted sum of mean squares (BS.1770-4 eq. 2). */
export const lufsOf = (weightedMeanSquare: number): number =>
  weightedMeanSquare > 0 ? -0.691 + 10 * Math.log10(weightedMeanSquare) : -Infinity;

const energyOf = (lufs: number): number => 10 ** ((lufs + 0.691) / 10);

/** BS.1770-4 Table 3: L, R, C weigh 1.0; the surround channels 1.41 (+1.5 dB). */
export function defaultChannelWeights(channels: number): number[] {
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41]; // LFE is not measured
  return Array.from({ length: channels }, () => 1);
}

export const ABSOLUTE_GATE_LUFS = -70;
export const RELATIVE_GATE_LU = -10;
export const LRA_RELATIVE_GATE_LU = -20;

/** Integrated loudness of gating-block energies (weighted mean squares), gated per Tech 3341. */
export function gatedLoudness(
  blockEnergies: ArrayLike<number>,
  relativeGateLu = RELATIVE_GATE_LU,
): number {
  const absFloor = energyOf(ABSOLUTE_GATE_LUFS);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < blockEnergies.length; i++) {
    const e = blockEnergies[i] ?? 0;
    if (e > absFloor) {
      sum += e;
      n++;
    }
  }
  if (n === 0) return -Infinity;
  const relFloor = (sum / n) * 10 ** (relativeGateLu / 10);
  sum = 0;
  n = 0;
  for (let i = 0; i < blockEnergies.length; i++) {
    const e = blockEnergies[i] ?? 0;
    if (e > absFloor && e > relFloor) {
      sum += e;
      n++;
    }
  }
  return n > 0 ? lufsOf(sum / n) : -Infinity;
}

/** Tech 3342 loudness range of short-term energies: P95 - P10 of the gated values, in LU. */
export function loudnessRange(shortTermEnergies: ArrayLike<number>): number {
  const absFloor = energyOf(ABSOLUTE_GATE_LUFS);
  const above: number[] = [];
  let sum = 0;
  for (let i = 0; i < shortTermEnergies.length; i++) {
    const e = shortTermEnergies[i] ?? 0;
    if (e > absFloor) {
      above.push(e);
      sum += e;
    }
  }
  if (above.length === 0) return 0;
  const relFloor = (sum / above.length) * 10 ** (LRA_RELATIVE_GATE_LU / 10);
  const values = above
    .filter((e) => e > relFloor)
    .map(lufsOf)
    .sort((a, b) => a - b);
  if (values.length === 0) return 0;
  return percentile(values, 0.95) - percentile(values, 0.1);
}

/** Linear interpolation between closest ranks of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (x - lo);
}

/** A growable list of float64 (block energies of a 6-hour file: 216,000 values). */
class Float64List {
  private data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  view(from = 0, to = this.length): Float64Array {
    return this.data.subarray(from, to);
  }
}

/**
 * K-weights two channels, x[from, to) and y[from, to), through their filter states `s`
 * ([x's stage 1 z1, z2, stage 2 z1, z2, then y's], transposed direct form II, updated in
 * place) and adds the sums of the squares of the weighted samples to sums[0] and sums[1].
 * Two at once because their recursions are independent: the processor overlaps them, a
 * third faster than one channel after the other (1.2 against 1.7 ms for 8 speakers' 0.5 s
 * on the 2-vCPU VM). A lone channel goes as a pair with itself (y = x).
 */
export function kWeightPair(
  x: Float32Array,
  y: Float32Array,
  from: number,
  to: number,
  s: Float64Array,
  shelf: Biquad,
  highPass: Biquad,
  sums: Float64Array,
): void {
  const { b0, b1, b2, a1, a2 } = shelf;
  // Coefficients as locals: loads from an object in the loop cost a third.
  const { b0: c0, b1: c1, b2: c2, a1: d1, a2: d2 } = highPass;
  let xz1 = s[0] as number;
  let xz2 = s[1] as number;
  let xw1 = s[2] as number;
  let xw2 = s[3] as number;
  let yz1 = s[4] as number;
  let yz2 = s[5] as number;
  let yw1 = s[6] as number;
  let yw2 = s[7] as number;
  let sumX = 0;
  let sumY = 0;
  const end = Math.min(to, x.length, y.length);
  for (let n = from; n < end; n++) {
    const u = x[n] as number;
    const v = y[n] as number;
    const xs = b0 * u + xz1;
    const ys = b0 * v + yz1;
    xz1 = b1 * u - a1 * xs + xz2;
    yz1 = b1 * v - a1 * ys + yz2;
    xz2 = b2 * u - a2 * xs;
    yz2 = b2 * v - a2 * ys;
    const xk = c0 * xs + xw1;
    const yk = c0 * ys + yw1;
    xw1 = c1 * xs - d1 * xk + xw2;
    yw1 = c1 * ys - d1 * yk + yw2;
    xw2 = c2 * xs - d2 * xk;
    yw2 = c2 * ys - d2 * yk;
    sumX += xk * xk;
    sumY += yk * yk;
  }
  // Stored one by one: an array literal here would be garbage on every call (a meter's
  // 10 minutes of blocks must allocate nothing, test/liveLoudness.test.ts).
  s[0] = xz1;
  s[1] = xz2;
  s[2] = xw1;
  s[3] = xw2;
  s[4] = yz1;
  s[5] = yz2;
  s[6] = yw1;
  s[7] = yw2;
  sums[0] = (sums[0] as number) + sumX;
  sums[1] = (sums[1] as number) + sumY;
}

/**
 * The front of every loudness meter here, streaming: K-weights each channel (transposed
 * direct form II, state kept across pushes), sums squares over 100 ms steps, and hands
 * each completed step's channel-weighted mean square to `onStep`. Pushes of any length;
 * no allocation per sample or per push. The offline LoudnessMeter and the live mix's
 * LiveLoudnessMeter (liveLoudness.ts) both build on it, so both read the same numbers.
 */
export class KWeightedSteps {
  readonly sampleRate: number;
  readonly channelCount: number;
  /** Samples per 100 ms step. */
  readonly stepFrames: number;
  private readonly weights: number[];
  private readonly shelf: Biquad;
  private readonly highPass: Biquad;
  /** Filter state per pair of channels (kWeightPair's layout). */
  private readonly state: Float64Array[];
  private readonly pairSums = new Float64Array(2);
  private readonly stepSum: Float64Array;
  private stepFill = 0;
  private readonly onStep: (weightedMeanSquare: number) => void;

  constructor(
    sampleRate: number,
    channelCount: number,
    channelWeights: number[],
    onStep: (weightedMeanSquare: number) => void,
  ) {
    if (channelWeights.length !== channelCount)
      throw new RangeError(`${channelWeights.length} channel weights for ${channelCount} channels`);
    this.sampleRate = sampleRate;
    this.channelCount = channelCount;
    this.weights = channelWeights;
    this.stepFrames = Math.round(sampleRate / 10);
    const filters = kWeightingFilters(sampleRate);
    this.shelf = filters.shelf;
    this.highPass = filters.highPass;
    this.state = Array.from({ length: Math.ceil(channelCount / 2) }, () => new Float64Array(8));
    this.stepSum = new Float64Array(channelCount);
    this.onStep = onStep;
  }

  push(channels: readonly Float32Array[]): void {
    const frames = channels[0]?.length ?? 0;
    let i = 0;
    while (i < frames) {
      const take = Math.min(frames - i, this.stepFrames - this.stepFill);
      for (let c = 0; c < this.channelCount; c += 2) {
        const x = channels[c];
        if (!x) continue;
        const y = channels[c + 1];
        this.pairSums.fill(0);
        kWeightPair(
          x,
          y ?? x,
          i,
          i + take,
          this.state[c / 2] as Float64Array,
          this.shelf,
          this.highPass,
          this.pairSums,
        );
        this.stepSum[c] = (this.stepSum[c] ?? 0) + (this.pairSums[0] as number);
        if (y) this.stepSum[c + 1] = (this.stepSum[c + 1] ?? 0) + (this.pairSums[1] as number);
      }
      this.stepFill += take;
      i += take;
      if (this.stepFill === this.stepFrames) this.completeStep();
    }
  }

  private completeStep(): void {
    let weighted = 0;
    for (let c = 0; c < this.channelCount; c++)
      weighted += (this.weights[c] ?? 1) * ((this.stepSum[c] ?? 0) / this.stepFrames);
    this.stepSum.fill(0);
    this.stepFill = 0;
    this.onStep(weighted);
  }
}

/**
 * Streaming BS.1770-4 / R128 loudness meter that keeps everything (for files and
 * reports). Energies are kept per 100 ms step: the momentary value (and gating block)
 * ending at step j averages steps j-3..j; the short-term value averages steps j-29..j.
 * Both are produced every 100 ms.
 */
export class LoudnessMeter {
  readonly sampleRate: number;
  readonly channelCount: number;
  /** Samples per 100 ms step. */
  readonly stepFrames: number;
  private readonly front: KWeightedSteps;
  /** Channel-weighted mean square of each completed 100 ms step. */
  private readonly steps = new Float64List();
  /** Energy of each 400 ms gating block (= momentary), one per step from step 3 on. */
  readonly blockEnergies = new Float64List();
  /** Energy of each 3 s short-term window, one per step from step 29 on. */
  readonly shortTermEnergies = new Float64List();

  constructor(
    sampleRate: number,
    channelCount: number,
    channelWeights: number[] = defaultChannelWeights(channelCount),
  ) {
    this.front = new KWeightedSteps(sampleRate, channelCount, channelWeights, (e) =>
      this.completeStep(e),
    );
    this.sampleRate = sampleRate;
    this.channelCount = channelCount;
    this.stepFrames = this.front.stepFrames;
  }

  push(channels: readonly Float32Array[]): void {
    this.front.push(channels);
  }

  private completeStep(weighted: number): void {
    this.steps.push(weighted);
    const n = this.steps.length;
    if (n >= 4) this.blockEnergies.push(mean(this.steps.view(n - 4, n)));
    if (n >= 30) this.shortTermEnergies.push(mean(this.steps.view(n - 30, n)));
  }

  /** Seconds of audio measured in whole 100 ms steps. */
  get measuredS(): number {
    return this.steps.length / 10;
  }

  /** Momentary loudness (LUFS) every 100 ms; the value at index i ends at (i + 4) * 0.1 s. */
  momentaryLufs(): Float64Array {
    return this.blockEnergies.view().map(lufsOf);
  }

  /** Short-term loudness (LUFS) every 100 ms; the value at index i ends at (i + 30) * 0.1 s. */
  shortTermLufs(): Float64Array {
    return this.shortTermEnergies.view().map(lufsOf);
  }

  /** Integrated loudness (LUFS) of everything so far, or of the blocks that end within [fromS, toS). */
  integratedLufs(fromS = 0, toS = Infinity): number {
    const blocks = this.blockEnergies.view();
    // Block i spans [i * 0.1, i * 0.1 + 0.4) s.
    const first = Math.max(0, Math.ceil(fromS * 10 - 1e-9));
    const last = Math.min(blocks.length, Math.floor((toS - 0.4) * 10 + 1e-9) + 1);
    return gatedLoudness(blocks.subarray(first, Math.max(first, last)));
  }

  /** Loudness range (LU) per Tech 3342. */
  loudnessRangeLu(): number {
    return loudnessRange(this.shortTermEnergies.view());
  }

  maxMomentaryLufs(): number {
    return lufsOf(maxOf(this.blockEnergies.view()));
  }

  maxShortTermLufs(): number {
    return lufsOf(maxOf(this.shortTermEnergies.view()));
  }
}

function mean(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return x.length > 0 ? s / x.length : 0;
}

function maxOf(x: Float64Array): number {
  let m = 0;
  for (const v of x) if (v > m) m = v;
  return m;
}

/**
 * BS.1770-4 Annex 2, the 48-tap interpolating FIR for 4x oversampling, as its four
 * phases of 12 taps (phase p interpolates p/4 of a sample period). Tap 0 multiplies
 * the newest input sample.
 */
export const TRUE_PEAK_PHASES: readonly (readonly number[])[] = [
  [
    0.001708984375, 0.010986328125, -0.0196533203125, 0.033203125, -0.0594482421875,
    0.1373291015625, 0.97216796875, -0.102294921875, 0.047607421875, -0.026611328125,
    0.014892578125, -0.00830078125,
  ],
  [
    -0.0291748046875, 0.029296875, -0.0517578125, 0.089111328125, -0.16650390625, 0.465087890625,
    0.77978515625, -0.2003173828125, 0.1015625, -0.0582275390625, 0.0330810546875, -0.0189208984375,
  ],
  [
    -0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625, -0.2003173828125, 0.77978515625,
    0.465087890625, -0.16650390625, 0.089111328125, -0.0517578125, 0.029296875, -0.0291748046875,
  ],
  [
    -0.00830078125, 0.014892578125, -0.026611328125, 0.047607421875, -0.102294921875, 0.97216796875,
    0.1373291015625, -0.0594482421875, 0.033203125, -0.0196533203125, 0.010986328125,
    0.001708984375,
  ],
];
const TAPS = 12;
/** No interpolated value can exceed the local input peak by more than the largest phase's sum of |taps|. */
const PHASE_GAIN_BOUND = Math.max(
  ...TRUE_PEAK_PHASES.map((p) => p.reduce((s, h) => s + Math.abs(h), 0)),
);
const SKIP_BLOCK = 64;

/**
 * True peak per BS.1770-4 Annex 2: the input (float, so without the Annex's optional
 * 12.04 dB attenuation for integer arithmetic) is upsampled 4x by the polyphase FIR and
 * the largest absolute value is taken. The sample peak is included too (the interpolator
 * does not pass through the samples exactly, and a true peak below the sample peak is
 * impossible). Blocks whose input cannot produce a new maximum (local peak times the
 * filter's gain bound below the current maximum) are skipped: exact, and 10x faster.
 */
export class TruePeakMeter {
  private readonly history: Float32Array[];
  private peak = 0;
  private peakFrame = 0;
  private framesSeen = 0;

  constructor(channelCount: number) {
    this.history = Array.from({ length: channelCount }, () => new Float32Array(TAPS - 1));
  }

  push(channels: readonly Float32Array[]): void {
    const frames = channels[0]?.length ?? 0;
    for (const [c, x] of channels.entries()) {
      const past = this.history[c];
      if (!past) continue;
      // Input with the previous 11 samples in front: out[n] uses buf[n .. n + 11].
      const buf = new Float32Array(TAPS - 1 + frames);
      buf.set(past);
      buf.set(x, TAPS - 1);
      for (let start = 0; start < frames; start += SKIP_BLOCK) {
        const end = Math.min(frames, start + SKIP_BLOCK);
        let local = 0;
        for (let j = start; j < end + TAPS - 1; j++) {
          const a = Math.abs(buf[j] ?? 0);
          if (a > local) local = a;
        }
        if (local * PHASE_GAIN_BOUND <= this.peak) continue;
        for (let n = start; n < end; n++) {
          const s = Math.abs(x[n] ?? 0);
          if (s > this.peak) this.setPeak(s, n);
          for (const phase of TRUE_PEAK_PHASES) {
            let y = 0;
            // Tap 0 multiplies the newest sample, buf[n + 11] = x[n].
            for (let t = 0; t < TAPS; t++) y += (phase[t] ?? 0) * (buf[n + TAPS - 1 - t] ?? 0);
            const a = Math.abs(y);
            if (a > this.peak) this.setPeak(a, n);
          }
        }
      }
      past.set(buf.subarray(frames));
    }
    this.framesSeen += frames;
  }

  private setPeak(value: number, frameInChunk: number): void {
    this.peak = value;
    this.peakFrame = this.framesSeen + frameInChunk;
  }

  get linear(): number {
    return this.peak;
  }

  get dbtp(): number {
    return this.peak > 0 ? 20 * Math.log10(this.peak) : -Infinity;
  }

  /** Input frame at which the maximum was reached (the interpolator's group delay is ~6 samples). */
  get atFrame(): number {
    return this.peakFrame;
  }
}

export interface LoudnessSummary {
  integratedLufs: number;
  loudnessRangeLu: number;
  maxMomentaryLufs: number;
  maxShortTermLufs: number;
  truePeakDbtp: number;
}

/** Loudness and true peak of whole channels. */
export function measureLoudness(
  channels: readonly Float32Array[],
  sampleRate: number,
  channelWeights?: number[],
): LoudnessSummary {
  const meter = new LoudnessMeter(sampleRate, channels.length, channelWeights);
  const peak = new TruePeakMeter(channels.length);
  const chunk = sampleRate;
  const length = channels[0]?.length ?? 0;
  for (let i = 0; i < length; i += chunk) {
    const part = channels.map((c) => c.subarray(i, Math.min(length, i + chunk)));
    meter.push(part);
    peak.push(part);
  }
  return {
    integratedLufs: meter.integratedLufs(),
    loudnessRangeLu: meter.loudnessRangeLu(),
    maxMomentaryLufs: meter.maxMomentaryLufs(),
    maxShortTermLufs: meter.maxShortTermLufs(),
    truePeakDbtp: peak.dbtp,
  };
}
