/**
 * The audio graph's cost per voice count, against the naive graph measured in the same
 * run (issue 9). Naive: N looping voices, each `source -> gain -> panner`, all into one
 * shared 2 s convolver (the graph measured when the project started: 32 voices ~11x,
 * 64 ~7x real time). Ours: the same voices through ChoirGraph (source -> envelope ->
 * panner -> layer bus -> low-pass -> master, and a send to the 4.5 s reverb -> limiter
 * -> ceiling). Offline, 30 s of audio, one render thread.
 *
 *   node_modules/.bin/node bench/graph-cost.ts [seconds=30]
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { makeImpulseResponse } from '../src/audio/impulseResponse.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { LAYERS } from '../src/model/controlVector.ts';

const seconds = Number(process.argv[2] ?? 30);
const RATE = 48000;

async function bank(context: BaseAudioContext): Promise<SampleBank> {
  return SampleBank.load(loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json')), DEFAULT_CONFIG.paths.samples, context);
}

/** The naive graph: voice -> gain -> stereo panner -> one shared 2 s convolver -> out. */
async function naive(voices: number): Promise<number> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: seconds * RATE, sampleRate: RATE });
  const samples = await bank(context);
  const infos = samples.infos();
  const convolver = context.createConvolver();
  const [l, r] = makeImpulseResponse({ sampleRate: RATE, decayS: 2, preDelayS: 0, seed: 1 });
  const ir = context.createBuffer(2, l.length, RATE);
  ir.copyToChannel(l, 0);
  ir.copyToChannel(r, 1);
  convolver.buffer = ir;
  convolver.connect(context.destination);
  for (let v = 0; v < voices; v++) {
    const info = infos[v % infos.length];
    const s = info ? samples.get(info.id) : undefined;
    if (!info || !s) continue;
    const source = context.createBufferSource();
    source.buffer = s.buffer;
    source.loop = true;
    source.loopStart = info.loopStartS;
    source.loopEnd = info.loopEndS;
    source.playbackRate.value = 1 + (v % 7) * 0.01;
    const gain = context.createGain();
    gain.gain.value = 0.05;
    const pan = context.createStereoPanner();
    pan.pan.value = ((v % 9) - 4) / 4;
    source.connect(gain).connect(pan).connect(convolver);
    source.start(0);
  }
  const started = performance.now();
  await context.startRendering();
  return seconds / ((performance.now() - started) / 1000);
}

/** The same voices through the engine's graph, with envelopes and layer buses. */
async function ours(voices: number): Promise<number> {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: seconds * RATE, sampleRate: RATE });
  const samples = await bank(context);
  const infos = samples.infos();
  const graph = new ChoirGraph(context, samples, { masterDb: -6, seed: 1 });
  graph.apply(LAYERS.map((layer) => ({ type: 'layer' as const, time: 0, layer, gainDb: -6, lowpassHz: 5000, reverbSend: 0.4, rampS: 0.5 })));
  graph.apply(
    Array.from({ length: voices }, (_, v) => ({
      type: 'start' as const,
      voiceId: v + 1,
      time: 0.01,
      layer: LAYERS[v % LAYERS.length] ?? 'pad',
      sampleId: infos[v % infos.length]?.id ?? '',
      midi: 60,
      rate: 1 + (v % 7) * 0.01,
      gainDb: -26,
      pan: ((v % 9) - 4) / 4,
      panTo: ((v % 9) - 4) / 4,
      attackS: 2,
      holdS: seconds - 4,
      releaseS: 1.5,
    })),
  );
  const started = performance.now();
  await context.startRendering();
  const x = seconds / ((performance.now() - started) / 1000);
  graph.dispose();
  return x;
}

console.log(`graph cost, ${seconds} s offline, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| voices | naive graph (x real time) | ChoirGraph (x real time) | ChoirGraph / naive |\n|---:|---:|---:|---:|');
for (const n of [16, 32, 48, 64]) {
  const a = await naive(n);
  const b = await ours(n);
  console.log(`| ${n} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)} |`);
}
process.exit(0);
