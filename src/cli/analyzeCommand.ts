/** `skychoir analyze`: every sound-quality measure of a WAV file, as JSON, and a report. */
import { DEFAULT_CONFIG } from '../config/config.ts';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WavReader } from '../analysis/wavReader.ts';
import { QualityAnalyzer } from '../analysis/qualityMeasures.ts';
import { writeQualityReport } from '../analysis/qualityReport.ts';

export const ANALYZE_USAGE = `skychoir analyze <file.wav> [--report <dir>] [--target <LUFS>]
  measures a WAV file (PCM 16/24/32-bit or float): loudness (EBU R128), true peak, clicks,
  longest silence, spectral centroid, onset density, register, repetition; prints JSON
  --report          also write <dir>/report.md, loudness.png and spectrogram.png
  --target          the loudness goal in LUFS (default: the config's audio.loudnessTargetLufs, -18)
  --silence         the silence threshold in dBFS (default: -60)
  --min-separation  how far apart (s) two windows must be for the repetition statistic (default: 600)`;

/** `--target -23`: parseArgs would read "-23" as an option; joined as `--target=-23` it is a value. */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    if ((a === '--target' || a === '--silence') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export async function analyzeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: joinNegativeValues(args),
    options: {
      report: { type: 'string' },
      target: { type: 'string', default: String(DEFAULT_CONFIG.audio.loudnessTargetLufs) },
      silence: { type: 'string', default: '-60' },
      'min-separation': { type: 'string', default: '600' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(ANALYZE_USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    console.error(
      `skychoir analyze: want one WAV file, got ${positionals.length}\n\n${ANALYZE_USAGE}`,
    );
    return 2;
  }
  const number = (name: string, text: string, lo: number, hi: number): number => {
    const x = Number(text);
    if (!Number.isFinite(x) || x < lo || x > hi)
      throw new Error(`--${name} must be a number in ${lo}..${hi}, got '${text}'`);
    return x;
  };
  const targetLufs = number('target', values.target, -70, 0);
  const silenceThresholdDbfs = number('silence', values.silence, -140, 0);
  const minSeparationS = number('min-separation', values['min-separation'], 30, 1e6);

  const reader = WavReader.open(file);
  const started = performance.now();
  try {
    const { info } = reader;
    const analyzer = new QualityAnalyzer(info.sampleRate, info.channels, {
      targetLufs,
      silenceThresholdDbfs,
      repetition: { minSeparationS },
      totalFrames: info.frames,
    });
    for (const chunk of reader.chunks(info.sampleRate)) analyzer.push(chunk);
    const { report, plots } = analyzer.finish();
    const files = values.report
      ? writeQualityReport(values.report, report, plots, basename(file))
      : [];
    const summary = {
      file: resolve(file),
      format: `${info.format === 'float' ? 'float' : 'PCM'} ${info.bitsPerSample}-bit`,
      analysisS: Number(((performance.now() - started) / 1000).toFixed(2)),
      ...report,
      repetition: report.repetition && {
        maxCorrelation: report.repetition.maxCorrelation,
        at: report.repetition.at,
        meanCorrelation: report.repetition.meanCorrelation,
        windows: report.repetition.windows,
        pairs: report.repetition.pairs,
        windowS: report.repetition.windowS,
        hopS: report.repetition.hopS,
        minSeparationS: report.repetition.minSeparationS,
      },
      pass: report.goals.every((g) => g.pass),
      report: files,
    };
    console.log(JSON.stringify(summary, null, 2));
    return 0;
  } finally {
    reader.close();
  }
}
