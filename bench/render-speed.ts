/**
 * Offline render speed of the preset skies, against a baseline measured in the same run:
 * the same graph (buses, reverb, limiter, ceiling) rendering no voices, i.e. the fixed
 * cost every render pays. Prints a table; `docs/benchmarks.md` keeps the results.
 *
 *   node_modules/.bin/node bench/render-speed.ts [seconds=60]
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { renderPreset } from '../test/support/render.ts';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';

const durationS = Number(process.argv[2] ?? 60);

async function emptyGraph(): Promise<number> {
  const started = performance.now();
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: durationS * 48000, sampleRate: 48000 });
  const manifest = loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json'));
  const bank = await SampleBank.load(manifest, DEFAULT_CONFIG.paths.samples, context);
  const graph = new ChoirGraph(context, bank, { masterDb: -3, seed: 1 });
  await context.startRendering();
  graph.dispose();
  return (performance.now() - started) / 1000;
}

const rows: string[][] = [];
const baselineS = await emptyGraph();
rows.push(['baseline: graph, no voices', String(durationS), baselineS.toFixed(2), (durationS / baselineS).toFixed(1), '0', '0']);
for (const sky of ['calm', 'night', 'flock', 'storm']) {
  const started = performance.now();
  const r = await renderPreset(sky, durationS, 1);
  const s = (performance.now() - started) / 1000;
  rows.push([sky, String(durationS), s.toFixed(2), (durationS / s).toFixed(1), String(r.voicesStarted), String(r.maxSoundingVoices)]);
}
const header = ['render', 'audio s', 'wall s', 'x real time', 'voices started', 'max sounding'];
console.log(`render speed, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
