/**
 * Two descriptions of a spectrum frame that the repetition statistic compares:
 * - chroma: the frame's power folded onto the 12 pitch classes (C..B), the usual
 *   harmony descriptor (Bartsch & Wakefield 2001; Müller, "Fundamentals of Music
 *   Processing", ch. 3). Each bin between 65 Hz (C2) and 5 kHz is shared between the
 *   two nearest equal-tempered semitones (A4 = 440 Hz) by linear interpolation.
 * - timbre: 13 mel-frequency cepstral coefficients (Davis & Mermelstein 1980): 26
 *   triangular mel bands (O'Shaughnessy's mel, 2595 log10(1 + f/700)) from 60 Hz to
 *   16 kHz, log10 band power, DCT-II. c0 follows level, c1.. the spectral envelope.
 */

export const PITCH_CLASSES = [
  'C',
  'C#',
  'D',
  'D#',
  'E',
  'F',
  'F#',
  'G',
  'G#',
  'A',
  'A#',
  'B',
] as const;
export const TIMBRE_COEFFICIENTS = 13;
const MEL_BANDS = 26;

export const midiOfHz = (hz: number): number => 69 + 12 * Math.log2(hz / 440);
const melOfHz = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
const hzOfMel = (mel: number): number => 700 * (10 ** (mel / 2595) - 1);

export interface ChromaTimbreOptions {
  chromaMinHz?: number;
  chromaMaxHz?: number;
  melMinHz?: number;
  melMaxHz?: number;
}

interface BandWeights {
  firstBin: number;
  weights: Float64Array;
}

export class ChromaTimbre {
  readonly binHz: number;
  /** Per bin: lower pitch class and the share (0..1) that goes to the one above. */
  private readonly chromaLow: Int8Array;
  private readonly chromaShare: Float64Array;
  private readonly chromaFirst: number;
  private readonly chromaLast: number;
  private readonly melBands: BandWeights[];
  private readonly dct: Float64Array[];

  constructor(sampleRate: number, fftSize: number, options: ChromaTimbreOptions = {}) {
    this.binHz = sampleRate / fftSize;
    const nyquist = sampleRate / 2;
    const half = fftSize / 2;
    this.chromaFirst = Math.max(1, Math.ceil((options.chromaMinHz ?? 65) / this.binHz));
    this.chromaLast = Math.min(
      half,
      Math.floor(Math.min(options.chromaMaxHz ?? 5000, nyquist) / this.binHz),
    );
    this.chromaLow = new Int8Array(half + 1);
    this.chromaShare = new Float64Array(half + 1);
    for (let k = this.chromaFirst; k <= this.chromaLast; k++) {
      const m = midiOfHz(k * this.binHz);
      const below = Math.floor(m);
      this.chromaLow[k] = ((below % 12) + 12) % 12;
      this.chromaShare[k] = m - below;
    }
    const melLo = melOfHz(options.melMinHz ?? 60);
    const melHi = melOfHz(Math.min(options.melMaxHz ?? 16000, nyquist * 0.95));
    const edges = Array.from({ length: MEL_BANDS + 2 }, (_, i) =>
      hzOfMel(melLo + ((melHi - melLo) * i) / (MEL_BANDS + 1)),
    );
    this.melBands = [];
    for (let b = 0; b < MEL_BANDS; b++) {
      const [lo, mid, hi] = [edges[b] ?? 0, edges[b + 1] ?? 0, edges[b + 2] ?? 0];
      const firstBin = Math.max(1, Math.ceil(lo / this.binHz));
      const lastBin = Math.min(half, Math.floor(hi / this.binHz));
      const weights = new Float64Array(Math.max(1, lastBin - firstBin + 1));
      for (let k = firstBin; k <= lastBin; k++) {
        const f = k * this.binHz;
        weights[k - firstBin] = f <= mid ? (f - lo) / (mid - lo) : (hi - f) / (hi - mid);
      }
      // A band narrower than a bin still reads the bin nearest its centre.
      if (lastBin < firstBin) weights[0] = 1;
      this.melBands.push({
        firstBin: lastBin < firstBin ? Math.round(mid / this.binHz) : firstBin,
        weights,
      });
    }
    this.dct = Array.from({ length: TIMBRE_COEFFICIENTS }, (_, n) =>
      Float64Array.from(
        { length: MEL_BANDS },
        (_, m) =>
          Math.cos((Math.PI * n * (m + 0.5)) / MEL_BANDS) *
          Math.sqrt((n === 0 ? 1 : 2) / MEL_BANDS),
      ),
    );
  }

  /** Power per pitch class, normalised to sum 1 (all zero for a silent frame). */
  chroma(magnitude: Float64Array): Float64Array {
    const out = new Float64Array(12);
    for (let k = this.chromaFirst; k <= this.chromaLast; k++) {
      const p = (magnitude[k] ?? 0) ** 2;
      const share = this.chromaShare[k] ?? 0;
      const low = this.chromaLow[k] ?? 0;
      out[low] = (out[low] ?? 0) + p * (1 - share);
      out[(low + 1) % 12] = (out[(low + 1) % 12] ?? 0) + p * share;
    }
    const total = out.reduce((a, b) => a + b, 0);
    if (total > 0) for (let i = 0; i < 12; i++) out[i] = (out[i] ?? 0) / total;
    return out;
  }

  /** 13 MFCCs (c0..c12) of the frame; silence reads the floor of -10 (log10 power). */
  timbre(magnitude: Float64Array): Float64Array {
    const logBands = new Float64Array(MEL_BANDS);
    for (const [b, band] of this.melBands.entries()) {
      let e = 0;
      for (let i = 0; i < band.weights.length; i++)
        e += (band.weights[i] ?? 0) * (magnitude[band.firstBin + i] ?? 0) ** 2;
      logBands[b] = Math.log10(e + 1e-10);
    }
    const out = new Float64Array(TIMBRE_COEFFICIENTS);
    for (let n = 0; n < TIMBRE_COEFFICIENTS; n++) {
      const basis = this.dct[n] as Float64Array;
      let s = 0;
      for (let m = 0; m < MEL_BANDS; m++) s += (basis[m] ?? 0) * (logBands[m] ?? 0);
      out[n] = s;
    }
    return out;
  }
}

/** The pitch class with the most energy. */
export function dominantPitchClass(chroma: ArrayLike<number>): (typeof PITCH_CLASSES)[number] {
  let best = 0;
  for (let i = 1; i < 12; i++) if ((chroma[i] ?? 0) > (chroma[best] ?? 0)) best = i;
  return PITCH_CLASSES[best] ?? 'C';
}
