/**
 * Offline renders through the whole pipeline, measured as a listener would: level,
 * ceiling, clicks, silence, and whether a storm sounds different from a calm sky.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { renderPreset } from './support/render.ts';
import { measureLevels, findClicks, longestSilenceS, spectralCentroidHz } from '../src/analysis/levels.ts';
import type { RenderResult } from '../src/render/offlineRender.ts';
import { CEILING_DBFS } from '../src/audio/outputCeiling.ts';

const DURATION_S = 45;
const renders = new Map<string, RenderResult>();

/** Skips the fade-in at the very start: the choir enters over its attack time. */
const afterEntry = (r: RenderResult): Float32Array[] => r.channels.map((c) => c.subarray(4 * r.sampleRate));

describe('offline render of the preset skies', () => {
  before(async () => {
    for (const sky of ['calm', 'storm', 'flock', 'night']) renders.set(sky, await renderPreset(sky, DURATION_S, 7));
  });

  for (const sky of ['calm', 'storm', 'flock', 'night']) {
    it(`${sky}: sings, stays under the ceiling, no clicks, no silence`, () => {
      const r = renders.get(sky);
      assert.ok(r);
      assert.equal(r.channels[0].length, DURATION_S * r.sampleRate);
      const levels = measureLevels(r.channels, r.sampleRate);
      assert.ok(levels.rmsDbfs > -35, `${sky} is too quiet: ${levels.rmsDbfs.toFixed(1)} dBFS RMS`);
      assert.ok(levels.peakDbfs <= CEILING_DBFS + 1e-3, `${sky} peaks at ${levels.peakDbfs.toFixed(2)} dBFS`);
      for (const [i, ch] of r.channels.entries()) {
        const clicks = findClicks(ch, r.sampleRate);
        assert.deepEqual(clicks, [], `${sky} channel ${i} has clicks at ${clicks.slice(0, 5).map((t) => t.toFixed(3)).join(', ')} s`);
      }
      const gap = longestSilenceS(afterEntry(r), r.sampleRate, -60);
      assert.ok(gap < 1, `${sky} falls silent for ${gap.toFixed(2)} s`);
      assert.ok(r.messagesAccepted > 0 && r.messagesDropped === 0);
    });
  }

  it('a storm sounds darker, denser and louder than a calm sky', () => {
    const calm = renders.get('calm');
    const storm = renders.get('storm');
    assert.ok(calm && storm);
    const calmCentroid = spectralCentroidHz(afterEntry(calm), calm.sampleRate);
    const stormCentroid = spectralCentroidHz(afterEntry(storm), storm.sampleRate);
    assert.ok(
      stormCentroid < calmCentroid * 0.8,
      `storm centroid ${stormCentroid.toFixed(0)} Hz is not clearly below calm ${calmCentroid.toFixed(0)} Hz`,
    );
    assert.ok(storm.voicesStarted > calm.voicesStarted * 1.5, `storm ${storm.voicesStarted} voices vs calm ${calm.voicesStarted}`);
    const calmRms = measureLevels(afterEntry(calm), calm.sampleRate).rmsDbfs;
    const stormRms = measureLevels(afterEntry(storm), storm.sampleRate).rmsDbfs;
    assert.ok(stormRms > calmRms + 1, `storm ${stormRms.toFixed(1)} dBFS vs calm ${calmRms.toFixed(1)} dBFS`);
  });

  it('a flock is answered by the event layer: more voices than calm', () => {
    const calm = renders.get('calm');
    const flock = renders.get('flock');
    assert.ok(calm && flock);
    assert.ok(flock.voicesStarted > calm.voicesStarted, `flock ${flock.voicesStarted} vs calm ${calm.voicesStarted}`);
  });

  it('the same sky and seed give the same audio; another seed does not', async () => {
    const a = await renderPreset('flock', 12, 3);
    const b = await renderPreset('flock', 12, 3);
    const c = await renderPreset('flock', 12, 4);
    assert.ok(a.channels[0].every((x, i) => x === b.channels[0][i]), 'same seed, different audio');
    assert.ok(a.channels[1].every((x, i) => x === b.channels[1][i]), 'same seed, different audio (right)');
    assert.ok(a.channels[0].some((x, i) => x !== c.channels[0][i]), 'different seeds, same audio');
  });
});
