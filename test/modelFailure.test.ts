/**
 * A model call that fails (throws, or answers the wrong number of controls) mid-song: the
 * last controls are held (the failure is counted in /healthz model.errors), and the choir
 * goes on singing with no silence and no click (issue 7's fault list; docs/operations.md
 * fault matrix).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { renderOffline, renderSettingsFrom } from '../src/render/offlineRender.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { skyFromName } from '../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { findClicks, longestSilenceS, windowedRmsDbfs } from '../src/analysis/levels.ts';
import type { ControlModel } from '../src/engine/controlModel.ts';

it('a model that starts failing after 10 s: the last controls are held and the choir sings on', async () => {
  const real = await MappingModel.load(DEFAULT_CONFIG.paths.model);
  let calls = 0;
  let failures = 0;
  // Fails from the 20th call (10 s of 0.5 s windows) on: alternately a throw and a short answer.
  const failing: ControlModel = {
    version: 'failing',
    run: async (features) => {
      calls++;
      if (calls < 20) return real.run(features);
      failures++;
      if (calls % 2 === 0) throw new Error('onnxruntime: session lost');
      return new Float32Array(3);
    },
  };
  try {
    const sky = skyFromName('storm', { seed: 2, site: DEFAULT_CONFIG.site, location: DEFAULT_CONFIG.location });
    const r = await renderOffline({ sky: sky.source, skyStartMs: sky.startMs, durationS: 30, seed: 2, ...renderSettingsFrom(DEFAULT_CONFIG), model: failing });
    assert.ok(failures > 20, `the model failed ${failures} times`);
    const after = r.channels.map((c) => c.subarray(12 * r.sampleRate));
    assert.ok(longestSilenceS(after, r.sampleRate) < 1, 'no silence after the failures began');
    const levels = windowedRmsDbfs(after, r.sampleRate, 1);
    assert.ok(Math.min(...levels) > -45, `every second sings: quietest ${Math.min(...levels).toFixed(1)} dBFS`);
    for (const c of after) assert.equal(findClicks(c, r.sampleRate).length, 0, 'no clicks');
  } finally {
    await real.dispose();
  }
});
