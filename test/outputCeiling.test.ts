/**
 * The hard output ceiling: whatever reaches the master (every layer and voice pushed far
 * too hot, the master at its maximum), the output never exceeds -1 dBFS.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { OfflineAudioContext } from 'node-web-audio-api';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { ceilingCurve, CEILING_DBFS } from '../src/audio/outputCeiling.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { LAYERS } from '../src/model/controlVector.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { join } from 'node:path';

it('the ceiling curve never leaves +-ceiling and is linear below its knee', () => {
  const curve = ceilingCurve(CEILING_DBFS);
  const ceiling = 10 ** (CEILING_DBFS / 20);
  for (const y of curve) assert.ok(Math.abs(y) <= ceiling + 1e-7);
  const mid = (curve.length - 1) / 2;
  assert.ok(Math.abs((curve[mid + 100] ?? 0) - 100 / mid) < 1e-6, 'identity near zero');
  for (let i = 1; i < curve.length; i++) assert.ok((curve[i] ?? 0) >= (curve[i - 1] ?? 0), 'monotonic');
});

it('a graph driven 30 dB too hot still peaks at or under -1 dBFS', async () => {
  const context = new OfflineAudioContext({ numberOfChannels: 2, length: 48000 * 3, sampleRate: 48000 });
  const bank = await SampleBank.load(loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json')), DEFAULT_CONFIG.paths.samples, context);
  const graph = new ChoirGraph(context, bank, { masterDb: 0, seed: 1 });
  graph.apply(LAYERS.map((layer) => ({ type: 'layer' as const, time: 0, layer, gainDb: 12, lowpassHz: 12000, reverbSend: 1, rampS: 0.05 })));
  const infos = bank.infos();
  graph.apply(
    infos.slice(0, 16).map((s, i) => ({
      type: 'start' as const,
      voiceId: i + 1,
      time: 0.05,
      layer: LAYERS[i % LAYERS.length] ?? 'pad',
      sampleId: s.id,
      midi: s.rootMidi,
      rate: 1,
      gainDb: 12,
      pan: 0,
      panTo: 0,
      attackS: 0.02,
      holdS: 2,
      releaseS: 0.5,
    })),
  );
  const out = await context.startRendering();
  let peak = 0;
  let energy = 0;
  for (let c = 0; c < 2; c++) {
    const data = new Float32Array(out.length);
    out.copyFromChannel(data, c);
    for (const x of data) {
      peak = Math.max(peak, Math.abs(x));
      energy += x * x;
    }
  }
  graph.dispose();
  assert.ok(energy > 1000, 'it really was driven hard');
  assert.ok(20 * Math.log10(peak) <= CEILING_DBFS + 1e-4, `peak ${(20 * Math.log10(peak)).toFixed(2)} dBFS`);
});
