/**
 * Register: where the choir sings, as one pitch in MIDI numbers. Definition: the
 * power-weighted mean of the MIDI pitch (69 + 12 log2(f / 440 Hz)) of every spectrum bin
 * between 55 Hz (A1) and 1.5 kHz (about G6): the range of the choir's fundamentals and
 * strongest low partials. It is a log-frequency spectral centroid; partials pull it above
 * the sung notes by a constant-ish amount, so it is for comparing renders (a register
 * moving up or down), not for naming a note. Over a whole file, frames are pooled by
 * power, so the loud passages count more, as they do for a listener.
 */
import { midiOfHz } from './chroma.ts';

const NOTE_NAMES = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];

/** e.g. 57.3 -> "A3 +30 ct" (MIDI 69 = A4). */
export function noteNameOfMidi(midi: number): string {
  if (!Number.isFinite(midi)) return '-';
  const nearest = Math.round(midi);
  const cents = Math.round((midi - nearest) * 100);
  return `${NOTE_NAMES[((nearest % 12) + 12) % 12]}${Math.floor(nearest / 12) - 1}${cents === 0 ? '' : ` ${cents > 0 ? '+' : ''}${cents} ct`}`;
}

export class RegisterMeter {
  private readonly first: number;
  private readonly midiOfBin: Float64Array;
  private weightedMidi = 0;
  private power = 0;

  constructor(sampleRate: number, fftSize: number, minHz = 55, maxHz = 1500) {
    const binHz = sampleRate / fftSize;
    this.first = Math.max(1, Math.ceil(minHz / binHz));
    const last = Math.min(fftSize / 2, Math.floor(maxHz / binHz));
    this.midiOfBin = Float64Array.from({ length: Math.max(0, last - this.first + 1) }, (_, i) =>
      midiOfHz((this.first + i) * binHz),
    );
  }

  /** The frame's register (MIDI), NaN when the band is silent; the frame joins the mean. */
  add(magnitude: Float64Array): number {
    let w = 0;
    let p = 0;
    for (let i = 0; i < this.midiOfBin.length; i++) {
      const e = (magnitude[this.first + i] ?? 0) ** 2;
      w += e * (this.midiOfBin[i] ?? 0);
      p += e;
    }
    this.weightedMidi += w;
    this.power += p;
    return p > 0 ? w / p : NaN;
  }

  /** The power-weighted mean register of every frame added (MIDI), NaN if all were silent. */
  get meanMidi(): number {
    return this.power > 0 ? this.weightedMidi / this.power : NaN;
  }
}
