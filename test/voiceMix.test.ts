/**
 * Voices mixed ahead by the planner (voiceMix.ts, ChoirGraph's `mixAheadS`, what offline
 * renders use) sound as the same voices do as nodes of their own: the pure parts against
 * the Web Audio arithmetic they copy, then the whole graph rendered both ways.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OfflineAudioContext } from 'node-web-audio-api';
import { join } from 'node:path';
import { cornersInto, endFrameOf, VoiceMixer, type MixableVoice } from '../src/audio/voiceMix.ts';
import { MixKernel } from '../src/audio/mixKernel.ts';
import { valueOfCorners } from '../src/audio/rampedParam.ts';
import { ChoirGraph } from '../src/audio/choirGraph.ts';
import { ringOfSpeakers, STEREO_SPEAKERS, type Speaker } from '../src/audio/speakerLayout.ts';
import { SampleBank } from '../src/samples/sampleBank.ts';
import { loadSampleManifest } from '../src/samples/sampleManifest.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { LAYERS } from '../src/model/controlVector.ts';
import { findClicks } from '../src/analysis/levels.ts';
import type { Decision } from '../src/conductor/decisions.ts';

const RATE = 48000;

it('a param automated through corners has, at each frame, the value of the ramps between them', () => {
  const corners = fc
    .array(
      fc.tuple(
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((cs) => cs.sort((a, b) => a[0] - b[0]));
  fc.assert(
    fc.property(
      corners,
      fc.integer({ min: 0, max: 96000 }),
      fc.integer({ min: 1, max: 600 }),
      (cs, from, n) => {
        const values = new Float32Array(n);
        cornersInto(values, from, cs, RATE);
        for (let i = 0; i < n; i += 7) {
          const t = (from + i) / RATE;
          // Where two corners share a time the later one holds from then on (a step).
          const want = valueOfCorners(
            cs.filter(([at], k) => !(k + 1 < cs.length && cs[k + 1]?.[0] === at && at <= t)),
            t,
          );
          assert.ok(
            Math.abs((values[i] ?? 0) - want) < 1e-5,
            `frame ${from + i}: ${values[i]} against ${want}`,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

it('a mixed voice reads its onset once, then its sustain looped from the quantum the onset ends on, under its envelope', () => {
  // Samples that say where they come from: onset frame k is 1 + k, sustain frame k is -(1 + k).
  const onsetData = Float32Array.from({ length: 256 }, (_, k) => 1 + k);
  const sustainData = Float32Array.from({ length: 100 }, (_, k) => -(1 + k));
  const voice: MixableVoice = {
    buffers: { onsetData, sustainData },
    startFrame: 1280,
    sustainFrame: 1280 + 256,
    envelope: [
      [1280 / RATE, 1],
      [2000 / RATE, 1],
      [2100 / RATE, 0],
    ],
    placement: [
      { speaker: 1, gain: 0.5 },
      { speaker: 0, gain: 0.25 },
    ],
  };
  assert.equal(endFrameOf(voice, RATE), 2100);
  const mixer = new VoiceMixer(2);
  const out = mixer.mix(1200, 1000, [voice], RATE);
  assert.ok(out, 'it sounds in that span');
  const [left, right] = out as [Float32Array, Float32Array];
  assert.equal(right[79], 0, 'nothing before the start');
  assert.equal(right[80], 0.5, 'onset frame 0');
  assert.equal(right[80 + 255], 0.5 * 256, 'onset frame 255');
  assert.equal(right[80 + 256], -0.5, 'sustain frame 0 where the onset ends');
  assert.equal(right[80 + 256 + 100], -0.5, 'the sustain loops whole');
  assert.equal(left[80 + 256 + 37], -0.25 * 38, 'the other speaker at its share');
  // The release: 2000..2100 ramps 1 -> 0.
  const k = 2050 - 1200;
  const want = -(1 + ((2050 - 1536) % 100)) * 0.5 * 0.5;
  assert.ok(Math.abs((right[k] ?? 0) - want) < 1e-5, `${right[k]} against ${want}`);
  assert.equal(right[2100 - 1200], 0, 'silent from its end');
  // A span it does not reach: nothing.
  assert.equal(mixer.mix(1200, 80, [voice], RATE), undefined);
  assert.equal(mixer.mix(2100, 500, [voice], RATE), undefined);
});

it('the mixer says which speakers a mix reached, and what an earlier mix wrote is gone from the next', () => {
  const sustainData = new Float32Array(128).fill(1);
  const on = (speaker: number): MixableVoice => ({
    buffers: { onsetData: new Float32Array(0), sustainData },
    startFrame: 0,
    sustainFrame: 0,
    envelope: [
      [0, 1],
      [1, 1],
      [1.01, 0],
    ],
    placement: [{ speaker, gain: 1 }],
  });
  const mixer = new VoiceMixer(8);
  const first = mixer.mix(0, 512, [on(3)], RATE) as Float32Array[];
  assert.deepEqual(mixer.channelsWritten, [false, false, false, true, false, false, false, false]);
  assert.equal(first[3]?.[100], 1);
  const second = mixer.mix(512, 512, [on(5)], RATE) as Float32Array[];
  assert.deepEqual(mixer.channelsWritten, [false, false, false, false, false, true, false, false]);
  assert.ok(second[3]?.every((x) => x === 0), 'speaker 3 is silent again');
  assert.equal(second[5]?.[100], 1);
});

it('the SIMD kernel adds src * (v + dv * i) as the scalar arithmetic does, at any length and offset', () => {
  const kernel = new MixKernel();
  kernel.reserve(2 * 4096 * 4);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 0, max: 3000 }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
      (d, s, n, v, dv) => {
        const dst = kernel.floats(d * 4, n);
        const src = kernel.floats(4096 * 4 + s * 4, n);
        for (let i = 0; i < n; i++) {
          dst[i] = Math.sin(i + d);
          src[i] = Math.cos(i * 0.7 + s);
        }
        const want = Float32Array.from(dst, (x, i) => x + (src[i] as number) * (v + dv * i));
        const after = kernel.floats((d + n) * 4, 1)[0];
        kernel.mix(d * 4, 4096 * 4 + s * 4, n, v, dv);
        for (let i = 0; i < n; i++)
          assert.ok(
            Math.abs((dst[i] as number) - (want[i] as number)) < 1e-5,
            `sample ${i}: ${dst[i]} against ${want[i]}`,
          );
        assert.equal(kernel.floats((d + n) * 4, 1)[0], after, 'nothing past the end is touched');
      },
    ),
    { numRuns: 200 },
  );
});

/** A minute of the densest kinds of voice: standing ones, a travelling swell, fast onsets, steals; buses moving. */
function decisions(): Decision[] {
  const out: Decision[] = [];
  let id = 1;
  for (let k = 0; k < 40; k++) {
    const time = 0.6 + k * 0.35;
    const layer = LAYERS[k % LAYERS.length] ?? 'pad';
    out.push({
      type: 'start',
      voiceId: id++,
      time,
      layer,
      sampleId: String(k), // the bank's k-th sample, named in render()
      midi: 60,
      rate: 2 ** ((((k * 5) % 7) - 3) / 12),
      gainDb: -18,
      pan: ((k % 9) - 4) / 4,
      panTo: ((k % 9) - 4) / 4,
      azimuthDeg: (k * 137.5) % 360,
      // Every seventh voice travels half-way round the room.
      ...(k % 7 === 3 ? { azimuthToDeg: ((k * 137.5) % 360) + 180 } : {}),
      attackS: k % 3 === 0 ? 0.02 : 1.5,
      holdS: 3 + (k % 5),
      releaseS: 1.5,
    });
    // Every fifth voice is stolen part-way through its hold.
    if (k % 5 === 2)
      out.push({
        type: 'release',
        voiceId: id - 1,
        time: time + 2.2,
        releaseS: 0.4,
        reason: 'stolen',
      });
  }
  for (let t = 0; t < 20; t += 0.5) {
    for (const [i, layer] of LAYERS.entries()) {
      out.push({
        type: 'layer',
        time: t + 0.6,
        layer,
        gainDb: -6 + 3 * Math.sin(t / 3 + i),
        lowpassHz: 3000 + 1500 * Math.sin(t / 4 + i),
        reverbSend: 0.3 + 0.2 * Math.sin(t / 5 + i),
        rampS: 2,
      });
    }
  }
  return out;
}

/** Renders `seconds` of the decisions, handed over as the performance does: each 0.5 s, the decisions 0.6-1.1 s ahead. */
async function render(
  speakers: readonly Speaker[],
  mixAheadS: number | undefined,
  seconds: number,
): Promise<Float32Array[]> {
  const context = new OfflineAudioContext({
    numberOfChannels: speakers.length,
    length: seconds * RATE,
    sampleRate: RATE,
  });
  const dir = DEFAULT_CONFIG.paths.samples;
  const bank = await SampleBank.load(loadSampleManifest(join(dir, 'manifest.json')), dir, context);
  const infos = bank.infos();
  const all = decisions().map((d) =>
    d.type === 'start' ? { ...d, sampleId: infos[Number(d.sampleId) % infos.length]?.id ?? '' } : d,
  );
  const graph = new ChoirGraph(context, bank, {
    masterDb: -3,
    seed: 1,
    speakers,
    taps: false,
    ...(mixAheadS === undefined ? {} : { mixAheadS }),
  });
  const hand = (from: number, to: number): void =>
    graph.apply(all.filter((d) => d.time >= from && d.time < to));
  hand(0, 1.1);
  for (let k = 1; k * 0.5 < seconds; k++) {
    const t = k * 0.5;
    void context.suspend(t).then(() => {
      hand(t + 0.6, t + 1.1);
      return context.resume();
    });
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const buffer = await context.startRendering();
  graph.dispose();
  return speakers.map((_, c) => {
    const x = new Float32Array(buffer.length);
    buffer.copyFromChannel(x, c);
    return x;
  });
}

for (const [name, speakers] of [
  ['a stereo pair', STEREO_SPEAKERS],
  ['a ring of 8', ringOfSpeakers(8)],
] as const) {
  it(`on ${name}, voices mixed ahead are the voices as nodes, to float rounding`, async () => {
    const seconds = 20;
    const nodes = await render(speakers, undefined, seconds);
    const mixed = await render(speakers, 0.6, seconds);
    let worst = 0;
    let peak = 0;
    nodes.forEach((a, c) => {
      const b = mixed[c] as Float32Array;
      for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
        peak = Math.max(peak, Math.abs(a[i] ?? 0));
      }
      assert.deepEqual(findClicks(b, RATE), [], `speaker ${c}: no clicks where takes join`);
    });
    const db = 20 * Math.log10(worst / peak);
    assert.ok(peak > 0.02, `it sings (peak ${peak})`);
    assert.ok(db < -100, `largest difference ${db.toFixed(1)} dB below the peak`);
  });
}
