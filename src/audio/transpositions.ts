/**
 * Pre-rendered transpositions of the samples, at the context's sample rate, so every
 * voice plays its buffers at playbackRate 1 from a render-quantum boundary with no loop
 * points: the case node-web-audio-api renders by copying (its AudioBufferSourceNode "fast
 * track"), where any other rate, offset or loop point costs a per-sample interpolation.
 * Measured with 48 looping voices: 18x real time interpolated, 70-97x copied
 * (bench/graph-cost.ts, docs/benchmarks.md).
 *
 * A voice is two buffers: the onset (the sample's attack, up to a whole number of render
 * quanta) played once, then the sustain (the loop region) looped whole, started on the
 * quantum the onset ends, beginning at the exact phase the onset stopped at. The loop is
 * resampled as a periodic signal over a whole number of output samples, so it repeats
 * without a seam; that rounds the pitch by less than 0.1 cent.
 *
 * Rates are rounded to the cent (the conductor's notes are whole semitones from tuned
 * samples) and kept in a bounded cache, most recently used last.
 */
import { resampleLooped, type LoopedSignal } from './loopedResample.ts';

/** A sample as resampling reads it, with the rate it was decoded at. */
interface SampleSignal extends LoopedSignal {
  sampleRate: number;
}
import type { SampleBank } from '../samples/sampleBank.ts';

/** Web Audio's render quantum, in frames (the spec's fixed block size). */
export const RENDER_QUANTUM = 128;

/**
 * One sample at one pitch: its samples, or native buffers of them. A graph whose voices
 * are nodes plays the buffers; one that mixes its voices ahead (offline renders) reads the
 * samples. Each form is made from the other when first asked for, and a buffer made lets
 * go of its samples, so a transposition is held once, not twice.
 */
export class VoiceBuffers {
  /** Render quanta in the onset. */
  readonly onsetQuanta: number;
  private readonly makeBuffer: (data: Float32Array<ArrayBuffer>) => AudioBuffer;
  private onsetSamples: Float32Array<ArrayBuffer> | undefined;
  private sustainSamples: Float32Array<ArrayBuffer> | undefined;
  private onsetBuffer: AudioBuffer | undefined;
  private sustainBuffer: AudioBuffer | undefined;

  constructor(onset: Float32Array<ArrayBuffer>, sustain: Float32Array<ArrayBuffer>, makeBuffer: (data: Float32Array<ArrayBuffer>) => AudioBuffer) {
    this.onsetSamples = onset;
    this.sustainSamples = sustain;
    this.onsetQuanta = onset.length / RENDER_QUANTUM;
    this.makeBuffer = makeBuffer;
  }

  /** The attack, played once; a whole number of render quanta long. */
  get onset(): AudioBuffer {
    if (!this.onsetBuffer) {
      this.onsetBuffer = this.makeBuffer(this.onsetData);
      this.onsetSamples = undefined;
    }
    return this.onsetBuffer;
  }

  /** The sustain, looped whole from the quantum the onset ends on. */
  get sustain(): AudioBuffer {
    if (!this.sustainBuffer) {
      this.sustainBuffer = this.makeBuffer(this.sustainData);
      this.sustainSamples = undefined;
    }
    return this.sustainBuffer;
  }

  /** Memory held: its samples, in whichever form. */
  get bytes(): number {
    const sustain = this.sustainSamples?.length ?? this.sustainBuffer?.length ?? 0;
    return (this.onsetQuanta * RENDER_QUANTUM + sustain) * 4;
  }

  get onsetData(): Float32Array<ArrayBuffer> {
    return (this.onsetSamples ??= samplesOf(this.onsetBuffer));
  }

  get sustainData(): Float32Array<ArrayBuffer> {
    return (this.sustainSamples ??= samplesOf(this.sustainBuffer));
  }
}

function samplesOf(buffer: AudioBuffer | undefined): Float32Array<ArrayBuffer> {
  if (!buffer) throw new Error('a transposition with neither samples nor buffer');
  // Copied out of the binding: its channel views point into native memory (see offlineRender).
  const data = new Float32Array(buffer.length);
  buffer.copyFromChannel(data, 0);
  return data;
}

/** Cached transpositions; ~0.3-0.5 MB each (as samples or as buffers), so 160 of them are at most ~80 MB. */
export const MAX_TRANSPOSITIONS = 160;

export class Transpositions {
  private context: BaseAudioContext;
  private readonly bank: SampleBank;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, VoiceBuffers>();
  private readonly signals = new Map<string, SampleSignal | null>();
  /** Transpositions made, and the time spent making them (ms of the JS thread). */
  rendered = 0;
  renderMs = 0;

  constructor(context: BaseAudioContext, bank: SampleBank, maxEntries = MAX_TRANSPOSITIONS) {
    this.context = context;
    this.bank = bank;
    this.maxEntries = maxEntries;
  }

  /** Makes new buffers on this context from now on (those made already play on any). */
  useContext(context: BaseAudioContext): void {
    if (context.sampleRate !== this.context.sampleRate) this.cache.clear();
    this.context = context;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Memory held by the cached transpositions (bounded by the cache's size). */
  get bytes(): number {
    let bytes = 0;
    for (const buffers of this.cache.values()) bytes += buffers.bytes;
    return bytes;
  }

  /** The buffers that sing `sampleId` at `rate` (2 = an octave up); undefined for an unknown sample. */
  get(sampleId: string, rate: number): VoiceBuffers | undefined {
    const cents = Math.round(1200 * Math.log2(Math.min(8, Math.max(1 / 8, rate))));
    const key = `${sampleId}@${cents}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const signal = this.signal(sampleId);
    if (!signal) return undefined;
    const t0 = performance.now();
    const made = this.render(signal, 2 ** (cents / 1200));
    this.renderMs += performance.now() - t0;
    this.cache.set(key, made);
    this.rendered++;
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return made;
  }

  private signal(sampleId: string): SampleSignal | undefined {
    const known = this.signals.get(sampleId);
    if (known !== undefined) return known ?? undefined;
    const sample = this.bank.get(sampleId);
    if (!sample) {
      this.signals.set(sampleId, null);
      return undefined;
    }
    const buffer = sample.buffer;
    const data = samplesOf(buffer);
    const loopStart = Math.round(sample.info.loopStartS * buffer.sampleRate);
    const loopEnd = Math.min(buffer.length, Math.round(sample.info.loopEndS * buffer.sampleRate));
    const signal: SampleSignal =
      loopEnd - loopStart >= 16
        ? { data, loopStart, loopEnd, sampleRate: buffer.sampleRate }
        : // no usable loop: the whole sample, looped
          { data, loopStart: 0, loopEnd: buffer.length, sampleRate: buffer.sampleRate };
    this.signals.set(sampleId, signal);
    return signal;
  }

  private render(signal: SampleSignal, rate: number): VoiceBuffers {
    const loopLength = signal.loopEnd - signal.loopStart;
    // Input samples per output sample: the transposition, and the sample's rate against the
    // context's (the bank decodes at the first context's rate; a later one may differ).
    const ratio = rate * (signal.sampleRate / this.context.sampleRate);
    const sustainFrames = Math.max(RENDER_QUANTUM, Math.round(loopLength / ratio));
    const step = loopLength / sustainFrames; // the rate, rounded so the loop closes on a sample
    const onsetQuanta = Math.max(1, Math.ceil(signal.loopStart / step / RENDER_QUANTUM));
    const onsetFrames = onsetQuanta * RENDER_QUANTUM;
    const onset = new Float32Array(onsetFrames);
    resampleLooped(signal, 0, step, onset);
    const sustain = new Float32Array(sustainFrames);
    // The sustain starts where the onset stopped, and reads the loop as a periodic signal.
    const startPhase = (onsetFrames * step - signal.loopStart) % loopLength;
    resamplePeriodic(signal.data.subarray(signal.loopStart, signal.loopEnd), startPhase, step, sustain);
    return new VoiceBuffers(onset, sustain, (data) => {
      // On the context of the day (buffers made on one context play on any).
      const b = this.context.createBuffer(1, data.length, this.context.sampleRate);
      b.copyToChannel(data, 0);
      return b;
    });
  }
}

/** A periodic signal (one period in `period`) read at start + k * step. */
function resamplePeriodic(period: Float32Array, start: number, step: number, out: Float32Array): void {
  // A periodic signal is a looped one whose attack is its own last period: loopStart = P.
  const p = period.length;
  const twice = new Float32Array(2 * p);
  twice.set(period, 0);
  twice.set(period, p);
  resampleLooped({ data: twice, loopStart: p, loopEnd: 2 * p }, start + p, step, out);
}
