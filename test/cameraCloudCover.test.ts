/**
 * Cloud cover, brightness and warmth from synthetic sky frames of known coverage
 * (sensors/camera/syntheticSky.ts): the |NBRR| hybrid threshold must land within 0.1 of
 * the truth from clear to overcast, under a blue day sky and under dawn colours.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { estimateCloudCover, otsuSplit } from '../sensors/camera/cloudCover.ts';
import { measureSkyLight } from '../sensors/camera/skyLight.ts';
import { syntheticSkyClip, type SkyPalette } from '../sensors/camera/syntheticSky.ts';
import { createSkyFrame } from '../sensors/camera/skyFrame.ts';
import { SkyAnalyzer } from '../sensors/camera/skyAnalyzer.ts';

const COVERS = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1];

function frameOf(cover: number, palette: SkyPalette, seed: number) {
  const clip = syntheticSkyClip({ width: 160, height: 120, fps: 1, durationS: 2, seed, cloudCover: cover, palette });
  return { frame: clip.frameAt(1), truth: clip.coverAt(1) };
}

describe('cloud cover (|NBRR| hybrid threshold)', () => {
  for (const palette of ['day', 'dawn'] as const) {
    it(`is within 0.1 of the truth for every coverage under a ${palette} sky`, () => {
      const errors: number[] = [];
      for (const cover of COVERS) {
        for (const seed of [11, 12]) {
          const { frame, truth } = frameOf(cover, palette, seed);
          const estimate = estimateCloudCover(frame);
          assert.ok(estimate, `no estimate at cover ${cover}`);
          const error = Math.abs(estimate.fraction - truth);
          errors.push(error);
          assert.ok(error <= 0.1, `${palette} cover ${cover} seed ${seed}: estimated ${estimate.fraction.toFixed(3)} (${estimate.method})`);
        }
      }
      const mae = errors.reduce((s, e) => s + e, 0) / errors.length;
      console.log(`# ${palette}: mean absolute error ${mae.toFixed(4)}, max ${Math.max(...errors).toFixed(4)}`);
    });
  }

  it('treats a near-uniform frame with the fixed threshold (clear and overcast)', () => {
    assert.equal(estimateCloudCover(frameOf(0, 'day', 3).frame)?.method, 'fixed');
    assert.equal(estimateCloudCover(frameOf(1, 'day', 3).frame)?.method, 'fixed');
    assert.equal(estimateCloudCover(frameOf(0.5, 'day', 3).frame)?.method, 'otsu');
  });

  it('ignores the masked horizon and gives no estimate when nothing usable is left', () => {
    const black = createSkyFrame(40, 30);
    assert.equal(estimateCloudCover(black), undefined);
    const { frame } = frameOf(0.5, 'day', 4);
    const full = estimateCloudCover(frame);
    const upper = estimateCloudCover(frame, { horizonFraction: 0.5 });
    assert.ok(full && upper);
    assert.equal(upper.skyPixels, full.skyPixels / 2);
  });

  it("Otsu's split separates two clusters", () => {
    const histogram = new Array<number>(256).fill(0);
    histogram[20] = 100;
    histogram[200] = 300;
    const split = otsuSplit(histogram);
    assert.ok(split && split.threshold > 20 / 256 && split.threshold <= 200 / 256);
    assert.equal(split.lowerWeight, 0.25);
  });
});

describe('sky light', () => {
  it('brightness is mean luma in 0..1; warmth rises at dawn', () => {
    const day = measureSkyLight(frameOf(0, 'day', 5).frame);
    const dawn = measureSkyLight(frameOf(0, 'dawn', 5).frame);
    const overcast = measureSkyLight(frameOf(1, 'day', 5).frame);
    assert.ok(day.brightness > 0.3 && day.brightness < 0.8, String(day.brightness));
    assert.ok(overcast.brightness > day.brightness);
    assert.ok(day.warmth !== undefined && dawn.warmth !== undefined);
    assert.ok(day.warmth < 0.8, `day warmth ${day.warmth}`);
    assert.ok(dawn.warmth > day.warmth + 0.3, `dawn warmth ${dawn.warmth}`);
    assert.deepEqual(measureSkyLight(createSkyFrame(4, 4)), { brightness: 0, warmth: undefined });
  });

  it('reports no cloud cover at night, only brightness', () => {
    const analyzer = new SkyAnalyzer({ location: { latitudeDeg: 40.7, longitudeDeg: -74 } });
    const { frame } = frameOf(0.5, 'day', 6);
    const midnightNy = Date.parse('2026-06-21T04:00:00Z');
    const noonNy = Date.parse('2026-06-21T16:00:00Z');
    const night = analyzer.analyze(frame, midnightNy);
    assert.equal(night.night, true);
    assert.equal(night.cloud, undefined);
    assert.ok(night.light.brightness > 0);
    const day = analyzer.analyze(frame, noonNy);
    assert.equal(day.night, false);
    assert.ok(day.cloud && Math.abs(day.cloud.fraction - 0.5) < 0.1);
  });
});
