/**
 * Every sound-quality measure of issue 8 over one stream of audio, in a single pass:
 * loudness (BS.1770-4 / R128) and true peak, clicks, longest silence, spectral centroid,
 * onset density, register, the repetition statistic, and the data for the two plots
 * (loudness over time, spectrogram). Feed chunks of any length with `push`; `finish`
 * returns the numbers. Definitions and goals: docs/sound-quality.md.
 */
import { LoudnessMeter, TruePeakMeter } from './loudness.ts';
import { ClickCounter, SilenceTracker } from './streamLevels.ts';
import { MonoSpectra, type SpectrumFrame } from './stft.ts';
import { ChromaTimbre } from './chroma.ts';
import { RegisterMeter, noteNameOfMidi } from './register.ts';
import { OnsetDetector } from './onsets.ts';
import {
  SecondFrames,
  repetitionStatistic,
  type RepetitionOptions,
  type RepetitionResult,
} from './repetition.ts';

/** The spectral frames behind chroma, timbre, register, centroid and the spectrogram. */
export const ANALYSIS_FFT = 16384;
export const ANALYSIS_HOP = 8192;

export interface QualityOptions {
  /** The loudness the piece should have (LUFS); EBU R128's broadcast target by default. */
  targetLufs?: number;
  silenceThresholdDbfs?: number;
  /** Repetition statistic options, or false to skip it. */
  repetition?: RepetitionOptions | false;
  /** Frames in the whole stream, when known: lays out the spectrogram columns. */
  totalFrames?: number;
  spectrogramColumns?: number;
  spectrogramRows?: number;
}

export interface GoalCheck {
  measure: string;
  goal: string;
  value: string;
  pass: boolean;
}

export interface QualityReport {
  durationS: number;
  sampleRate: number;
  channels: number;
  loudness: {
    integratedLufs: number;
    targetLufs: number;
    deviationLu: number;
    loudnessRangeLu: number;
    maxMomentaryLufs: number;
    maxShortTermLufs: number;
    truePeakDbtp: number;
    truePeakAtS: number;
    /** Integrated loudness of consecutive segments: whole hours from 1 h on, else 10 min. */
    segments: { fromS: number; toS: number; integratedLufs: number }[];
  };
  clicks: { count: number; firstTimesS: number[] };
  silence: { thresholdDbfs: number; longestS: number; atS: number };
  spectralCentroidHz: number;
  onsets: { count: number; perMinute: number };
  register: { meanMidi: number; note: string };
  repetition: RepetitionResult | undefined;
  goals: GoalCheck[];
}

/** What the plots need, kept out of the JSON summary. */
export interface QualityPlotData {
  /** Short-term (3 s) loudness, one value per 100 ms; index i ends at (i + 30) / 10 s. */
  shortTermLufs: Float64Array;
  /** Momentary (400 ms) loudness, one per 100 ms; index i ends at (i + 4) / 10 s. */
  momentaryLufs: Float64Array;
  spectrogram: { columns: Float64Array[]; minHz: number; maxHz: number; durationS: number };
}

const SPECTROGRAM_MIN_HZ = 40;

export class QualityAnalyzer {
  readonly sampleRate: number;
  readonly channelCount: number;
  private readonly options: QualityOptions;
  private readonly loudness: LoudnessMeter;
  private readonly truePeak: TruePeakMeter;
  private readonly clicks: ClickCounter;
  private readonly silence: SilenceTracker;
  private readonly spectra: MonoSpectra;
  private readonly features: ChromaTimbre;
  private readonly register: RegisterMeter;
  private readonly onsets: OnsetDetector;
  private readonly seconds = new SecondFrames(1);
  private centroidWeighted = 0;
  private centroidTotal = 0;
  private readonly binHz: number;
  private frames = 0;
  private readonly spectrogram:
    | {
        columns: Float64Array[];
        counts: Uint32Array;
        rows: { lo: number; hi: number }[];
        maxHz: number;
      }
    | undefined;

  constructor(sampleRate: number, channelCount: number, options: QualityOptions = {}) {
    this.sampleRate = sampleRate;
    this.channelCount = channelCount;
    this.options = options;
    this.loudness = new LoudnessMeter(sampleRate, channelCount);
    this.truePeak = new TruePeakMeter(channelCount);
    this.clicks = new ClickCounter(sampleRate, channelCount);
    this.silence = new SilenceTracker(
      sampleRate,
      channelCount,
      options.silenceThresholdDbfs ?? -60,
    );
    this.features = new ChromaTimbre(sampleRate, ANALYSIS_FFT);
    this.register = new RegisterMeter(sampleRate, ANALYSIS_FFT);
    this.onsets = new OnsetDetector(sampleRate);
    this.binHz = sampleRate / ANALYSIS_FFT;
    this.spectra = new MonoSpectra(sampleRate, ANALYSIS_FFT, ANALYSIS_HOP, (f) =>
      this.onSpectrum(f),
    );
    if (options.totalFrames && options.totalFrames > 0) {
      const maxHz = Math.min(16000, sampleRate / 2);
      const rowCount = options.spectrogramRows ?? 256;
      const rows = Array.from({ length: rowCount }, (_, r) => {
        const f0 = SPECTROGRAM_MIN_HZ * (maxHz / SPECTROGRAM_MIN_HZ) ** (r / rowCount);
        const f1 = SPECTROGRAM_MIN_HZ * (maxHz / SPECTROGRAM_MIN_HZ) ** ((r + 1) / rowCount);
        const lo = Math.round(f0 / this.binHz);
        return { lo, hi: Math.max(lo + 1, Math.round(f1 / this.binHz)) };
      });
      const totalS = options.totalFrames / sampleRate;
      const columnCount = Math.max(
        1,
        Math.min(
          options.spectrogramColumns ?? 900,
          Math.floor((totalS * sampleRate) / ANALYSIS_HOP),
        ),
      );
      this.spectrogram = {
        columns: Array.from({ length: columnCount }, () => new Float64Array(rowCount)),
        counts: new Uint32Array(columnCount),
        rows,
        maxHz,
      };
    }
  }

  private onSpectrum(frame: SpectrumFrame): void {
    const m = frame.magnitude;
    this.seconds.add(frame.timeS, this.features.chroma(m), this.features.timbre(m));
    this.register.add(m);
    for (let k = 1; k < m.length - 1; k++) {
      const a = m[k] ?? 0;
      this.centroidWeighted += a * k * this.binHz;
      this.centroidTotal += a;
    }
    const sg = this.spectrogram;
    if (sg && this.options.totalFrames) {
      const col = Math.min(
        sg.columns.length - 1,
        Math.floor((frame.timeS * this.sampleRate * sg.columns.length) / this.options.totalFrames),
      );
      const column = sg.columns[col] as Float64Array;
      sg.rows.forEach((row, r) => {
        let p = 0;
        for (let k = row.lo; k < row.hi; k++) p += (m[k] ?? 0) ** 2;
        column[r] = (column[r] ?? 0) + p / (row.hi - row.lo);
      });
      sg.counts[col] = (sg.counts[col] ?? 0) + 1;
    }
  }

  push(channels: readonly Float32Array[]): void {
    if (channels.length !== this.channelCount)
      throw new RangeError(`${channels.length} channels pushed, want ${this.channelCount}`);
    this.loudness.push(channels);
    this.truePeak.push(channels);
    this.clicks.push(channels);
    this.silence.push(channels);
    this.spectra.push(channels);
    this.onsets.push(channels);
    this.frames += channels[0]?.length ?? 0;
  }

  finish(): { report: QualityReport; plots: QualityPlotData } {
    this.clicks.finish();
    const durationS = this.frames / this.sampleRate;
    const target = this.options.targetLufs ?? -23;
    const integrated = this.loudness.integratedLufs();
    const segmentS = durationS >= 3600 ? 3600 : 600;
    const segments: QualityReport['loudness']['segments'] = [];
    for (let from = 0; from + segmentS <= durationS + 1e-9; from += segmentS) {
      segments.push({
        fromS: from,
        toS: from + segmentS,
        integratedLufs: round(this.loudness.integratedLufs(from, from + segmentS), 2),
      });
    }
    const onsets = this.onsets.result();
    const meanMidi = this.register.meanMidi;
    const repetition =
      this.options.repetition === false
        ? undefined
        : repetitionStatistic(this.seconds.frames(), 1, this.options.repetition);
    const hasRepetition = repetition !== undefined && repetition.pairs > 0;
    const report: QualityReport = {
      durationS: round(durationS, 3),
      sampleRate: this.sampleRate,
      channels: this.channelCount,
      loudness: {
        integratedLufs: round(integrated, 2),
        targetLufs: target,
        deviationLu: round(integrated - target, 2),
        loudnessRangeLu: round(this.loudness.loudnessRangeLu(), 2),
        maxMomentaryLufs: round(this.loudness.maxMomentaryLufs(), 2),
        maxShortTermLufs: round(this.loudness.maxShortTermLufs(), 2),
        truePeakDbtp: round(this.truePeak.dbtp, 2),
        truePeakAtS: round(this.truePeak.atFrame / this.sampleRate, 3),
        segments,
      },
      clicks: {
        count: this.clicks.count,
        firstTimesS: this.clicks.times.slice(0, 20).map((t) => round(t, 4)),
      },
      silence: {
        thresholdDbfs: this.silence.thresholdDbfs,
        longestS: round(this.silence.longestS, 2),
        atS: round(this.silence.atS, 2),
      },
      spectralCentroidHz: round(
        this.centroidTotal > 0 ? this.centroidWeighted / this.centroidTotal : 0,
        1,
      ),
      onsets: { count: onsets.times.length, perMinute: round(onsets.perMinute, 2) },
      register: { meanMidi: round(meanMidi, 2), note: noteNameOfMidi(meanMidi) },
      repetition: hasRepetition
        ? {
            ...repetition,
            maxCorrelation: round(repetition.maxCorrelation, 4),
            meanCorrelation: round(repetition.meanCorrelation, 4),
          }
        : undefined,
      goals: [],
    };
    const worstSegment = segments.reduce(
      (w, s) => Math.max(w, Math.abs(s.integratedLufs - target)),
      Math.abs(integrated - target),
    );
    report.goals = [
      {
        measure: 'integrated loudness',
        goal: `within ±1 LU of ${target} LUFS${segments.length > 1 ? ' (whole file and every segment)' : ''}`,
        value: `${fmt(integrated)} LUFS (worst ${segments.length > 1 ? 'segment or whole' : 'deviation'} ${fmt(worstSegment)} LU)`,
        pass: worstSegment <= 1,
      },
      {
        measure: 'true peak',
        goal: '<= -1 dBTP',
        value: `${fmt(this.truePeak.dbtp)} dBTP`,
        pass: this.truePeak.dbtp <= -1,
      },
      {
        measure: 'clicks',
        goal: '0',
        value: String(this.clicks.count),
        pass: this.clicks.count === 0,
      },
      {
        measure: 'longest silence',
        goal: `<= 5 s below ${this.silence.thresholdDbfs} dBFS`,
        value: `${fmt(this.silence.longestS)} s`,
        pass: this.silence.longestS <= 5,
      },
    ];
    if (report.repetition) {
      report.goals.push({
        measure: 'repetition',
        goal: `max correlation of ${report.repetition.windowS} s windows >= ${report.repetition.minSeparationS / 60} min apart < 0.95`,
        value: `${report.repetition.maxCorrelation.toFixed(3)} (${report.repetition.pairs} pairs)`,
        pass: report.repetition.maxCorrelation < 0.95,
      });
    }
    const sg = this.spectrogram;
    const plots: QualityPlotData = {
      shortTermLufs: this.loudness.shortTermLufs(),
      momentaryLufs: this.loudness.momentaryLufs(),
      spectrogram: {
        columns: sg
          ? sg.columns.map((c, i) => c.map((p) => p / Math.max(1, sg.counts[i] ?? 0)))
          : [],
        minHz: SPECTROGRAM_MIN_HZ,
        maxHz: sg?.maxHz ?? 16000,
        durationS,
      },
    };
    return { report, plots };
  }
}

const round = (x: number, digits: number): number =>
  Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** Every measure over whole channels (chunked internally, 1 s at a time). */
export function analyseChannels(
  channels: readonly Float32Array[],
  sampleRate: number,
  options: QualityOptions = {},
): { report: QualityReport; plots: QualityPlotData } {
  const length = channels[0]?.length ?? 0;
  const analyzer = new QualityAnalyzer(sampleRate, channels.length, {
    totalFrames: length,
    ...options,
  });
  for (let i = 0; i < length; i += sampleRate)
    analyzer.push(channels.map((c) => c.subarray(i, Math.min(length, i + sampleRate))));
  return analyzer.finish();
}
