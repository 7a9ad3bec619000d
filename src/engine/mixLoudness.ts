/**
 * The live mix's loudness, whenever the engine runs (with or without the web stream): a
 * small float tap on the choir graph's output (ScriptProcessor, 4096-frame blocks: about
 * 12 wake-ups a second, never holding up the render thread) feeds a LiveLoudnessMeter.
 * K-weighting two channels at 48 kHz costs well under 1 % of a core.
 */
import { startFloatTap, type MixTap } from '../stream/mixTap.ts';
import { LiveLoudnessMeter, type LiveLoudness } from '../analysis/liveLoudness.ts';

/** With no block for this long (a stopped clock, a context being replaced) the meter says nothing. */
const STALE_AFTER_MS = 1000;

export class MixLoudness {
  #tap: MixTap;
  #meter: LiveLoudnessMeter;
  #lastBlockAtMs = 0;
  /** Taps on dead contexts, referenced for the life of the process (a few per lost device). */
  readonly #deadTaps: MixTap[] = [];
  readonly #nowMs: () => number;

  constructor(context: BaseAudioContext, source: AudioNode, nowMs: () => number = Date.now) {
    this.#nowMs = nowMs;
    this.#meter = new LiveLoudnessMeter(context.sampleRate, 2);
    this.#tap = this.#start(context, source);
  }

  #start(context: BaseAudioContext, source: AudioNode): MixTap {
    const meter = this.#meter;
    return startFloatTap(context, source, (channels) => {
      meter.push(channels);
      this.#lastBlockAtMs = this.#nowMs();
    });
  }

  /**
   * Taps another context's mix from now on (the engine moved to a new AudioContext). A
   * dead previous context (`previousAlive` false) is sent nothing: its tap is abandoned
   * and kept (MixTap.abandon).
   */
  retap(context: BaseAudioContext, source: AudioNode, previousAlive = true): void {
    if (previousAlive) this.#tap.stop();
    else {
      this.#tap.abandon();
      this.#deadTaps.push(this.#tap);
    }
    this.#meter = new LiveLoudnessMeter(context.sampleRate, 2);
    this.#tap = this.#start(context, source);
  }

  /** Blocks measured so far on the current context. */
  get blocks(): number {
    return this.#tap.blocks;
  }

  /** Momentary and short-term loudness now, LUFS (null: not measured yet, stale, or digital silence). */
  read(): LiveLoudness {
    if (this.#nowMs() - this.#lastBlockAtMs > STALE_AFTER_MS) return { momentaryLufs: null, shortTermLufs: null };
    return this.#meter.read();
  }

  stop(): void {
    this.#tap.stop();
  }
}
