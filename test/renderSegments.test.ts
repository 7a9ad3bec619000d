/**
 * A render made in segments (each on its own OfflineAudioContext, the graph continued
 * from its own record after a pre-roll) is the render made in one piece: same samples to
 * within float rounding, so hours can be rendered with the memory of minutes.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { renderOffline, renderSettingsFrom, PREROLL_S } from '../src/render/offlineRender.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { skyFromName } from '../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { ringOfSpeakers } from '../src/audio/speakerLayout.ts';
import { findClicks } from '../src/analysis/levels.ts';

for (const [sky, speakers] of [
  ['storm', 2],
  ['flock', 8],
] as const) {
  it(`${sky} on ${speakers} speakers: 60 s in 20 s segments is the same audio as in one piece`, async () => {
    const model = await MappingModel.load(DEFAULT_CONFIG.paths.model);
    try {
      const render = async (segmentS: number) => {
        const named = skyFromName(sky, { seed: 3, site: DEFAULT_CONFIG.site, location: DEFAULT_CONFIG.location });
        return renderOffline({
          sky: named.source,
          skyStartMs: named.startMs,
          durationS: 60,
          seed: 3,
          ...renderSettingsFrom(DEFAULT_CONFIG),
          speakers: speakers === 2 ? DEFAULT_CONFIG.audio.speakers : ringOfSpeakers(speakers),
          model,
          segmentS,
        });
      };
      const whole = await render(600);
      const parts = await render(20);
      assert.equal(parts.voicesStarted, whole.voicesStarted);
      assert.equal(parts.decisions, whole.decisions);
      let worst = 0;
      let signal = 0;
      whole.speakerChannels.forEach((a, c) => {
        const b = parts.speakerChannels[c] as Float32Array;
        assert.equal(b.length, a.length);
        for (let i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
          signal = Math.max(signal, Math.abs(a[i] ?? 0));
        }
        // No seam at the joins (20 s, 40 s): the click detector finds nothing there either.
        for (const at of findClicks(b, parts.sampleRate)) assert.ok(Math.abs((at % 20) - 0) > 0.05 && Math.abs((at % 20) - 20) > 0.05, `a click at ${at.toFixed(3)} s`);
      });
      const db = 20 * Math.log10(worst / signal);
      assert.ok(signal > 0.05, 'it sings');
      assert.ok(db < -60, `largest difference ${db.toFixed(1)} dB below the peak (pre-roll ${PREROLL_S} s)`);
    } finally {
      await model.dispose();
    }
  });
}
