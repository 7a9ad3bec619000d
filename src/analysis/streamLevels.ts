/**
 * The click and silence measures of levels.ts, fed chunk by chunk, so hours of audio are
 * measured without holding them: clicks by `findClicks` over each chunk with enough of
 * the previous one in front for its 5 ms neighbourhood; silence as runs of 50 ms windows
 * below a threshold (the `longestSilenceS` definition), carried across chunks.
 */
import { findClicks, toDb } from './levels.ts';

/** Counts clicks (levels.ts `findClicks`) on every channel of a stream. */
export class ClickCounter {
  private readonly sampleRate: number;
  private readonly half: number;
  private readonly tails: Float32Array[];
  private framesSeen = 0;
  private readonly last: number[];
  /** Click times (s) in stream order, per channel merged. */
  readonly times: number[] = [];
  count = 0;
  private readonly keep: number;

  constructor(sampleRate: number, channelCount: number, keepTimes = 100) {
    this.sampleRate = sampleRate;
    // findClicks looks max(8, 5 ms) either side of a sample.
    this.half = Math.max(8, Math.round(0.005 * sampleRate));
    this.tails = Array.from({ length: channelCount }, () => new Float32Array(0));
    this.last = Array.from({ length: channelCount }, () => -Infinity);
    this.keep = keepTimes;
  }

  push(channels: readonly Float32Array[], final = false): void {
    const frames = channels[0]?.length ?? 0;
    for (const [c, x] of channels.entries()) {
      const tail = this.tails[c] ?? new Float32Array(0);
      const buf = new Float32Array(tail.length + frames);
      buf.set(tail);
      buf.set(x, tail.length);
      const bufStart = this.framesSeen - tail.length;
      // A sample is judged here once `half` samples follow it (or at the very end).
      const judgeFrom = Math.max(0, tail.length - this.half);
      const judgeTo = final ? buf.length : buf.length - this.half;
      for (const t of findClicks(buf, this.sampleRate)) {
        const i = Math.round(t * this.sampleRate);
        if (i < judgeFrom || i >= judgeTo) continue;
        const at = bufStart + i;
        if (at - (this.last[c] ?? -Infinity) <= this.half) continue;
        this.last[c] = at;
        this.count++;
        if (this.times.length < this.keep) this.times.push(at / this.sampleRate);
      }
      this.tails[c] = buf.slice(Math.max(0, buf.length - 2 * this.half));
    }
    this.framesSeen += frames;
  }

  /** Judges the last few samples held back for context. */
  finish(): void {
    this.push(
      this.tails.map(() => new Float32Array(0)),
      true,
    );
  }
}

/** The longest run of 50 ms windows whose RMS (all channels) is below a threshold. */
export class SilenceTracker {
  readonly thresholdDbfs: number;
  private readonly window: number;
  private readonly windowS: number;
  private sum = 0;
  private filled = 0;
  private run = 0;
  private windows = 0;
  longestS = 0;
  /** Where the longest run starts (s). */
  atS = 0;
  private readonly channelCount: number;

  constructor(sampleRate: number, channelCount: number, thresholdDbfs = -60, windowS = 0.05) {
    this.thresholdDbfs = thresholdDbfs;
    this.window = Math.max(1, Math.round(windowS * sampleRate));
    this.windowS = this.window / sampleRate;
    this.channelCount = channelCount;
  }

  push(channels: readonly Float32Array[]): void {
    const frames = channels[0]?.length ?? 0;
    for (let i = 0; i < frames; i++) {
      for (const ch of channels) this.sum += (ch[i] ?? 0) ** 2;
      if (++this.filled === this.window) {
        const db = toDb(Math.sqrt(this.sum / (this.window * this.channelCount)));
        this.run = db < this.thresholdDbfs ? this.run + 1 : 0;
        this.windows++;
        if (this.run * this.windowS > this.longestS) {
          this.longestS = this.run * this.windowS;
          this.atS = (this.windows - this.run) * this.windowS;
        }
        this.sum = 0;
        this.filled = 0;
      }
    }
  }
}
