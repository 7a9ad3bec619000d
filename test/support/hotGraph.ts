/**
 * A ChoirGraph driven hard for a few seconds and rendered: 16 voices at +12 dB through
 * layers at +12 dB, the master at `masterDb` (0: some 30 dB too hot, the limiters and the
 * ceiling at work). Its channels, one per speaker, as rendered.
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { join } from 'node:path';
import { ChoirGraph } from '../../src/audio/choirGraph.ts';
import { ringOfSpeakers, STEREO_SPEAKERS } from '../../src/audio/speakerLayout.ts';
import { loadSampleManifest } from '../../src/samples/sampleManifest.ts';
import { SampleBank } from '../../src/samples/sampleBank.ts';
import { LAYERS } from '../../src/model/controlVector.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';
import type { MasterFinish } from '../../src/audio/masterFinish.ts';

export interface HotRender {
  channels: Float32Array[];
  /** The graph's own finish, when it was built without one (`finishInGraph: false`). */
  finish: MasterFinish;
  /** The graph's loudness probe, read at the end. */
  momentaryLufs: number;
}

export async function renderHot(options: {
  finishInGraph: boolean;
  speakers?: number;
  masterDb?: number;
  seconds?: number;
}): Promise<Float32Array[]> {
  return (await renderHotGraph(options)).channels;
}

export async function renderHotGraph(options: {
  finishInGraph: boolean;
  speakers?: number;
  masterDb?: number;
  seconds?: number;
}): Promise<HotRender> {
  const speakers =
    options.speakers === undefined || options.speakers === 2
      ? STEREO_SPEAKERS
      : ringOfSpeakers(options.speakers);
  const seconds = options.seconds ?? 3;
  const context = new OfflineAudioContext({
    numberOfChannels: speakers.length,
    length: 48000 * seconds,
    sampleRate: 48000,
  });
  const bank = await SampleBank.load(
    loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json')),
    DEFAULT_CONFIG.paths.samples,
    context,
  );
  const graph = new ChoirGraph(context, bank, {
    masterDb: options.masterDb ?? 0,
    seed: 1,
    speakers,
    finishInGraph: options.finishInGraph,
  });
  graph.apply(
    LAYERS.map((layer) => ({
      type: 'layer' as const,
      time: 0,
      layer,
      gainDb: 12,
      lowpassHz: 12000,
      reverbSend: 1,
      rampS: 0.05,
    })),
  );
  graph.apply(
    bank
      .infos()
      .slice(0, 16)
      .map((s, i) => ({
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
        azimuthDeg: (i * 137.5) % 360,
        attackS: 0.02,
        holdS: seconds - 1,
        releaseS: 0.5,
      })),
  );
  let momentaryLufs = NaN;
  void context.suspend(seconds - 0.5).then(() => {
    momentaryLufs = graph.momentaryLufs();
    return context.resume();
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const out = await context.startRendering();
  const finish = graph.masterFinish();
  graph.dispose();
  const channels = speakers.map((_, c) => {
    const data = new Float32Array(out.length);
    out.copyFromChannel(data, c);
    return data;
  });
  return { channels, finish, momentaryLufs };
}
