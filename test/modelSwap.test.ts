/**
 * Swapping the mapping model while the choir sings (a deploy or a rollback) is heard as
 * a turn, never a jump: rendered through the real pipeline, swapping mid-render to a
 * model that asks for very different music, there is no click and no step in level.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { renderOffline } from '../src/render/offlineRender.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { skyFromName } from '../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { findClicks, windowedRmsDbfs } from '../src/analysis/levels.ts';
import { CONTROL_COUNT } from '../src/model/controlVector.ts';
import type { ControlModel } from '../src/engine/controlModel.ts';

/** A model that asks for the opposite of calm: everything loud, dense, dark and fast. */
const STORMY: ControlModel = {
  version: 'test-stormy',
  run: async () => new Float32Array(CONTROL_COUNT).map((_, i) => ([3, 8, 13, 18].includes(i) ? 0.05 : 0.95)),
};

it('a model swapped mid-render glides: no click, no step in level', async () => {
  const config = DEFAULT_CONFIG;
  const model = await MappingModel.load(config.paths.model);
  try {
    const sky = skyFromName('calm', { seed: 2, site: config.site, location: config.location });
    const r = await renderOffline({
      sky: sky.source,
      skyStartMs: sky.startMs,
      durationS: 30,
      seed: 2,
      site: config.site,
      location: config.location,
      samplesDir: config.paths.samples,
      model,
      masterDb: config.audio.masterDb,
      swap: { atS: 15, model: STORMY },
    });
    for (const ch of r.channels) assert.deepEqual(findClicks(ch, r.sampleRate), [], 'no clicks');
    // Level in 0.5 s windows: around the swap it may move, but never by more than 3 dB
    // from one window to the next, and it does change (the swap was real).
    const levels = windowedRmsDbfs(r.channels, r.sampleRate, 0.5);
    const around = levels.slice(26, 50);
    for (let i = 1; i < around.length; i++) {
      const step = Math.abs((around[i] ?? 0) - (around[i - 1] ?? 0));
      assert.ok(step < 3, `a ${step.toFixed(1)} dB step at ${(13 + i * 0.5).toFixed(1)} s`);
    }
    const before = levels.slice(20, 30).reduce((a, b) => a + b, 0) / 10;
    const after = levels.slice(50, 60).reduce((a, b) => a + b, 0) / 10;
    const largest = Math.max(...around.slice(1).map((x, i) => Math.abs(x - (around[i] ?? 0))));
    console.log(`# swap: ${before.toFixed(1)} -> ${after.toFixed(1)} dBFS, largest 0.5 s step ${largest.toFixed(2)} dB`);
    assert.ok(Math.abs(after - before) > 1, `the music changed: ${before.toFixed(1)} -> ${after.toFixed(1)} dBFS`);
  } finally {
    await model.dispose();
  }
});
