/** The units the sensor contract accepts and their conversions to the engine's units. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptedUnits, converterFor, isQuantity, QUANTITIES, QUANTITY_NAMES } from '../src/ingest/units.ts';

const convert = (quantity: keyof typeof QUANTITIES, unit: string, x: number): number => {
  const f = converterFor(quantity, unit);
  assert.ok(f, `${quantity} accepts ${unit}`);
  return f(x);
};

const near = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, want ${expected} ± ${tolerance}`);
};

describe('units', () => {
  it('converts pressure to hPa', () => {
    near(convert('pressure', 'bar', 1.0133), 1013.3, 1e-9, '1.0133 bar');
    near(convert('pressure', 'Pa', 101325), 1013.25, 1e-9, '101325 Pa');
    near(convert('pressure', 'kPa', 101.325), 1013.25, 1e-9, '101.325 kPa');
    near(convert('pressure', 'inHg', 29.92), 1013.2, 0.05, '29.92 inHg');
    near(convert('pressure', 'mmHg', 760), 1013.25, 0.01, '760 mmHg');
    assert.equal(convert('pressure', 'mbar', 1000), 1000);
  });

  it('converts speeds to m/s', () => {
    near(convert('wind_speed', 'km/h', 36), 10, 1e-12, '36 km/h');
    near(convert('wind_speed', 'kn', 10), 5.144, 0.001, '10 kn');
    near(convert('wind_gust', 'mph', 10), 4.4704, 1e-9, '10 mph');
  });

  it('converts cover, temperature, rain and humidity', () => {
    assert.equal(convert('cloud_cover', '%', 50), 0.5);
    assert.equal(convert('cloud_cover', 'okta', 4), 0.5);
    near(convert('temperature', 'F', 212), 100, 1e-9, '212 F');
    near(convert('temperature', 'K', 273.15), 0, 1e-9, '273.15 K');
    near(convert('precipitation_rate', 'in/h', 1), 25.4, 1e-12, '1 in/h');
    assert.equal(convert('humidity', 'fraction', 0.5), 50);
  });

  it('knows every quantity, accepts its own engine unit, and nothing inherited from Object', () => {
    for (const q of QUANTITY_NAMES) {
      assert.ok(isQuantity(q));
      assert.ok(acceptedUnits(q).includes(QUANTITIES[q].unit), `${q} accepts ${QUANTITIES[q].unit}`);
      assert.equal(convert(q, QUANTITIES[q].unit, 0.5), 0.5);
      assert.ok(QUANTITIES[q].min < QUANTITIES[q].max);
    }
    assert.equal(isQuantity('toString'), false);
    assert.equal(isQuantity('__proto__'), false);
    assert.equal(converterFor('pressure', 'toString'), undefined);
    assert.equal(converterFor('pressure', 'psi'), undefined);
  });
});
