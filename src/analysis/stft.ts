/**
 * Short-time spectra of the mono mix, streaming: frames of `size` samples every `hop`,
 * Hann-windowed, through the radix-2 FFT of levels.ts. Every spectral measure (chroma,
 * timbre, register, centroid, onsets, the spectrogram) reads these magnitude frames.
 */
import { fft } from './levels.ts';

export interface SpectrumFrame {
  /** |X[k]| for k = 0..size/2, scaled so a sine centred on bin k reads its amplitude. */
  magnitude: Float64Array;
  /** Centre of the frame, seconds from the start of the stream. */
  timeS: number;
}

export function hannWindow(size: number): Float64Array {
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
  return w;
}

export class MonoSpectra {
  readonly sampleRate: number;
  readonly size: number;
  readonly hop: number;
  readonly binHz: number;
  private readonly window: Float64Array;
  private readonly ring: Float64Array;
  private filled = 0;
  private sinceFrame = 0;
  private samplesSeen = 0;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly onFrame: (frame: SpectrumFrame) => void;
  /** Sum of the window: a bin-centred sine of amplitude A reads A * sum / 2. */
  private readonly scale: number;

  constructor(
    sampleRate: number,
    size: number,
    hop: number,
    onFrame: (frame: SpectrumFrame) => void,
  ) {
    if ((size & (size - 1)) !== 0) throw new RangeError(`FFT size ${size} is not a power of two`);
    this.sampleRate = sampleRate;
    this.size = size;
    this.hop = hop;
    this.binHz = sampleRate / size;
    this.window = hannWindow(size);
    this.ring = new Float64Array(size);
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
    this.onFrame = onFrame;
    this.scale = 1 / this.window.reduce((a, b) => a + b, 0);
  }

  /** Feeds channels (mixed to mono by their mean). */
  push(channels: readonly Float32Array[]): void {
    const frames = channels[0]?.length ?? 0;
    const count = channels.length;
    for (let i = 0; i < frames; i++) {
      let x = 0;
      for (let c = 0; c < count; c++) x += channels[c]?.[i] ?? 0;
      this.ring[this.filled % this.size] = x / count;
      this.filled++;
      this.samplesSeen++;
      this.sinceFrame++;
      if (this.filled >= this.size && this.sinceFrame >= this.hop) {
        this.sinceFrame = 0;
        this.emit();
      }
    }
  }

  private emit(): void {
    const start = this.filled % this.size; // oldest sample in the ring
    for (let i = 0; i < this.size; i++) {
      this.re[i] = (this.ring[(start + i) % this.size] ?? 0) * (this.window[i] ?? 0);
      this.im[i] = 0;
    }
    fft(this.re, this.im);
    const half = this.size / 2;
    const magnitude = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++)
      magnitude[k] = 2 * this.scale * Math.hypot(this.re[k] ?? 0, this.im[k] ?? 0);
    this.onFrame({ magnitude, timeS: (this.samplesSeen - this.size / 2) / this.sampleRate });
  }
}
