/**
 * The lean graph's parts: pre-rendered transpositions (in tune, seamless, quantum-aligned)
 * and the feedback-delay hall (stable, decaying at its T60, at the level it was calibrated
 * to), rendered for real in an OfflineAudioContext.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { OfflineAudioContext } from 'node-web-audio-api';
import { join } from 'node:path';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { RENDER_QUANTUM, Transpositions } from '../src/audio/transpositions.ts';
import { resampleLooped } from '../src/audio/loopedResample.ts';
import { FdnReverb } from '../src/audio/fdnReverb.ts';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { ringOfSpeakers } from '../src/audio/speakerLayout.ts';
import { LAYERS } from '../src/model/controlVector.ts';

const RATE = 48000;

function channel(buffer: AudioBuffer, c = 0): Float32Array {
  const out = new Float32Array(buffer.length);
  buffer.copyFromChannel(out, c);
  return out;
}

/** Frequency of a sine by counting upward zero crossings with interpolation. */
function frequencyOf(x: Float32Array, rate: number): number {
  const crossings: number[] = [];
  for (let i = 1; i < x.length; i++) if ((x[i - 1] ?? 0) < 0 && (x[i] ?? 0) >= 0) crossings.push(i - 1 + (x[i - 1] ?? 0) / ((x[i - 1] ?? 0) - (x[i] ?? 0)));
  const first = crossings[0] ?? 0;
  const last = crossings.at(-1) ?? 0;
  return ((crossings.length - 1) * rate) / (last - first);
}

it('resampling a looped sine transposes it in tune, without aliasing above the new Nyquist', () => {
  const period = 480; // 100 Hz at 48 kHz
  const data = new Float32Array(period * 40);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin((2 * Math.PI * i) / period);
  const out = new Float32Array(48000);
  for (const step of [0.75, 2 ** (5 / 12), 2]) {
    resampleLooped({ data, loopStart: period * 10, loopEnd: period * 40 }, 0, step, out);
    const f = frequencyOf(out.subarray(1000), RATE);
    assert.ok(Math.abs(1200 * Math.log2(f / (100 * step))) < 1, `step ${step}: ${f.toFixed(3)} Hz`);
  }
  // A 20 kHz partial read an octave up would fold back to 8 kHz; the kernel's cut-off removes it.
  const high = new Float32Array(period * 40);
  for (let i = 0; i < high.length; i++) high[i] = Math.sin((2 * Math.PI * 200 * i) / period);
  resampleLooped({ data: high, loopStart: period * 10, loopEnd: period * 40 }, 0, 2, out);
  let power = 0;
  for (const x of out.subarray(1000)) power += x * x;
  const db = 10 * Math.log10(power / (out.length - 1000) / 0.5);
  assert.ok(db < -50, `aliased residue ${db.toFixed(1)} dB`);
});

it('a transposition is quantum-aligned, in tune to a cent, and joins onset to sustain and sustain to itself without a jump', async () => {
  const context = new OfflineAudioContext({ numberOfChannels: 1, length: RATE, sampleRate: RATE });
  const bank = await SampleBank.load(loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json')), DEFAULT_CONFIG.paths.samples, context);
  const transpositions = new Transpositions(context, bank, 4);
  for (const info of bank.infos().slice(0, 6)) {
    for (const semitones of [-3, 0, 2]) {
      const v = transpositions.get(info.id, 2 ** (semitones / 12));
      assert.ok(v, info.id);
      assert.equal(v.onset.length, v.onsetQuanta * RENDER_QUANTUM);
      const onset = channel(v.onset);
      const sustain = channel(v.sustain);
      // The sustain is the loop read at the new rate: its length says the pitch it plays.
      const loop = Math.round(info.loopEndS * RATE) - Math.round(info.loopStartS * RATE);
      const cents = 1200 * Math.log2(loop / sustain.length);
      assert.ok(Math.abs(cents - semitones * 100) < 1, `${info.id} ${semitones}: ${cents.toFixed(2)} cents`);
      let largestStep = 0;
      for (let i = 1; i < sustain.length; i++) largestStep = Math.max(largestStep, Math.abs((sustain[i] ?? 0) - (sustain[i - 1] ?? 0)));
      const junction = Math.abs((sustain[0] ?? 0) - (onset.at(-1) ?? 0));
      const wrap = Math.abs((sustain[0] ?? 0) - (sustain.at(-1) ?? 0));
      assert.ok(junction <= largestStep * 1.5 + 1e-4, `${info.id}: onset->sustain jump ${junction} vs ${largestStep}`);
      assert.ok(wrap <= largestStep * 1.5 + 1e-4, `${info.id}: loop seam ${wrap} vs ${largestStep}`);
    }
  }
  assert.ok(transpositions.size <= 4, 'the cache stays within its bound');
  assert.equal(transpositions.get('no-such-sample', 1), undefined);
});

for (const speakers of [2, 8]) {
  it(`the hall on ${speakers} speakers is stable, falls ~60 dB in its T60, and leaves -7..-14 dB of an impulse's energy`, async () => {
    const seconds = 6;
    const context = new OfflineAudioContext({ numberOfChannels: speakers, length: seconds * RATE, sampleRate: RATE });
    const hall = new FdnReverb(context, { channels: speakers, t60S: 4.5 });
    const impulse = context.createBuffer(1, RENDER_QUANTUM, RATE);
    const one = new Float32Array(RENDER_QUANTUM);
    one[0] = 1;
    impulse.copyToChannel(one, 0);
    const source = context.createBufferSource();
    source.buffer = impulse;
    const into = context.createChannelMerger(speakers);
    source.connect(into, 0, 0);
    into.connect(hall.input);
    hall.output.connect(context.destination);
    source.start(0);
    const out = await context.startRendering();
    let total = 0;
    const perSecond = new Array<number>(seconds).fill(0);
    for (let c = 0; c < speakers; c++) {
      const x = channel(out, c);
      for (let i = 0; i < x.length; i++) {
        const e = (x[i] ?? 0) ** 2;
        total += e;
        perSecond[Math.floor(i / RATE)]! += e;
      }
    }
    const db = perSecond.map((e) => 10 * Math.log10(e));
    for (let s = 1; s < seconds; s++) assert.ok((db[s] ?? 0) < (db[s - 1] ?? 0), `decays every second: ${db.map((d) => d.toFixed(1)).join(' ')}`);
    const fallPerSecond = ((db[1] ?? 0) - (db[5] ?? 0)) / 4;
    assert.ok(fallPerSecond > 60 / 6 && fallPerSecond < 60 / 3, `falls ${fallPerSecond.toFixed(1)} dB/s (T60 ${(60 / fallPerSecond).toFixed(1)} s)`);
    const energyDb = 10 * Math.log10(total);
    assert.ok(energyDb > -14 && energyDb < -7, `tail energy ${energyDb.toFixed(1)} dB`);
  });
}

it('on a ring of 8 speakers a still voice sounds from its place, and a travelling one crosses the room', async () => {
  const seconds = 9;
  const context = new OfflineAudioContext({ numberOfChannels: 8, length: seconds * RATE, sampleRate: RATE });
  const bank = await SampleBank.load(loadSampleManifest(join(DEFAULT_CONFIG.paths.samples, 'manifest.json')), DEFAULT_CONFIG.paths.samples, context);
  const graph = new ChoirGraph(context, bank, { masterDb: -6, seed: 1, speakers: ringOfSpeakers(8) });
  // Dry: no hall, so each speaker carries only what was placed on it.
  graph.apply(LAYERS.map((layer) => ({ type: 'layer' as const, time: 0, layer, gainDb: 0, lowpassHz: 8000, reverbSend: 0, rampS: 0.05 })));
  const sampleId = bank.infos()[4]?.id ?? '';
  const base = { type: 'start' as const, sampleId, midi: 60, rate: 1, gainDb: -12, pan: 0, panTo: 0, attackS: 0.3, holdS: 7.4, releaseS: 0.3 };
  graph.apply([
    { ...base, voiceId: 1, time: 0.05, layer: 'pad', azimuthDeg: 135 }, // still, at speaker 4 (135 deg)
    { ...base, voiceId: 2, time: 0.05, layer: 'events', azimuthDeg: 270, azimuthToDeg: 450 }, // west -> ahead -> east
  ]);
  const out = await context.startRendering();
  const speakers = Array.from({ length: 8 }, (_, c) => channel(out, c));
  const loudestIn = (fromS: number, toS: number, skip: number[]): number => {
    let best = -1;
    let bestEnergy = -1;
    speakers.forEach((x, c) => {
      if (skip.includes(c)) return;
      let e = 0;
      for (let i = Math.round(fromS * RATE); i < Math.round(toS * RATE); i++) e += (x[i] ?? 0) ** 2;
      if (e > bestEnergy) [best, bestEnergy] = [c, e];
    });
    return best;
  };
  // Speaker k stands at 45k degrees: 135 is speaker 3, west (270) is 6, ahead 0, east (90) 2.
  assert.equal(loudestIn(0.5, 8, []), 3, 'the still voice and nothing else on its speaker');
  // Among 8 speakers a still voice sings from its nearest one alone (no phantom image):
  // its neighbours 4 and 5 (180, 225 deg), where the traveller never goes, stay silent.
  const energy = (c: number): number => (speakers[c] ?? new Float32Array(0)).reduce((a, v) => a + v * v, 0);
  for (const c of [4, 5]) assert.ok(energy(c) < energy(3) * 1e-4, `speaker ${c}: ${energy(c)} against ${energy(3)}`);
  assert.equal(loudestIn(0.3, 0.9, [3]), 6, 'the traveller starts in the west');
  assert.equal(loudestIn(4.2, 4.6, [3]), 0, 'passes ahead');
  assert.equal(loudestIn(7.6, 8.0, [3]), 2, 'and leaves to the east');
  graph.dispose();
});
