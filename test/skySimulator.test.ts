/**
 * The simulated rooftop: every publication is in the MQTT contract, the sky does not depend
 * on how time is windowed, the same seed gives the same sky, and scenarios differ as named.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SkySimulator, SIMULATED_SENSORS } from '../sensors/simulator/skySimulator.ts';
import { SCENARIO_NAMES, SCENARIOS } from '../sensors/simulator/scenarios.ts';
import { parseSensorMessage, type SensorMessage } from '../src/ingest/sensorMessage.ts';
import type { Publication } from '../sensors/skySource.ts';
import { bytes, T0 } from './support/skyMessages.ts';

const NY = { latitudeDeg: 40.7217, longitudeDeg: -73.9931 };
const simulator = (scenario: string, seed = 1): SkySimulator => new SkySimulator({ scenario, seed, site: 'lobby', startMs: T0, ...NY });

function parsed(pubs: readonly Publication[]): SensorMessage[] {
  return pubs.map((p) => {
    const r = parseSensorMessage(p.topic, bytes(p.payload));
    if (!r.ok) assert.fail(`${p.topic} ${p.payload}: ${r.rejection.message}`);
    return r.message;
  });
}

function mean(messages: readonly SensorMessage[], quantity: string): number {
  const values = messages.flatMap((m) => (m.kind === 'state' ? m.readings.filter((r) => r.quantity === quantity).map((r) => r.value) : []));
  assert.ok(values.length > 0, `some ${quantity}`);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

const TEN_MINUTES = 600_000;

describe('SkySimulator', () => {
  it('refuses an unknown scenario, naming the known ones', () => {
    assert.throws(() => simulator('hurricane'), /unknown sky scenario 'hurricane'; choose one of calm, storm/);
  });

  for (const name of SCENARIO_NAMES) {
    it(`${name}: every publication of an hour parses as ok, retained states and fresh events, in time order`, () => {
      const sim = simulator(name, 7);
      const pubs = sim.publicationsBetween(T0, T0 + 3600_000);
      const messages = parsed(pubs);
      assert.ok(pubs.length >= 3600 / 5, `${pubs.length} publications`);
      for (let i = 0; i < pubs.length; i++) {
        const p = pubs[i] as Publication;
        const m = messages[i] as SensorMessage;
        assert.ok(p.atMs > T0 && p.atMs <= T0 + 3600_000);
        if (i > 0) assert.ok(p.atMs >= (pubs[i - 1]?.atMs ?? 0));
        assert.equal(p.retain, m.kind === 'state');
        if (m.kind !== 'availability') assert.equal(m.measuredAtMs, p.atMs);
        if (m.kind === 'state') assert.deepEqual(m.rejected, []);
      }
      for (const sensor of SIMULATED_SENSORS) {
        const n = messages.filter((m) => m.sensorId === sensor.id && m.kind === 'state').length;
        assert.equal(n, 3600 / sensor.periodS, `${sensor.id} every ${sensor.periodS} s`);
      }
    });
  }

  it('the day scenario stays inside the contract for a whole day and night', () => {
    const sim = simulator('day', 3);
    for (let h = 0; h < 24; h += 3) parsed(sim.publicationsBetween(T0 + h * 3600_000, T0 + h * 3600_000 + 1800_000));
  });

  it('gives the same sky in 1 s windows as in one 10 minute window', () => {
    for (const name of ['flock', 'day']) {
      const sim = simulator(name, 5);
      const whole = sim.publicationsBetween(T0, T0 + TEN_MINUTES);
      const pieces: Publication[] = [];
      for (let t = T0; t < T0 + TEN_MINUTES; t += 1000) pieces.push(...sim.publicationsBetween(t, t + 1000));
      assert.deepEqual(pieces, whole, name);
    }
  });

  it('the same seed gives the same output; another seed another sky', () => {
    const a = simulator('flock', 11).publicationsBetween(T0, T0 + TEN_MINUTES);
    const b = simulator('flock', 11).publicationsBetween(T0, T0 + TEN_MINUTES);
    const c = simulator('flock', 12).publicationsBetween(T0, T0 + TEN_MINUTES);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('storm has lower pressure, more wind and more rain than calm', () => {
    const calm = parsed(simulator('calm').publicationsBetween(T0, T0 + TEN_MINUTES));
    const storm = parsed(simulator('storm').publicationsBetween(T0, T0 + TEN_MINUTES));
    assert.ok(mean(storm, 'pressure') < mean(calm, 'pressure') - 20);
    assert.ok(mean(storm, 'wind_speed') > 5 * mean(calm, 'wind_speed'));
    assert.ok(mean(storm, 'wind_gust') > mean(storm, 'wind_speed'));
    assert.ok(mean(storm, 'precipitation_rate') > 3);
    assert.equal(mean(calm, 'precipitation_rate'), 0);
    assert.ok(mean(storm, 'cloud_cover') > mean(calm, 'cloud_cover'));
  });

  it('storm pressure falls over the hours', () => {
    const sim = simulator('storm');
    const early = mean(parsed(sim.publicationsBetween(T0, T0 + TEN_MINUTES)), 'pressure');
    const late = mean(parsed(sim.publicationsBetween(T0 + 3 * 3600_000, T0 + 3 * 3600_000 + TEN_MINUTES)), 'pressure');
    assert.ok(Math.abs(late - early - -5) < 1, `fell ${early - late} hPa in 3 h`);
  });

  it('flock produces flock events at roughly its rate', () => {
    const hours = 2;
    const messages = parsed(simulator('flock', 2).publicationsBetween(T0, T0 + hours * 3600_000));
    const flocks = messages.filter((m) => m.kind === 'event' && m.event === 'flock');
    const expected = (SCENARIOS.flock?.eventRates({ seed: 2, tS: 0, atMs: T0, ...NY }, SCENARIOS.flock.sky({ seed: 2, tS: 0, atMs: T0, ...NY })).flock ?? 0) * 60 * hours;
    assert.equal(expected, 180);
    // Poisson-ish: sd ~ 13; allow ± 4 sd.
    assert.ok(Math.abs(flocks.length - expected) < 55, `${flocks.length} flocks, want ~${expected}`);
    for (const f of flocks) assert.ok(f.kind === 'event' && f.count >= 8 && f.confidence >= 0.6);
  });
});
