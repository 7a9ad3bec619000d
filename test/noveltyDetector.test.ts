/**
 * Streaming novelty (half-space trees with decaying mass): after a long familiar sky a
 * storm scores high, a storm that goes on or comes back scores less, and the state
 * survives the store. Also the feature extractor's learning hooks (feature vector v2).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FeatureExtractor, LEARN_EVERY_MS, NOVELTY_FEATURES, newSkyMemory } from '../src/features/featureExtractor.ts';
import { FEATURES, featureIndex, featureVectorFrom, type FeatureName } from '../src/features/featureVector.ts';
import { NoveltyDetector } from '../src/features/noveltyDetector.ts';
import { mulberry32 } from '../src/model/seededRandom.ts';
import { SkyState } from '../src/ingest/skyState.ts';
import type { SensorState } from '../src/ingest/sensorMessage.ts';
import type { Quantity } from '../src/ingest/units.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 1);

function detector(): NoveltyDetector {
  return newSkyMemory().novelty;
}

/** A calm, fair sky with day and night and small wobbles. */
function calm(atMs: number, rng: () => number): Float32Array {
  const hours = (atMs / 3600_000) % 24;
  const day = Math.max(0, Math.cos((2 * Math.PI * (hours - 12)) / 24));
  return featureVectorFrom({
    pressure_seasonal: 0.1 + 0.3 * (rng() - 0.5),
    pressure_tendency_3h: 0.1 * (rng() - 0.5),
    wind_mean: 0.1 + 0.1 * rng(),
    wind_gust: 0.15 + 0.1 * rng(),
    cloud_cover: 0.2 + 0.3 * rng(),
    brightness: day * 0.9,
  });
}

function storm(rng: () => number): Float32Array {
  return featureVectorFrom({
    pressure_seasonal: -0.9 + 0.1 * rng(),
    pressure_tendency_3h: -0.8,
    wind_mean: 0.7 + 0.1 * rng(),
    wind_gust: 0.85,
    cloud_cover: 1,
    brightness: 0.15,
    precipitation: 0.7 + 0.2 * rng(),
  });
}

describe('novelty', () => {
  it('after three familiar days a storm is novel; a long storm and a repeated storm less so', () => {
    const d = detector();
    const rng = mulberry32(3);
    let t = T0;
    for (; t < T0 + 3 * 1440 * MIN; t += MIN) d.observe(calm(t, rng), t);
    const familiar = d.score(calm(t, rng));
    const first = d.score(storm(rng));
    for (let i = 0; i < 180; i++, t += MIN) d.observe(storm(rng), t); // a three-hour storm
    const late = d.score(storm(rng));
    for (let i = 0; i < 1440; i++, t += MIN) d.observe(calm(t, rng), t); // a calm day
    const again = d.score(storm(rng));
    console.log(`novelty: familiar ${familiar.toFixed(3)}, storm ${first.toFixed(3)}, after 3 h of it ${late.toFixed(3)}, the next day ${again.toFixed(3)}`);
    assert.ok(familiar < 0.15, `familiar ${familiar}`);
    assert.ok(first > 0.7, `first storm ${first}`);
    assert.ok(late < first - 0.2, `late ${late}`);
    assert.ok(again < first - 0.2, `again ${again}`);
    assert.ok(again > late, 'a day of calm makes the storm a little less familiar again');
  });

  it('a fresh detector is not surprised by everything: it grows into novelty over a day', () => {
    const d = detector();
    const rng = mulberry32(4);
    assert.equal(d.score(storm(rng)), 0);
    for (let i = 0; i < 60; i++) d.observe(calm(T0 + i * MIN, rng), T0 + i * MIN);
    assert.ok(d.score(storm(rng)) < 0.1);
  });

  it('is always in 0..1 (property)', () => {
    const d = detector();
    const rng = mulberry32(5);
    for (let i = 0; i < 2000; i++) d.observe(calm(T0 + i * MIN, rng), T0 + i * MIN);
    const sky = fc.tuple(...FEATURES.map((f) => fc.double({ min: f.min, max: f.max, noNaN: true })));
    fc.assert(fc.property(sky, (values) => {
      const s = d.score(Float32Array.from(values));
      assert.ok(s >= 0 && s <= 1, String(s));
    }), { numRuns: 300 });
  });

  it('forgets: a storm two months ago is novel again', () => {
    const d = detector();
    const rng = mulberry32(6);
    let t = T0;
    for (; t < T0 + 2 * 1440 * MIN; t += MIN) d.observe(calm(t, rng), t);
    for (let i = 0; i < 600; i++, t += MIN) d.observe(storm(rng), t);
    const soon = d.score(storm(rng));
    for (let day = 0; day < 60; day++) for (let i = 0; i < 1440; i += 10, t += 10 * MIN) d.observe(calm(t, rng), t);
    assert.ok(d.score(storm(rng)) > soon + 0.3);
  });

  it('state round-trips through JSON; a state for other trees is refused', () => {
    const d = detector();
    const rng = mulberry32(7);
    for (let i = 0; i < 3000; i++) d.observe(calm(T0 + i * MIN, rng), T0 + i * MIN);
    const back = detector();
    assert.equal(back.importState(JSON.parse(JSON.stringify(d.exportState()))), undefined);
    const probe = storm(rng);
    assert.ok(Math.abs(back.score(probe) - d.score(probe)) < 1e-4);
    const other = new NoveltyDetector({ dims: [0], mins: [-1], maxs: [1] });
    assert.match(other.importState(d.exportState()) ?? '', /tree layout or feature dimensions changed/);
  });
});

function reading(quantity: Quantity, value: number, atMs: number): SensorState {
  return { kind: 'state', site: 'lobby', sensorId: 'roof', measuredAtMs: atMs, readings: [{ quantity, value }], rejected: [] };
}
const NEW_YORK = { latitudeDeg: 40.7217, longitudeDeg: -73.9931, timeZone: 'America/New_York' };
const get = (v: Float32Array, name: FeatureName): number => v[featureIndex(name)] ?? Number.NaN;

describe('feature extractor v2: seasons, direction, day of year, novelty', () => {
  it('learns at most once a minute of sky time, fresh readings only', () => {
    const x = new FeatureExtractor(NEW_YORK);
    const sky = new SkyState();
    sky.apply(reading('pressure', 1000, T0), T0);
    const v = x.compute(sky, T0);
    assert.equal(x.learn(sky, T0, v), true);
    assert.equal(x.learn(sky, T0 + LEARN_EVERY_MS - 1, v), false);
    assert.equal(x.learn(sky, T0 + LEARN_EVERY_MS, v), true);
    assert.equal(x.memory.seasons.observations('pressure'), 2);
    assert.equal(x.learn(sky, T0 + 3600_000, v), true, 'stale by now');
    assert.equal(x.memory.seasons.observations('pressure'), 2);
  });

  it('a stale barometer drifts to the season\'s median once a day of readings is known', () => {
    const x = new FeatureExtractor(NEW_YORK);
    const sky = new SkyState();
    let t = T0;
    for (let i = 0; i < 1500; i++, t += MIN) {
      sky.apply(reading('pressure', 1025, t), t);
      x.learn(sky, t, x.compute(sky, t));
    }
    assert.ok(Math.abs(x.typical('pressure') - 1025) < 0.5, String(x.typical('pressure')));
    const later = x.compute(sky, t + 3600_000); // long stale
    assert.ok(Math.abs(get(later, 'pressure') - (1025 - 1013.25) / 30) < 0.02);
    assert.ok(Math.abs(get(later, 'pressure_seasonal')) < 0.1, 'the seasonal median is heard as ordinary');
  });

  it('wind direction: sin/cos of where it blows from, weighted by strength, fading when stale', () => {
    const x = new FeatureExtractor(NEW_YORK);
    const sky = new SkyState();
    sky.apply(reading('wind_speed', 8, T0), T0);
    sky.apply(reading('wind_direction', 90, T0), T0);
    const v = x.compute(sky, T0);
    assert.ok(Math.abs(get(v, 'wind_direction_sin') - 1) < 1e-6);
    assert.ok(Math.abs(get(v, 'wind_direction_cos')) < 1e-6);
    const calmSky = new SkyState();
    calmSky.apply(reading('wind_speed', 0.5, T0), T0);
    calmSky.apply(reading('wind_direction', 90, T0), T0);
    assert.ok(Math.abs(get(x.compute(calmSky, T0), 'wind_direction_sin') - 0.25) < 1e-6);
    assert.equal(get(x.compute(sky, T0 + 3600_000), 'wind_direction_sin'), 0, 'stale: no direction');
    assert.equal(get(x.compute(new SkyState(), T0), 'wind_direction_cos'), 0, 'never seen');
  });

  it('day of year: local 1 January is (0, 1), 2 July about (0, -1)', () => {
    const x = new FeatureExtractor(NEW_YORK);
    const jan = x.compute(new SkyState(), Date.parse('2026-01-01T05:00:00Z')); // local midnight
    assert.ok(Math.abs(get(jan, 'day_of_year_sin')) < 1e-6 && Math.abs(get(jan, 'day_of_year_cos') - 1) < 1e-6);
    const jul = x.compute(new SkyState(), Date.parse('2026-07-02T16:00:00Z'));
    assert.ok(get(jul, 'day_of_year_cos') < -0.99);
  });

  it('novelty looks at the weather features only', () => {
    assert.ok(!NOVELTY_FEATURES.includes('novelty') && !NOVELTY_FEATURES.includes('time_of_day_sin'));
    assert.equal(get(new FeatureExtractor(NEW_YORK).compute(new SkyState(), T0), 'novelty'), 0, 'a fresh memory');
  });
});
