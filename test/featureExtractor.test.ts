/**
 * Sky state -> feature vector: always finite and in range; stale readings drift to the
 * typical sky; pressure tendencies; decaying event activity; sun and clock features.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FeatureExtractor, DEFAULT_FRESHNESS, type SiteLocation } from '../src/features/featureExtractor.ts';
import { FEATURES, featureIndex, type FeatureName, type FeatureVector } from '../src/features/featureVector.ts';
import { sunElevationDeg, localHours } from '../src/features/sunPosition.ts';
import { SkyState } from '../src/ingest/skyState.ts';
import { SKY_EVENT_KINDS, type SensorState } from '../src/ingest/sensorMessage.ts';
import { QUANTITIES, QUANTITY_NAMES, type Quantity } from '../src/ingest/units.ts';
import { T0 } from './support/skyMessages.ts';

const NEW_YORK: SiteLocation = { latitudeDeg: 40.7217, longitudeDeg: -73.9931, timeZone: 'America/New_York' };
const extractor = new FeatureExtractor(NEW_YORK);
const get = (v: FeatureVector, name: FeatureName): number => v[featureIndex(name)] ?? NaN;

function reading(quantity: Quantity, value: number, atMs: number): SensorState {
  return { kind: 'state', site: 'lobby', sensorId: 'roof', measuredAtMs: atMs, readings: [{ quantity, value }], rejected: [] };
}

function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} got ${actual}, want ${expected} ± ${tolerance}`);
}

describe('FeatureExtractor: ranges', () => {
  it('an empty sky gives typical values, finite and in range', () => {
    const v = extractor.compute(new SkyState(), T0);
    FEATURES.forEach((spec, i) => {
      const x = v[i] ?? NaN;
      assert.ok(Number.isFinite(x) && x >= spec.min && x <= spec.max, `${spec.name} = ${x}`);
    });
    near(get(v, 'pressure'), 0, 1e-9);
    near(get(v, 'wind_mean'), 0.15, 1e-6);
    near(get(v, 'cloud_cover'), 0.5, 1e-6);
    assert.equal(get(v, 'pressure_tendency_3h'), 0);
  });

  it('every feature is finite and inside its range for any sky and any time (property)', () => {
    const state = fc.record({
      quantity: fc.constantFrom(...QUANTITY_NAMES),
      unit: fc.double({ min: 0, max: 1, noNaN: true }),
      ageS: fc.integer({ min: -600, max: 86_400 }),
    });
    const event = fc.record({
      kind: fc.constantFrom(...SKY_EVENT_KINDS),
      ageS: fc.integer({ min: -60, max: 3600 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      count: fc.integer({ min: 1, max: 10_000 }),
    });
    const pressureWalk = fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { maxLength: 240 });
    fc.assert(
      fc.property(
        fc.array(state, { maxLength: 12 }),
        fc.array(event, { maxLength: 40 }),
        pressureWalk,
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 11, 31) }),
        fc.double({ min: -89.9, max: 89.9, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (states, events, walk, nowMs, lat, lon) => {
          const sky = new SkyState();
          // A pressure history: one sample a minute ending now, a random walk within range.
          let p = 1013;
          walk.forEach((step, i) => {
            p = Math.min(1100, Math.max(850, p + step));
            const at = nowMs - (walk.length - i) * 60_000;
            sky.apply(reading('pressure', p, at), at);
          });
          for (const s of states) {
            const range = QUANTITIES[s.quantity];
            const at = nowMs - s.ageS * 1000;
            sky.apply(reading(s.quantity, range.min + s.unit * (range.max - range.min), at), at);
          }
          for (const e of events) {
            const at = nowMs - e.ageS * 1000;
            sky.apply(
              { kind: 'event', site: 'lobby', sensorId: 'cam', measuredAtMs: at, event: e.kind, confidence: e.confidence, count: e.count, headingDeg: undefined },
              nowMs,
            );
          }
          const v = new FeatureExtractor({ latitudeDeg: lat, longitudeDeg: lon, timeZone: 'America/New_York' }).compute(sky, nowMs);
          FEATURES.forEach((spec, i) => {
            const x = v[i] ?? NaN;
            assert.ok(Number.isFinite(x), `${spec.name} = ${x}`);
            assert.ok(x >= spec.min && x <= spec.max, `${spec.name} = ${x} outside ${spec.min}..${spec.max}`);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('FeatureExtractor: freshness', () => {
  const { staleAfterS, driftS } = DEFAULT_FRESHNESS;
  const sky = new SkyState();
  sky.apply(reading('wind_speed', 13, T0), T0);
  const wind = (afterS: number): number => extractor.current(sky, 'wind_speed', T0 + afterS * 1000);

  it('holds a reading while it is fresh', () => {
    assert.equal(wind(0), 13);
    assert.equal(wind(staleAfterS), 13);
    assert.equal(extractor.isStale(sky, 'wind_speed', T0 + staleAfterS * 1000), false);
    assert.equal(extractor.isStale(sky, 'wind_speed', T0 + staleAfterS * 1000 + 1), true);
    near(get(extractor.compute(sky, T0 + 60_000), 'wind_mean'), 13 / 20, 1e-6);
  });

  it('drifts linearly towards the typical value once stale, and reaches it after driftS', () => {
    // Typical wind is 3 m/s.
    near(wind(staleAfterS + driftS / 4), 13 + (3 - 13) / 4, 1e-9);
    near(wind(staleAfterS + driftS / 2), 8, 1e-9);
    near(wind(staleAfterS + driftS), 3, 1e-9);
    near(wind(staleAfterS + 10 * driftS), 3, 1e-9);
    near(get(extractor.compute(sky, T0 + (staleAfterS + driftS) * 1000), 'wind_mean'), 3 / 20, 1e-6);
  });

  it('a missing quantity is its typical value; gusts default to 1.5 x the mean wind', () => {
    assert.equal(extractor.current(new SkyState(), 'pressure', T0), 1013.25);
    near(get(extractor.compute(sky, T0), 'wind_gust'), (13 * 1.5) / 30, 1e-6);
  });

  it('honours a custom freshness policy', () => {
    const quick = new FeatureExtractor(NEW_YORK, { staleAfterS: 10, driftS: 20 });
    near(quick.current(sky, 'wind_speed', T0 + 20_000), 8, 1e-9);
    near(quick.current(sky, 'wind_speed', T0 + 30_000), 3, 1e-9);
  });
});

describe('FeatureExtractor: pressure tendency', () => {
  function falling(spanMin: number, dropHPa: number, endMs: number): SkyState {
    const sky = new SkyState();
    for (let m = 0; m <= spanMin; m++) {
      const at = endMs - (spanMin - m) * 60_000;
      sky.apply(reading('pressure', 1010 - (dropHPa * m) / spanMin, at), at);
    }
    return sky;
  }

  it('-4.5 hPa over 3 h is -0.75', () => {
    const sky = falling(4 * 60, 6, T0); // 1.5 hPa an hour for 4 h: 4.5 hPa in the last 3 h
    near(extractor.pressureTendency3h(sky, T0), -4.5, 1e-9);
    near(get(extractor.compute(sky, T0), 'pressure_tendency_3h'), -0.75, 1e-6);
  });

  it('with 1 h of history, scales the rate seen to 3 h', () => {
    const sky = falling(60, 1, T0);
    near(extractor.pressureTendency3h(sky, T0), -3, 1e-9);
    near(get(extractor.compute(sky, T0), 'pressure_tendency_3h'), -0.5, 1e-6);
  });

  it('with under 30 minutes of history, knows no tendency', () => {
    assert.equal(extractor.pressureTendency3h(falling(20, 2, T0), T0), 0);
  });

  it('a stale barometer has no tendency', () => {
    const sky = falling(180, 4.5, T0);
    assert.equal(extractor.pressureTendency3h(sky, T0 + (DEFAULT_FRESHNESS.staleAfterS + 1) * 1000), 0);
  });

  it('a rapid rise is clipped at +1', () => {
    const sky = falling(180, -12, T0);
    assert.equal(get(extractor.compute(sky, T0), 'pressure_tendency_3h'), 1);
  });
});

describe('FeatureExtractor: events', () => {
  function withFlock(confidence: number): SkyState {
    const sky = new SkyState();
    sky.apply({ kind: 'event', site: 'lobby', sensorId: 'cam', measuredAtMs: T0, event: 'flock', confidence, count: 30, headingDeg: 90 }, T0);
    return sky;
  }

  it('decays event activity with a 120 s half-life (flock full scale is 2 events)', () => {
    const sky = withFlock(1);
    near(get(extractor.compute(sky, T0), 'flock_activity'), 0.5, 1e-6);
    near(get(extractor.compute(sky, T0 + 120_000), 'flock_activity'), 0.25, 1e-6);
    near(get(extractor.compute(sky, T0 + 240_000), 'flock_activity'), 0.125, 1e-6);
    near(get(extractor.compute(sky, T0 + 60_000), 'flock_activity'), 0.5 * 2 ** -0.5, 1e-6);
    assert.equal(get(extractor.compute(sky, T0), 'bird_activity'), 0, 'other kinds are not moved');
  });

  it('weights by confidence, and an event from a clock running ahead counts once', () => {
    near(get(extractor.compute(withFlock(0.6), T0), 'flock_activity'), 0.3, 1e-6);
    near(get(extractor.compute(withFlock(1), T0 - 30_000), 'flock_activity'), 0.5, 1e-6);
  });

  it('many events saturate at 1', () => {
    const sky = new SkyState();
    for (let i = 0; i < 10; i++) {
      sky.apply({ kind: 'event', site: 'lobby', sensorId: 'cam', measuredAtMs: T0, event: 'aircraft', confidence: 1, count: 1, headingDeg: 0 }, T0);
    }
    assert.equal(get(extractor.compute(sky, T0), 'aircraft_activity'), 1);
  });
});

describe('FeatureExtractor: sun and clock', () => {
  it('sun elevation / 90 and the local time of day as sin/cos', () => {
    const at = Date.parse('2026-12-21T16:54:00Z'); // solar noon in New York
    const v = extractor.compute(new SkyState(), at);
    near(get(v, 'sun_elevation'), sunElevationDeg(at, NEW_YORK.latitudeDeg, NEW_YORK.longitudeDeg) / 90, 1e-6);
    near(get(v, 'sun_elevation'), 25.84 / 90, 0.005);
    const hours = localHours(at, NEW_YORK.timeZone);
    near(hours, 11.9, 1e-9);
    near(get(v, 'time_of_day_sin'), Math.sin((2 * Math.PI * hours) / 24), 1e-6);
    near(get(v, 'time_of_day_cos'), Math.cos((2 * Math.PI * hours) / 24), 1e-6);
  });

  it('with no light sensor, brightness follows the sun: dark at night, full by day', () => {
    near(get(extractor.compute(new SkyState(), Date.parse('2026-12-22T05:00:00Z')), 'brightness'), 0, 1e-9);
    near(get(extractor.compute(new SkyState(), Date.parse('2026-06-21T17:00:00Z')), 'brightness'), 1, 1e-9);
    const sky = new SkyState();
    sky.apply(reading('brightness', 0.3, T0), T0);
    near(get(extractor.compute(sky, T0), 'brightness'), 0.3, 1e-6, 'a light sensor wins');
  });

  it('local midnight is cos 1, sin 0', () => {
    const v = extractor.compute(new SkyState(), Date.parse('2026-12-22T05:00:00Z'));
    near(get(v, 'time_of_day_cos'), 1, 1e-6);
    near(get(v, 'time_of_day_sin'), 0, 1e-6);
  });
});
