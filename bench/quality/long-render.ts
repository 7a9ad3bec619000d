/**
 * The long runs of issues 8 and 9: render the piece for hours through the real pipeline
 * (samples, ONNX model, conductor, audio graph), in segments (renderOfflineStream), and
 * measure as it goes. `--sky day` is the default piece (a whole day of simulated weather
 * from 06:00); `--sky frozen` holds one calm sky (noon-centred) for the repetition goal.
 * With `--soak` it measures the process instead of the music: memory (RSS, JS heap,
 * external) and the graph's voice nodes after every segment, and their growth from the
 * end of the first hour (the warm-up: caches fill) to the end, as the trend of a
 * least-squares line through every reading since.
 *
 *   node_modules/.bin/node bench/quality/long-render.ts --sky frozen --duration 3h
 *   node_modules/.bin/node bench/quality/long-render.ts --sky day --duration 6h --no-repetition --report bench/out/day-6h
 *   node_modules/.bin/node --expose-gc bench/quality/long-render.ts --sky day --duration 24h --soak [--default-v8]
 *
 * It runs itself with the engine's V8 flags (bin/engineFlags.js) unless --default-v8 says not to.
 *
 * Memory: one segment of audio (renderOfflineStream's, minutes) at a time; the measures stream over it.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { missingEngineFlags } from '../../bin/engineFlags.js';
import { cpus, totalmem } from 'node:os';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { openSync, writeSync, closeSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { BASE_READINGS, FrozenSky } from '../../test/support/frozenSky.ts';
import { QualityAnalyzer } from '../../src/analysis/qualityMeasures.ts';
import { writeQualityReport } from '../../src/analysis/qualityReport.ts';
import { parseDurationS } from '../../src/cli/durations.ts';
import { instantAtLocalTime } from '../../src/features/localTime.ts';
import { RENDER_DATE, skyFromName } from '../../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';
import { MappingModel } from '../../src/model/mappingModel.ts';
import { renderOfflineStream, renderSettingsFrom, RENDER_SAMPLE_RATE } from '../../src/render/offlineRender.ts';
import { ringOfSpeakers } from '../../src/audio/speakerLayout.ts';
import { MAX_TRANSPOSITIONS } from '../../src/audio/transpositions.ts';
import { wavHeader24, pcm24 } from '../../src/render/wavWriter.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    sky: { type: 'string', default: 'day' },
    duration: { type: 'string', default: '3h' },
    seed: { type: 'string', default: '1' },
    speakers: { type: 'string', default: '2' },
    target: { type: 'string', default: String(DEFAULT_CONFIG.audio.loudnessTargetLufs) },
    report: { type: 'string' },
    wav: { type: 'string' },
    soak: { type: 'boolean', default: false },
    /** Run with V8's own young-generation sizing instead of the engine's flags (bin/engineFlags.js), to compare. */
    'default-v8': { type: 'boolean', default: false },
    /** Skip the repetition measure (its pairs grow with the square of the length: 6 h takes the better part of an hour). */
    'no-repetition': { type: 'boolean', default: false },
  },
  strict: true,
});
// The engine runs with its V8 flags (the systemd unit, npm start, bin/skychoir.js); so does
// this render, which stands for it, unless asked to measure V8's defaults.
const missingFlags = missingEngineFlags();
if (missingFlags.length > 0 && !values['default-v8']) {
  const run = spawnSync(process.execPath, [...missingFlags, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}
const durationS = parseDurationS(values.duration);
const seed = Number(values.seed);
const targetLufs = Number(values.target);
const reportDir = values.report ?? `bench/out/long-${values.sky}-${values.duration}`;

const speakerCount = Number(values.speakers);
const config = DEFAULT_CONFIG;
const speakers = speakerCount === 2 ? config.audio.speakers : ringOfSpeakers(speakerCount);
const model = await MappingModel.load(config.paths.model);
let what: string;
let sky;
let skyStartMs: number;
if (values.sky === 'frozen') {
  // Centre the render on local noon, so the sun's elevation (the one thing a frozen sky
  // cannot hold still) changes as little as it can.
  skyStartMs = instantAtLocalTime(RENDER_DATE, 12 - durationS / 7200, config.location.timeZone);
  what = `frozen sky (calm, cloud 0.3, around noon), seed ${seed}`;
  sky = new FrozenSky({ startMs: skyStartMs, readings: BASE_READINGS, site: config.site, latitudeDeg: config.location.latitudeDeg, longitudeDeg: config.location.longitudeDeg });
} else {
  const named = skyFromName(values.sky, { seed, site: config.site, location: config.location });
  what = `preset sky ${values.sky}, seed ${seed}`;
  sky = named.source;
  skyStartMs = named.startMs;
}
what += `, ${speakers.length} speakers`;

const totalFrames = Math.round(durationS * RENDER_SAMPLE_RATE);
const analyzer = values.soak
  ? undefined
  : new QualityAnalyzer(RENDER_SAMPLE_RATE, 2, { targetLufs, totalFrames, repetition: values['no-repetition'] ? false : { minSeparationS: 600 } });
const wav = values.wav ? openSync(values.wav, 'w') : undefined;
if (wav !== undefined) writeSync(wav, wavHeader24(speakers.length, RENDER_SAMPLE_RATE, totalFrames));
interface Sample {
  audioS: number;
  rssMiB: number;
  heapMiB: number;
  externalMiB: number;
  voiceNodes: number;
  soundingVoices: number;
  transpositions: number;
  /** The transposition cache's memory (MiB), part of RSS, bounded by the cache's size. */
  cacheMiB: number;
  /** RSS less the cache: what a leak would show in. */
  restMiB: number;
  /** V8's heap as committed (pages it holds, used or not) and what V8 itself has malloc'd: parts of RSS the JS heap's use does not show. */
  heapCommittedMiB: number;
  /** Of that, the pages actually resident (V8's physical size), and the young generation's committed share. */
  heapPhysicalMiB: number;
  newSpaceMiB: number;
  v8MallocMiB: number;
  /** The segment's length: the last may be shorter than the rest. */
  frames: number;
}
const samples: Sample[] = [];
const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const started = performance.now();
const cpuStarted = process.cpuUsage();
let analysisMs = 0;
const summary = await renderOfflineStream(
  { sky, skyStartMs, durationS, seed, ...renderSettingsFrom(config), speakers, model },
  async (chunk) => {
    const a0 = performance.now();
    const frames = chunk.stereo[0].length;
    if (analyzer) for (let i = 0; i < frames; i += RENDER_SAMPLE_RATE) analyzer.push(chunk.stereo.map((c) => c.subarray(i, Math.min(frames, i + RENDER_SAMPLE_RATE))));
    if (wav !== undefined) writeSync(wav, pcm24(chunk.speakerChannels));
    analysisMs += performance.now() - a0;
    // Measured after a full collection when the run allows it (--expose-gc), so the
    // figures are what is held, not what the collector has yet to free. The binding frees
    // a native buffer in its wrapper's finalizer, which Node runs on a later turn of the
    // loop than the collection: so collect, let that turn pass, and collect again.
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    const m = process.memoryUsage();
    const v8 = getHeapStatistics();
    const young = getHeapSpaceStatistics().filter((space) => space.space_name === 'new_space' || space.space_name === 'new_large_object_space');
    const audioS = chunk.startS + frames / RENDER_SAMPLE_RATE;
    const sample = { audioS, rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), externalMiB: mib(m.external), voiceNodes: chunk.voiceNodes, soundingVoices: chunk.soundingVoices, transpositions: chunk.transpositions, cacheMiB: mib(chunk.transpositionBytes), restMiB: mib(m.rss - chunk.transpositionBytes), heapCommittedMiB: mib(v8.total_heap_size), heapPhysicalMiB: mib(v8.total_physical_size), newSpaceMiB: mib(young.reduce((sum, space) => sum + space.space_size, 0)), v8MallocMiB: mib(v8.malloced_memory), frames };
    samples.push(sample);
    // A soak prints each hour as it ends, so a run cut short still tells what it saw.
    if (values.soak && Math.floor(audioS / 3600) !== Math.floor((audioS - frames / RENDER_SAMPLE_RATE) / 3600)) {
      console.log(`hour ${Math.round(audioS / 3600)}: ${JSON.stringify(sample)}, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    process.stderr.write(`  rendered ${(audioS / 60).toFixed(0)} of ${(durationS / 60).toFixed(0)} min, ${((performance.now() - started) / 1000).toFixed(0)} s, RSS ${mib(m.rss)} MiB\r`);
  },
);
if (wav !== undefined) closeSync(wav);
await model.dispose();
const renderS = (performance.now() - started) / 1000 - analysisMs / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuS = (cpu.user + cpu.system) / 1e6 - analysisMs / 1000;
const peakRss = Math.max(...samples.map((x) => x.rssMiB));
const machine = `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version} ${process.execArgv.join(' ')}, ${new Date().toISOString().slice(0, 10)}`;

if (values.soak) {
  // Growth from the end of the first hour (caches warm) to the end; hourly rows.
  const warm = samples.find((x) => x.audioS >= Math.min(3600, durationS / 4)) ?? samples[0];
  // Growth is the trend, not two readings: RSS swings by a third from one segment to the
  // next as the allocator keeps or returns a segment's buffers (measured: 715-1222 MiB in
  // one run), so a leak shows as the slope of a least-squares line through every reading
  // after the warm-up, given as the change along it from the warm-up to the end.
  // A last segment shorter than the rest holds less audio: it would pull the line down.
  const fullFrames = Math.max(...samples.map((x) => x.frames));
  const after = samples.filter((x) => x.audioS >= (warm?.audioS ?? 0) && x.frames === fullFrames);
  const growth = (k: 'rssMiB' | 'heapMiB' | 'externalMiB' | 'restMiB'): string => {
    const fit = leastSquares(after.map((x) => [x.audioS, x[k]]));
    if (!fit || after.length < 3) return '-';
    const from = fit.at(after[0]?.audioS ?? 0);
    return `${(((fit.at(after.at(-1)?.audioS ?? 0) - from) / from) * 100).toFixed(1)} %`;
  };
  console.log(`soak: ${what}, ${values.duration} of audio; ${machine}`);
  console.log(`render ${renderS.toFixed(0)} s wall (${(durationS / renderS).toFixed(1)}x real time), ${cpuS.toFixed(0)} s CPU (${(durationS / cpuS).toFixed(1)}x per core), ${summary.voicesStarted} voices started, at most ${summary.maxSoundingVoices} sounding`);
  console.log('| audio h | RSS MiB | JS heap MiB | external MiB | voices sounding | voice nodes | transpositions | their MiB | RSS less them MiB | V8 heap committed MiB | resident | young generation | V8 malloc MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of samples.filter((x, i) => i === 0 || Math.floor(x.audioS / 3600) !== Math.floor((samples[i - 1]?.audioS ?? 0) / 3600) || i === samples.length - 1)) {
    console.log(`| ${(x.audioS / 3600).toFixed(2)} | ${x.rssMiB} | ${x.heapMiB} | ${x.externalMiB} | ${x.soundingVoices} | ${x.voiceNodes} | ${x.transpositions} | ${x.cacheMiB} | ${x.restMiB} | ${x.heapCommittedMiB} | ${x.heapPhysicalMiB} | ${x.newSpaceMiB} | ${x.v8MallocMiB} |`);
  }
  console.log(`growth from ${((warm?.audioS ?? 0) / 3600).toFixed(2)} h to the end (least-squares trend of ${after.length} readings): RSS ${growth('rssMiB')} (less the transposition cache, bounded at its ${MAX_TRANSPOSITIONS} entries: ${growth('restMiB')}), JS heap ${growth('heapMiB')}, external ${growth('externalMiB')}; peak RSS ${peakRss} MiB; voice nodes at most ${Math.max(...samples.map((x) => x.voiceNodes))}`);
  process.exit(0);
}
if (!analyzer) process.exit(0);
const analysisStarted = performance.now();
const { report, plots } = analyzer.finish();
const analysisS = (performance.now() - analysisStarted + analysisMs) / 1000;
const source = `${what}, ${values.duration}`;
const files = writeQualityReport(reportDir, report, plots, source);
writeFileSync(
  `${reportDir}/summary.json`,
  JSON.stringify(
    {
      source,
      renderS,
      analysisS,
      voicesStarted: summary.voicesStarted,
      maxSoundingVoices: summary.maxSoundingVoices,
      peakRssMiB: peakRss,
      report,
    },
    null,
    2,
  ),
);

console.log(`long render: ${source}; ${machine}`);
console.log(
  `render ${renderS.toFixed(0)} s (${(durationS / renderS).toFixed(1)}x real time), analysis ${analysisS.toFixed(0)} s, peak RSS ${peakRss} MiB, ${summary.voicesStarted} voices started, at most ${summary.maxSoundingVoices} sounding`,
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

/** The least-squares line through points (x, y), or undefined for fewer than two distinct x. */
function leastSquares(points: [number, number][]): { at: (x: number) => number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { at: (x) => my + slope * (x - mx) };
}
