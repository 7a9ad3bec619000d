/**
 * The long quality runs of issue 8: render the piece for hours through the real pipeline
 * (samples, ONNX model, conductor, Tone.js graph), then run every measure over it and
 * print a table of goals. `--sky day` is the default piece (the config's sky, a whole day
 * of simulated weather from 06:00); `--sky frozen` holds one calm sky (noon-centred) for
 * the repetition goal. 3 h and 6 h are the goals' durations; pass less to run shorter.
 *
 *   node_modules/.bin/node bench/quality/long-render.ts --sky frozen --duration 3h
 *   node_modules/.bin/node bench/quality/long-render.ts --sky day --duration 6h --report bench/out/day-6h
 *
 * Memory: renderOffline keeps the whole render (and the OfflineAudioContext its own
 * copy): about 2 x 1.4 GB per hour of stereo float audio. The measures stream over it.
 */
import { parseArgs } from 'node:util';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { renderPreset } from '../../test/support/render.ts';
import { BASE_READINGS, renderFrozenSky } from '../../test/support/frozenSky.ts';
import { QualityAnalyzer } from '../../src/analysis/qualityMeasures.ts';
import { writeQualityReport } from '../../src/analysis/qualityReport.ts';
import { parseDurationS } from '../../src/cli/durations.ts';
import { instantAtLocalTime } from '../../src/features/localTime.ts';
import { RENDER_DATE } from '../../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';
import { encodeWav24 } from '../../src/render/wavWriter.ts';
import type { RenderResult } from '../../src/render/offlineRender.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sky: { type: 'string', default: 'day' },
    duration: { type: 'string', default: '3h' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', default: String(DEFAULT_CONFIG.audio.loudnessTargetLufs) },
    report: { type: 'string' },
    wav: { type: 'string' },
  },
  strict: true,
});
const durationS = parseDurationS(values.duration);
const seed = Number(values.seed);
const targetLufs = Number(values.target);
const reportDir = values.report ?? `bench/out/long-${values.sky}-${values.duration}`;

const started = performance.now();
let peakRss = 0;
const progress = (done: number, total: number): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  process.stderr.write(
    `  rendered ${(done / 60).toFixed(0)} of ${(total / 60).toFixed(0)} min, ${((performance.now() - started) / 1000).toFixed(0)} s\r`,
  );
};
let r: RenderResult;
let what: string;
if (values.sky === 'frozen') {
  // Centre the render on local noon, so the sun's elevation (the one thing a frozen sky
  // cannot hold still) changes as little as it can.
  const startMs = instantAtLocalTime(
    RENDER_DATE,
    12 - durationS / 7200,
    DEFAULT_CONFIG.location.timeZone,
  );
  what = `frozen sky (calm, cloud 0.3, around noon), seed ${seed}`;
  r = await renderFrozenSky({ startMs, readings: BASE_READINGS }, durationS, seed, progress);
} else {
  what = `preset sky ${values.sky}, seed ${seed}`;
  r = await renderPreset(values.sky, durationS, seed);
}
const renderS = (performance.now() - started) / 1000;
peakRss = Math.max(peakRss, process.memoryUsage().rss);
if (values.wav) writeFileSync(values.wav, encodeWav24(r.channels, r.sampleRate));

const analysisStarted = performance.now();
const length = r.channels[0].length;
const analyzer = new QualityAnalyzer(r.sampleRate, 2, {
  targetLufs,
  totalFrames: length,
  repetition: { minSeparationS: 600 },
});
for (let i = 0; i < length; i += r.sampleRate)
  analyzer.push(r.channels.map((c) => c.subarray(i, Math.min(length, i + r.sampleRate))));
const { report, plots } = analyzer.finish();
const analysisS = (performance.now() - analysisStarted) / 1000;
const source = `${what}, ${values.duration}`;
const files = writeQualityReport(reportDir, report, plots, source);
writeFileSync(
  `${reportDir}/summary.json`,
  JSON.stringify(
    {
      source,
      renderS,
      analysisS,
      voicesStarted: r.voicesStarted,
      maxSoundingVoices: r.maxSoundingVoices,
      report,
    },
    null,
    2,
  ),
);

console.log(
  `long render: ${source}; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  `render ${renderS.toFixed(0)} s (${(durationS / renderS).toFixed(1)}x real time), analysis ${analysisS.toFixed(0)} s, peak RSS ${(peakRss / 2 ** 30).toFixed(1)} GiB, ${r.voicesStarted} voices started, at most ${r.maxSoundingVoices} sounding`,
);
console.log('| measure | goal | value | |\n|---|---|---|---|');
for (const g of report.goals)
  console.log(`| ${g.measure} | ${g.goal} | ${g.value} | ${g.pass ? 'PASS' : 'FAIL'} |`);
const L = report.loudness;
console.log(
  `| loudness range | (report) | ${L.loudnessRangeLu} LU | |\n| max short-term | (report) | ${L.maxShortTermLufs} LUFS | |\n| spectral centroid | (report) | ${report.spectralCentroidHz} Hz | |\n| onset density | (report) | ${report.onsets.perMinute} /min | |\n| register | (report) | MIDI ${report.register.meanMidi} (${report.register.note}) | |`,
);
if (L.segments.length > 1)
  console.log(
    `segments (LUFS): ${L.segments.map((s) => `${(s.fromS / 60).toFixed(0)}-${(s.toS / 60).toFixed(0)} min ${s.integratedLufs}`).join(', ')}`,
  );
if (report.repetition) {
  console.log(
    `repetition top pairs: ${report.repetition.top.map((p) => `${p.correlation.toFixed(3)} @ ${(p.aS / 60).toFixed(1)}/${(p.bS / 60).toFixed(1)} min`).join('; ')}; mean ${report.repetition.meanCorrelation}`,
  );
}
console.log(`report: ${files.join(', ')}`);
