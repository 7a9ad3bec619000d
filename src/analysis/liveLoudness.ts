/**
 * Loudness of the live mix, as a broadcast meter shows it (EBU R128, Tech 3341): the
 * momentary loudness (400 ms window) and the short-term loudness (3 s window), in LUFS,
 * both updated every 100 ms. The K-weighting and the 100 ms steps are the offline
 * meter's own (KWeightedSteps in loudness.ts); only the last 30 steps are kept, in a
 * ring, so it can run for months in constant memory. No allocation per sample or per push.
 */
import { KWeightedSteps, defaultChannelWeights, lufsOf } from './loudness.ts';

/** Steps of 100 ms in the momentary (400 ms) and short-term (3 s) windows (Tech 3341 §2). */
const MOMENTARY_STEPS = 4;
const SHORT_TERM_STEPS = 30;

export interface LiveLoudness {
  /** Loudness of the last 400 ms (LUFS); null until 400 ms were measured, or for digital silence. */
  momentaryLufs: number | null;
  /** Loudness of the last 3 s (LUFS); null until 3 s were measured, or for digital silence. */
  shortTermLufs: number | null;
}

export class LiveLoudnessMeter {
  private readonly front: KWeightedSteps;
  private readonly ring = new Float64Array(SHORT_TERM_STEPS);
  /** Steps completed since the start (or the last reset). */
  private steps = 0;

  constructor(sampleRate: number, channelCount = 2, channelWeights: number[] = defaultChannelWeights(channelCount)) {
    this.front = new KWeightedSteps(sampleRate, channelCount, channelWeights, (energy) => {
      this.ring[this.steps % SHORT_TERM_STEPS] = energy;
      this.steps++;
    });
  }

  /** Feeds a block of the mix (one array per channel, all the same length). */
  push(channels: readonly Float32Array[]): void {
    this.front.push(channels);
  }

  /** Seconds measured, in whole 100 ms steps. */
  get measuredS(): number {
    return this.steps / 10;
  }

  read(): LiveLoudness {
    return { momentaryLufs: this.windowLufs(MOMENTARY_STEPS), shortTermLufs: this.windowLufs(SHORT_TERM_STEPS) };
  }

  /** Mean energy of the last `n` steps as LUFS (BS.1770-4 eq. 2). */
  private windowLufs(n: number): number | null {
    if (this.steps < n) return null;
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += this.ring[(this.steps - i) % SHORT_TERM_STEPS] ?? 0;
    const lufs = lufsOf(sum / n);
    return Number.isFinite(lufs) ? lufs : null;
  }
}
