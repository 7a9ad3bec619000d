/**
 * Measurements of a looped sample: pitch (YIN), loudness, loop seam and register.
 * Pure functions over Float32Array so they are unit-tested with synthetic signals; run
 * directly, the module measures one WAV file (see the CLI at the end).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readWav } from './wav.ts';

/**
 * YIN step 4 absolute threshold. The paper (section II.D) uses 0.1 and finds the error rate
 * insensitive to it nearby; 0.15 accepts the slightly aperiodic frames of a chorused ensemble.
 */
const YIN_THRESHOLD = 0.15;
/**
 * Search range. The extracted roots span D#2 (77.8 Hz) to F#6 (1480 Hz); A1 (55 Hz) leaves room
 * for a low bass, 4200 Hz for a sample an octave above the highest root (octave-error headroom).
 */
const MIN_PITCH_HZ = 55;
const MAX_PITCH_HZ = 4200;
/** Analysis window: 2048 frames at 48 kHz is 43 ms, two periods of the lowest searched pitch. */
const WINDOW_FRAMES = 2048;
/** Frames analysed per sample; their median is the estimate. */
const MAX_ANALYSIS_FRAMES = 48;

/**
 * Fundamental frequency of one frame by YIN (de Cheveigné & Kawahara, "YIN, a fundamental
 * frequency estimator for speech and music", JASA 111(4), 2002): difference function (step 2),
 * cumulative mean normalised difference (step 3), absolute threshold (step 4) and parabolic
 * interpolation (step 5). Returns undefined for a frame with no periodicity or silence.
 */
export function yinFrameHz(
  x: Float32Array,
  start: number,
  sampleRate: number,
): { hz: number; aperiodicity: number } | undefined {
  const minLag = Math.max(2, Math.floor(sampleRate / MAX_PITCH_HZ));
  const maxLag = Math.min(Math.ceil(sampleRate / MIN_PITCH_HZ), WINDOW_FRAMES);
  if (start + WINDOW_FRAMES + maxLag + 1 > x.length) return undefined;
  const diff = new Float64Array(maxLag + 2);
  for (let lag = 1; lag <= maxLag + 1; lag++) diff[lag] = differenceAt(x, start, lag);
  const cmnd = new Float64Array(maxLag + 2);
  cmnd[0] = 1;
  let running = 0;
  for (let lag = 1; lag <= maxLag + 1; lag++) {
    running += diff[lag] ?? 0;
    cmnd[lag] = running > 0 ? ((diff[lag] ?? 0) * lag) / running : 1;
  }
  let best = -1;
  for (let lag = minLag; lag <= maxLag; lag++) {
    if ((cmnd[lag] ?? 1) < YIN_THRESHOLD) {
      while (lag + 1 <= maxLag && (cmnd[lag + 1] ?? 1) < (cmnd[lag] ?? 1)) lag++;
      best = lag;
      break;
    }
  }
  if (best < 0) {
    // No dip under the threshold: YIN takes the global minimum (step 4), here only if clearly periodic.
    let min = Infinity;
    for (let lag = minLag; lag <= maxLag; lag++) {
      if ((cmnd[lag] ?? 1) < min) {
        min = cmnd[lag] ?? 1;
        best = lag;
      }
    }
    if (min > 0.5) return undefined;
  }
  const period = best + parabolicShift(cmnd[best - 1] ?? 0, cmnd[best] ?? 0, cmnd[best + 1] ?? 0);
  return { hz: sampleRate / refinePeriod(x, start, period, maxLag), aperiodicity: cmnd[best] ?? 1 };
}

/** Offset in (-0.5, 0.5) of the vertex of the parabola through three equally spaced points (YIN step 5). */
function parabolicShift(a: number, b: number, c: number): number {
  const denom = a - 2 * b + c;
  return denom > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom)) : 0;
}

function differenceAt(x: Float32Array, start: number, lag: number): number {
  let sum = 0;
  for (let j = 0; j < WINDOW_FRAMES; j++) {
    const d = (x[start + j] ?? 0) - (x[start + j + lag] ?? 0);
    sum += d * d;
  }
  return sum;
}

/**
 * Short periods (high notes) span few samples, so a 0.1-sample interpolation error is
 * several cents. Measuring the k-th multiple of the period divides that error by k; k stays
 * below period/2 so the search window (k/2 samples either side) cannot reach another multiple.
 */
function refinePeriod(x: Float32Array, start: number, period: number, maxLag: number): number {
  // (k * period + k / 2 + 1 <= maxLag keeps every lag inside the frame yinFrameHz checked.)
  const k = Math.max(
    1,
    Math.min(Math.floor((maxLag - 2) / (period + 0.5)), Math.floor(period / 2)),
  );
  if (k === 1) return period;
  const centre = Math.round(k * period);
  const reach = Math.ceil(k / 2) + 1;
  let bestLag = centre;
  let bestDiff = Infinity;
  for (let lag = centre - reach; lag <= centre + reach; lag++) {
    const d = differenceAt(x, start, lag);
    if (d < bestDiff) {
      bestDiff = d;
      bestLag = lag;
    }
  }
  const shift = parabolicShift(
    differenceAt(x, start, bestLag - 1),
    bestDiff,
    differenceAt(x, start, bestLag + 1),
  );
  return (bestLag + shift) / k;
}

function median(values: number[]): number {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Median YIN pitch over evenly spaced frames in [from, to); undefined if no frame is periodic. */
export function estimatePitchHz(
  x: Float32Array,
  sampleRate: number,
  from = 0,
  to = x.length,
): number | undefined {
  const lastStart = to - WINDOW_FRAMES - Math.ceil(sampleRate / MIN_PITCH_HZ) - 1;
  if (lastStart < from) return undefined;
  const count = Math.min(
    MAX_ANALYSIS_FRAMES,
    Math.floor((lastStart - from) / (WINDOW_FRAMES / 2)) + 1,
  );
  const estimates: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = count === 1 ? from : Math.round(from + ((lastStart - from) * i) / (count - 1));
    const frame = yinFrameHz(x, start, sampleRate);
    if (frame) estimates.push(frame.hz);
  }
  return estimates.length ? median(estimates) : undefined;
}

/** MIDI note number of a frequency, A4 = 440 Hz = 69 (MIDI 1.0 / ISO 16). */
export function hzToMidi(hz: number): number {
  return 69 + 12 * Math.log2(hz / 440);
}

export type Register = 'bass' | 'tenor' | 'alto' | 'soprano';

/**
 * Register of a root key. Boundaries follow the usual SATB ranges by their lower notes:
 * bass below C3 (MIDI 48), tenor C3-B3 (48-59), alto C4-G4 (60-67), soprano from G#4 (68).
 */
export function registerOf(midi: number): Register {
  if (midi < 48) return 'bass';
  if (midi < 60) return 'tenor';
  if (midi < 68) return 'alto';
  return 'soprano';
}

export function rmsOf(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (x[i] ?? 0) ** 2;
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

export function dbfs(amplitude: number): number {
  return amplitude > 0 ? 20 * Math.log10(amplitude) : -Infinity;
}

export interface SampleMeasurement {
  measuredHz: number | undefined;
  loudnessDbfs: number;
  peakDbfs: number;
  durationS: number;
  /** |x[loopEnd-1] - x[loopStart]| / RMS of the loop: about 0.1 or less is inaudible, above 1 clicks. */
  loopSeam: number;
}

/** Measures a mono sample whose sustain is the loop [loopStart, loopEnd) in frames. */
export function measureSample(
  x: Float32Array,
  sampleRate: number,
  loopStart: number,
  loopEnd: number,
): SampleMeasurement {
  // The loop is the part the soundfont author chose as steady; fall back to the middle half if it is tiny.
  const steady =
    loopEnd - loopStart >= sampleRate / 10
      ? [loopStart, loopEnd]
      : [x.length >> 2, (3 * x.length) >> 2];
  const [from, to] = steady as [number, number];
  const loopRms = rmsOf(x, loopStart, loopEnd);
  let peak = 0;
  for (const v of x) peak = Math.max(peak, Math.abs(v));
  const seamJump = Math.abs((x[loopEnd - 1] ?? 0) - (x[loopStart] ?? 0));
  return {
    measuredHz: estimatePitchHz(x, sampleRate, from, to),
    loudnessDbfs: dbfs(rmsOf(x, from, to)),
    peakDbfs: dbfs(peak),
    durationS: x.length / sampleRate,
    loopSeam: loopRms > 0 ? seamJump / loopRms : 0,
  };
}

/** CLI for one file: node samples/tools/measure.ts file.wav [loopStartSample loopEndSample] */
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path, loopStartArg, loopEndArg] = process.argv.slice(2);
  if (!path)
    throw new Error(
      'usage: node samples/tools/measure.ts file.wav [loopStartSample loopEndSample]',
    );
  const { sampleRate, channels } = readWav(readFileSync(path));
  const mono = channels[0] ?? new Float32Array(0);
  const m = measureSample(
    mono,
    sampleRate,
    Number(loopStartArg ?? mono.length >> 2),
    Number(loopEndArg ?? (3 * mono.length) >> 2),
  );
  const midi = m.measuredHz === undefined ? undefined : hzToMidi(m.measuredHz);
  console.log({
    ...m,
    measuredMidi: midi,
    register: midi === undefined ? undefined : registerOf(Math.round(midi)),
  });
}
