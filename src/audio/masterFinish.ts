/**
 * The end of the master chain as arithmetic on samples: each speaker pair's limiter, then
 * the hard ceiling. What ChoirGraph builds from nodes for the live room (a Tone.Limiter, a
 * DynamicsCompressorNode, per pair of speakers; the ceiling's WaveShaperNode), computed
 * here for renders, which apply it to the samples they render (offlineRender.ts) and to
 * the window their loudness probe reads. A render then sounds as the room does, and its
 * render thread is spared the per-sample work of every channel: on 8 speakers the four
 * compressors and the ceiling cost 0.6 s of every 30 s, a third of the graph
 * (bench/graph-cost.ts, docs/benchmarks.md).
 *
 * The limiter is the DynamicsCompressorNode's processing as node-web-audio-api computes it
 * (web-audio-api-rs, src/node/dynamics_compressor.rs, after the Web Audio API's
 * "DynamicsCompressorOptions processing" and Giannoulis, Massberg & Reiss, "Digital
 * Dynamic Range Compressor Design", JAES 2012, fig. 7c): per frame, the loudest of the
 * pair's samples in dB through the knee and ratio, a branching peak detector (attack and
 * release one-poles), the spec's make-up gain; the signal delayed by whole render quanta
 * (~6 ms) under that gain. The settings are Tone.Limiter's. A render's samples and the
 * nodes' differ by float rounding (test/masterFinish.test.ts).
 */
import { applyCeiling, CEILING_CURVE, ceilingIdentityReach } from './outputCeiling.ts';
import { RENDER_QUANTUM } from './transpositions.ts';

/** The limiter's threshold: the ceiling behind it is the hard limit. */
export const LIMITER_THRESHOLD_DB = -4;

/** Tone.Limiter's compressor (Tone 15, component/dynamics/Limiter.js; the knee is the Web Audio default). */
export const LIMITER_SETTINGS = { ratio: 20, attackS: 0.003, releaseS: 0.01, kneeDb: 30 } as const;

/** Below this many dB of reduction the detector has let go (a gain within 1e-8 of the make-up). */
const RELEASED_DB = 1e-7;

/** 20 log10(x) = DB_PER_NEPER ln(x): exp and log are cheaper than powers of ten. */
const DB_PER_NEPER = 20 / Math.LN10;

/** The most frames a pair takes at once (MasterFinish cuts longer spans into blocks). */
const BLOCK = 8192;

/** One pair's limiter: its detector and its delay line. */
class PairLimiter {
  private detectorDb = 0;
  private readonly delayFrames: number;
  /** Per channel: the last `delayFrames` frames heard, then room for a block. */
  private readonly history: Float32Array[];
  private readonly gains = new Float32Array(BLOCK);

  constructor(channels: number, delayFrames: number) {
    this.delayFrames = delayFrames;
    this.history = Array.from({ length: channels }, () => new Float32Array(delayFrames + BLOCK));
  }

  /** As it was before it heard anything. */
  reset(): void {
    this.detectorDb = 0;
    for (const h of this.history) h.fill(0, 0, this.delayFrames);
  }

  /** Limits and ceils the pair's next frames (one or two channels, at most a block) in place. */
  process(channels: readonly Float32Array[], k: LimiterConstants): void {
    const a = channels[0] as Float32Array;
    const b = channels[1];
    const frames = a.length;
    let peak = 0;
    for (let i = 0; i < frames; i++) peak = Math.max(peak, Math.abs(a[i] as number));
    if (b) for (let i = 0; i < frames; i++) peak = Math.max(peak, Math.abs(b[i] as number));
    // Nearly always: nothing reaches the knee and the detector is at rest, so every frame
    // gets the make-up gain alone.
    const steady = this.detectorDb === 0 && peak <= k.kneeStartLinear;
    if (!steady) this.computeGains(a, b, k);
    const linear = k.ceilingIdentity;
    const d = this.delayFrames;
    channels.forEach((x, c) => {
      const h = this.history[c] as Float32Array;
      h.set(x, d);
      let outside = false;
      if (steady) {
        const g = k.makeupLinear;
        for (let i = 0; i < frames; i++) {
          const y = (h[i] as number) * g;
          x[i] = y;
          if (y > linear || y < -linear) outside = true;
        }
      } else {
        const gains = this.gains;
        for (let i = 0; i < frames; i++) {
          const y = (h[i] as number) * (gains[i] as number);
          x[i] = y;
          if (y > linear || y < -linear) outside = true;
        }
      }
      // The ceiling is the identity inside; only a block that leaves it needs the curve.
      if (outside) applyCeiling(x, CEILING_CURVE);
      h.copyWithin(0, frames, frames + d);
    });
  }

  /**
   * Each frame's gain from the pair's loudest sample: the gain computer (the knee is
   * centred on the threshold shifted up by half the knee, as the implementation does), the
   * branching peak detector, the make-up gain.
   */
  private computeGains(a: Float32Array, b: Float32Array | undefined, k: LimiterConstants): void {
    let detector = this.detectorDb;
    for (let i = 0; i < a.length; i++) {
      const peak = Math.max(Math.abs(a[i] as number), b ? Math.abs(b[i] as number) : 0);
      let attenuation = 0;
      if (peak > k.kneeStartLinear) {
        const x = DB_PER_NEPER * Math.log(peak);
        const y =
          x <= k.threshold + k.halfKnee
            ? x + (x - k.threshold + k.halfKnee) ** 2 * k.kneePartial
            : k.threshold + (x - k.threshold) / k.ratio;
        attenuation = x - y;
      }
      detector =
        attenuation > detector
          ? k.attackTau * detector + (1 - k.attackTau) * attenuation
          : k.releaseTau * detector + (1 - k.releaseTau) * attenuation;
      if (detector < RELEASED_DB) detector = 0;
      this.gains[i] =
        detector === 0 ? k.makeupLinear : Math.exp((k.makeupDb - detector) / DB_PER_NEPER);
    }
    this.detectorDb = detector;
  }
}

interface LimiterConstants {
  /** The knee's centre in dB (the threshold shifted up by half the knee). */
  threshold: number;
  halfKnee: number;
  kneePartial: number;
  ratio: number;
  kneeStartLinear: number;
  attackTau: number;
  releaseTau: number;
  makeupDb: number;
  makeupLinear: number;
  /** Where the ceiling's curve is the identity: |x| up to this passes unchanged. */
  ceilingIdentity: number;
}

function limiterConstants(thresholdDb: number, sampleRate: number): LimiterConstants {
  const { ratio, attackS, releaseS, kneeDb } = LIMITER_SETTINGS;
  const threshold = kneeDb > 0 ? thresholdDb + kneeDb / 2 : thresholdDb;
  const halfKnee = kneeDb / 2;
  // The spec's make-up gain: the inverse of the curve's gain at 0 dBFS, to the power 0.6.
  const fullRangeGainDb = threshold - threshold / ratio;
  const makeupDb = 0.6 * -fullRangeGainDb;
  return {
    threshold,
    halfKnee,
    kneePartial: (1 / ratio - 1) / (2 * kneeDb),
    ratio,
    kneeStartLinear: 10 ** ((threshold - halfKnee) / 20),
    attackTau: Math.exp(-1 / (attackS * sampleRate)),
    releaseTau: Math.exp(-1 / (releaseS * sampleRate)),
    makeupDb,
    makeupLinear: 10 ** (makeupDb / 20),
    ceilingIdentity: ceilingIdentityReach(CEILING_CURVE),
  };
}

/**
 * The node's look-ahead: its input comes out this many frames later, whole render quanta
 * (ceil(6 ms / quantum) of them; a ring of one more quantum, written before it is read).
 */
export function limiterDelayFrames(sampleRate: number): number {
  return Math.ceil((sampleRate * 0.006) / RENDER_QUANTUM) * RENDER_QUANTUM;
}

export class MasterFinish {
  private readonly constants: LimiterConstants;
  private readonly pairs: PairLimiter[] = [];
  private readonly channelCount: number;
  private readonly sampleRate: number;
  private readonly thresholdDb: number;

  /** For `channels` speakers, paired in order (0-1, 2-3, ...; an odd last one alone), as the graph pairs them. */
  constructor(channels: number, sampleRate: number, thresholdDb = LIMITER_THRESHOLD_DB) {
    this.channelCount = channels;
    this.sampleRate = sampleRate;
    this.thresholdDb = thresholdDb;
    this.constants = limiterConstants(thresholdDb, sampleRate);
    for (let first = 0; first < channels; first += 2)
      this.pairs.push(
        new PairLimiter(Math.min(2, channels - first), limiterDelayFrames(sampleRate)),
      );
  }

  /** A finish in the state of one that has heard nothing (for a window measured on its own). */
  fresh(): MasterFinish {
    return new MasterFinish(this.channelCount, this.sampleRate, this.thresholdDb);
  }

  /** Back to the state of one that has heard nothing (a window measured on its own, again). */
  reset(): void {
    for (const pair of this.pairs) pair.reset();
  }

  /** The look-ahead: frames come out this much later. */
  get delayFrames(): number {
    return limiterDelayFrames(this.sampleRate);
  }

  /**
   * What a finish at rest does to these frames when it is a plain gain after its delay
   * (nearly always): nothing in them reaches the limiters' knee, and nothing so scaled
   * leaves the ceiling's identity. That gain (the make-up), or undefined.
   */
  steadyGain(channels: readonly Float32Array[]): number | undefined {
    const k = this.constants;
    const most = Math.min(k.kneeStartLinear, k.ceilingIdentity / k.makeupLinear);
    for (const x of channels) {
      for (let i = 0; i < x.length; i++) {
        const v = x[i] as number;
        if (v > most || v < -most) return undefined;
      }
    }
    return k.makeupLinear;
  }

  /** Limits and ceils the next frames of every speaker, in place (all of the same length). */
  process(channels: readonly Float32Array[]): void {
    if (channels.length !== this.channelCount)
      throw new RangeError(`${channels.length} channels for a finish of ${this.channelCount}`);
    for (let at = 0; at < (channels[0]?.length ?? 0); at += BLOCK) {
      const block = channels.map((c) => c.subarray(at, at + BLOCK));
      this.pairs.forEach((pair, p) => pair.process(block.slice(2 * p, 2 * p + 2), this.constants));
    }
  }
}

/** Frames copied out and finished at a time: all speakers' in the cache at once. */
const COPY_BLOCK = 4096;

/**
 * A rendered buffer's channels copied out from `fromFrame` on and finished, a block of all
 * speakers at a time while it is in the cache: a pass over a segment's 250 MB costs its
 * memory traffic, more than the arithmetic (measured: ~6 ns a sample for a bare loop).
 */
export function finishRendered(
  buffer: AudioBuffer,
  fromFrame: number,
  finish: MasterFinish,
): Float32Array[] {
  const frames = buffer.length - fromFrame;
  const copies = Array.from({ length: buffer.numberOfChannels }, () => new Float32Array(frames));
  for (let at = 0; at < frames; at += COPY_BLOCK) {
    const block = copies.map((c) => c.subarray(at, Math.min(frames, at + COPY_BLOCK)));
    block.forEach((b, c) => buffer.copyFromChannel(b, c, fromFrame + at));
    finish.process(block);
  }
  return copies;
}
