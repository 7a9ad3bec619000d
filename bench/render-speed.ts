/**
 * Offline render speed of the preset skies through the whole pipeline (simulated sky ->
 * ingest -> features -> ONNX model -> conductor -> audio graph), against a baseline
 * measured in the same run: the same graph rendering no voices, the fixed cost every render
 * pays. On the default stereo pair, and the densest sky ('tempest') on a ring of 8 too.
 * Real-time factors by wall clock and by the process's CPU time (all threads: the render
 * thread and the JS planning, transpositions included). Prints a table;
 * `docs/benchmarks.md` keeps the results.
 *
 *   node_modules/.bin/node bench/render-speed.ts [seconds=60]
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { ringOfSpeakers, STEREO_SPEAKERS, type Speaker } from '../src/audio/speakerLayout.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { renderOffline, renderSettingsFrom } from '../src/render/offlineRender.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { skyFromName } from '../src/sky/skyFromName.ts';

const durationS = Number(process.argv[2] ?? 60);

function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallS: number; cpuS: number }> {
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  return run().then((value) => {
    const cpu = process.cpuUsage(cpu0);
    return { value, wallS: (performance.now() - wall0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
  });
}

async function emptyGraph(speakers: readonly Speaker[]): Promise<void> {
  const context = new OfflineAudioContext({ numberOfChannels: speakers.length, length: durationS * 48000, sampleRate: 48000 });
  const manifest = loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json'));
  const bank = await SampleBank.load(manifest, DEFAULT_CONFIG.paths.samples, context);
  const graph = new ChoirGraph(context, bank, { masterDb: -3, seed: 1, speakers, taps: false });
  await context.startRendering();
  graph.dispose();
}

const model = await MappingModel.load(DEFAULT_CONFIG.paths.model);
const rows: string[][] = [];
const row = (name: string, speakers: number, r: { wallS: number; cpuS: number }, started: number | string, sounding: number | string): void => {
  rows.push([name, String(speakers), r.wallS.toFixed(2), (durationS / r.wallS).toFixed(1), (durationS / r.cpuS).toFixed(1), String(started), String(sounding)]);
};
for (const speakers of [STEREO_SPEAKERS, ringOfSpeakers(8)]) {
  row('baseline: graph, no voices', speakers.length, await timed(() => emptyGraph(speakers)), 0, 0);
}
const plan: [string, readonly Speaker[]][] = [
  ['calm', STEREO_SPEAKERS],
  ['night', STEREO_SPEAKERS],
  ['flock', STEREO_SPEAKERS],
  ['storm', STEREO_SPEAKERS],
  ['tempest', STEREO_SPEAKERS],
  ['tempest', ringOfSpeakers(8)],
];
for (const [sky, speakers] of plan) {
  const named = skyFromName(sky, { seed: 1, site: DEFAULT_CONFIG.site, location: DEFAULT_CONFIG.location });
  const r = await timed(() =>
    renderOffline({ sky: named.source, skyStartMs: named.startMs, durationS, seed: 1, ...renderSettingsFrom(DEFAULT_CONFIG), speakers, model }),
  );
  row(sky, speakers.length, r, r.value.voicesStarted, r.value.maxSoundingVoices);
}
await model.dispose();
const header = ['render', 'speakers', 'wall s', 'x real time (wall)', 'x real time (CPU)', 'voices started', 'max sounding'];
console.log(`render speed, ${durationS} s each, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
process.exit(0);
