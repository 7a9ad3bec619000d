/**
 * The sound-quality report a person reads: report.md with the goals table and the
 * numbers, and two plots beside it, loudness.png (momentary / short-term loudness over
 * time against the target) and spectrogram.png.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartPng, spectrogramPng, type LineSeries, type Rgb } from './plots.ts';
import type { QualityPlotData, QualityReport } from './qualityMeasures.ts';

/** At most this many points per plotted line: energy-averaged buckets of the 10 Hz series. */
const MAX_POINTS = 2000;

function bucketed(lufs: Float64Array, firstEndS: number, stepS: number): [number, number][] {
  const n = lufs.length;
  const per = Math.max(1, Math.ceil(n / MAX_POINTS));
  const out: [number, number][] = [];
  for (let i = 0; i < n; i += per) {
    let e = 0;
    let count = 0;
    for (let j = i; j < Math.min(n, i + per); j++) {
      const v = lufs[j] ?? -Infinity;
      e += Number.isFinite(v) ? 10 ** (v / 10) : 0;
      count++;
    }
    const mean = e / count;
    out.push([
      firstEndS + (i + (Math.min(n, i + per) - i - 1) / 2) * stepS,
      mean > 0 ? 10 * Math.log10(mean) : -Infinity,
    ]);
  }
  return out;
}

export function loudnessPlot(report: QualityReport, plots: QualityPlotData, title: string): Buffer {
  const series: LineSeries[] = [];
  if (report.durationS <= 900)
    series.push({
      label: 'momentary 400 ms',
      colour: [150, 190, 230],
      points: bucketed(plots.momentaryLufs, 0.4, 0.1),
    });
  series.push({
    label: 'short-term 3 s',
    colour: [20, 70, 160],
    points: bucketed(plots.shortTermLufs, 3, 0.1),
    thick: 2,
  });
  const target = report.loudness.targetLufs;
  let top = target + 3;
  let bottom = target - 3;
  for (const v of plots.shortTermLufs) {
    if (!Number.isFinite(v)) continue;
    top = Math.max(top, v);
    bottom = Math.min(bottom, v);
  }
  const hi = Math.ceil((top + 2) / 5) * 5;
  const lo = Math.max(hi - 60, Math.min(hi - 30, Math.floor((bottom - 2) / 5) * 5));
  const references: { value: number; label: string; colour: Rgb }[] = [
    { value: target, label: `target ${target} LUFS`, colour: [20, 150, 60] },
  ];
  if (Number.isFinite(report.loudness.integratedLufs)) {
    references.push({
      value: report.loudness.integratedLufs,
      label: `integrated ${report.loudness.integratedLufs.toFixed(1)} LUFS`,
      colour: [200, 40, 40],
    });
  }
  return lineChartPng(series, {
    title,
    yLabel: 'LUFS',
    durationS: report.durationS,
    yMin: lo,
    yMax: hi,
    references,
  });
}

export function spectrogramPlot(plots: QualityPlotData, title: string): Buffer {
  const s = plots.spectrogram;
  return spectrogramPng(s.columns, {
    title,
    durationS: s.durationS,
    minHz: s.minHz,
    maxHz: s.maxHz,
    rangeDb: 80,
  });
}

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** The markdown page of one analysis. */
export function reportMarkdown(report: QualityReport, source: string, when = new Date()): string {
  const L = report.loudness;
  const lines = [
    `# Sound quality: ${source}`,
    '',
    `Analysed ${when.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`skychoir analyze\`: ${(report.durationS / 60).toFixed(1)} min, ${report.sampleRate} Hz, ${report.channels} channel(s). Definitions: docs/sound-quality.md.`,
    '',
    '| measure | goal | value | |',
    '|---|---|---|---|',
    ...report.goals.map(
      (g) => `| ${g.measure} | ${g.goal} | ${g.value} | ${g.pass ? 'PASS' : '**FAIL**'} |`,
    ),
    '',
    '## Loudness (ITU-R BS.1770-4, EBU R128)',
    '',
    `- integrated: ${f2(L.integratedLufs)} LUFS (target ${L.targetLufs}, deviation ${f2(L.deviationLu)} LU)`,
    `- loudness range (EBU Tech 3342): ${f2(L.loudnessRangeLu)} LU`,
    `- max momentary ${f2(L.maxMomentaryLufs)} LUFS, max short-term ${f2(L.maxShortTermLufs)} LUFS`,
    `- true peak: ${f2(L.truePeakDbtp)} dBTP at ${L.truePeakAtS.toFixed(2)} s`,
    ...(L.segments.length > 1
      ? [
          '',
          '| segment | integrated LUFS |',
          '|---|---|',
          ...L.segments.map(
            (s) =>
              `| ${(s.fromS / 60).toFixed(0)}-${(s.toS / 60).toFixed(0)} min | ${f2(s.integratedLufs)} |`,
          ),
        ]
      : []),
    '',
    '![loudness over time](loudness.png)',
    '',
    '## Spectrum, activity, register',
    '',
    `- spectral centroid: ${report.spectralCentroidHz.toFixed(0)} Hz`,
    `- onsets: ${report.onsets.count} (${report.onsets.perMinute.toFixed(1)} per minute)`,
    `- register: MIDI ${f2(report.register.meanMidi)} (${report.register.note})`,
    `- clicks: ${report.clicks.count}${report.clicks.count > 0 ? ` at ${report.clicks.firstTimesS.map((t) => `${t.toFixed(3)} s`).join(', ')}` : ''}`,
    `- longest silence below ${report.silence.thresholdDbfs} dBFS: ${f2(report.silence.longestS)} s${report.silence.longestS > 0 ? ` from ${report.silence.atS.toFixed(2)} s` : ''}`,
    '',
    '![spectrogram](spectrogram.png)',
    '',
  ];
  const r = report.repetition;
  lines.push('## Repetition', '');
  if (r) {
    lines.push(
      `Max correlation of ${r.windowS} s chroma + timbre sequences at least ${r.minSeparationS / 60} min apart: **${r.maxCorrelation.toFixed(3)}**` +
        (r.at
          ? ` (windows at ${(r.at.aS / 60).toFixed(1)} and ${(r.at.bS / 60).toFixed(1)} min)`
          : '') +
        `; mean over ${r.pairs} pairs ${r.meanCorrelation.toFixed(3)}.`,
      '',
      '| correlation | window a (min) | window b (min) |',
      '|---|---|---|',
      ...r.top.map(
        (p) =>
          `| ${p.correlation.toFixed(3)} | ${(p.aS / 60).toFixed(2)} | ${(p.bS / 60).toFixed(2)} |`,
      ),
      '',
    );
  } else {
    lines.push('Not computed: the file is too short for two windows that far apart.', '');
  }
  return lines.join('\n');
}

/** Writes report.md, loudness.png and spectrogram.png into `dir`. Returns their paths. */
export function writeQualityReport(
  dir: string,
  report: QualityReport,
  plots: QualityPlotData,
  source: string,
): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [
    join(dir, 'report.md'),
    join(dir, 'loudness.png'),
    join(dir, 'spectrogram.png'),
  ] as const;
  writeFileSync(files[0], reportMarkdown(report, source));
  writeFileSync(files[1], loudnessPlot(report, plots, `Loudness: ${source}`));
  writeFileSync(files[2], spectrogramPlot(plots, `Spectrogram: ${source}`));
  return [...files];
}
