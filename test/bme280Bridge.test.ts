import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseBme280Line } from '../sensors/serial/bme280Bridge.ts';
import { RecordAssembler } from '../sensors/serial/recordAssembler.ts';
import { QUANTITIES } from '../src/ingest/units.ts';
import type { Reading } from '../src/ingest/sensorMessage.ts';
import type { ParsedLine } from '../sensors/serial/parsedLine.ts';

function assemble(lines: string[]): Reading[][] {
  const assembler = new RecordAssembler();
  const records = lines.flatMap((l) => assembler.push(parseBme280Line(l)));
  const rest = assembler.flush();
  return rest ? [...records, rest] : records;
}

const asObject = (record: Reading[] | undefined) =>
  Object.fromEntries((record ?? []).map((r) => [r.quantity, r.value]));

test('Adafruit bme280test: banner, then one state per block', () => {
  const records = assemble([
    'BME280 test',
    '-- Default Test --',
    '',
    'Temperature = 23.45 *C',
    'Pressure = 1013.25 hPa',
    'Approx. Altitude = 0.00 m',
    'Humidity = 40.12 %',
    '',
    'Temperature = 23.50 °C',
    'Pressure = 1013.20 hPa',
    'Approx. Altitude = 0.42 m',
    'Humidity = 40.00 %',
    '',
  ]);
  assert.equal(records.length, 2);
  assert.deepEqual(asObject(records[0]), {
    temperature: 23.45,
    pressure: 1013.25,
    humidity: 40.12,
  });
  assert.deepEqual(asObject(records[1]), { temperature: 23.5, pressure: 1013.2, humidity: 40 });
});

test('SparkFun variants: Pa and degrees C/F in a block, one-line records, kPa', () => {
  const [block] = assemble([
    'Temperature: 23.45 degrees C',
    'Temperature: 74.21 degrees F',
    'Pressure: 101325.00 Pa',
    'Altitude: 12.00m',
    '%RH: 40.12 %',
    '',
  ]);
  assert.deepEqual(asObject(block), { temperature: 23.45, pressure: 1013.25, humidity: 40.12 });
  const oneLine = assemble([
    'Humidity: 40 Pressure: 101325 Alt: 40.5 Temp: 74.21',
    'Humidity: 41 Pressure: 101300 Alt: 40.5 Temp: 74.30',
  ]);
  assert.equal(oneLine.length, 2);
  assert.deepEqual(asObject(oneLine[1]), { humidity: 41, pressure: 1013 });
  assert.ok(
    Math.abs((asObject(assemble(['Pressure: 101.32 kPa', ''])[0]).pressure ?? 0) - 1013.2) < 1e-9,
  );
});

test('nan, a missing sensor and unknown units are typed drops', () => {
  const nan = parseBme280Line('Humidity = nan %');
  assert.ok(nan.kind === 'readings' && nan.dropped[0]?.reason === 'invalid_value');
  const missing = parseBme280Line(
    'Could not find a valid BME280 sensor, check wiring, address, sensor ID!',
  );
  assert.ok(
    missing.kind === 'rejected' &&
      missing.reason === 'status' &&
      missing.message.includes('wiring'),
  );
  const unit = parseBme280Line('Pressure = 1013.25 furlongs');
  assert.ok(unit.kind === 'readings' && unit.dropped[0]?.reason === 'unit');
  const bareTemperature = parseBme280Line('Temp: 21.5');
  assert.ok(bareTemperature.kind === 'readings' && bareTemperature.dropped[0]?.reason === 'unit');
  const range = parseBme280Line('Pressure = 10.25 hPa');
  assert.ok(range.kind === 'readings' && range.dropped[0]?.reason === 'range');
  const noise = parseBme280Line('Tem\x00per\x1bature');
  assert.ok(noise.kind === 'rejected' && noise.reason === 'grammar');
});

test('blocks without blank lines split when a quantity comes round again', () => {
  const records = assemble([
    'Temperature = 20.00 *C',
    'Pressure = 1000.00 hPa',
    'Temperature = 21.00 *C',
    'Pressure = 1001.00 hPa',
  ]);
  assert.deepEqual(records.map(asObject), [
    { temperature: 20, pressure: 1000 },
    { temperature: 21, pressure: 1001 },
  ]);
});

test('property: arbitrary text never throws and only yields finite in-range readings', () => {
  const sane = (parsed: ParsedLine) => {
    if (parsed.kind !== 'readings') return;
    for (const r of parsed.readings)
      assert.ok(
        Number.isFinite(r.value) &&
          r.value >= QUANTITIES[r.quantity].min &&
          r.value <= QUANTITIES[r.quantity].max,
        JSON.stringify(r),
      );
  };
  const bytes = fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1'));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 120 }), bytes), (l) => sane(parseBme280Line(l))),
    { numRuns: 2000 },
  );
  const piece = fc.constantFrom(
    'Temperature',
    'Pressure',
    'Humidity',
    'Temp',
    ' = ',
    ': ',
    ' ',
    '23.4',
    '-1e9',
    '101325',
    'nan',
    'inf',
    'ovf',
    'hPa',
    'Pa',
    '*C',
    '°F',
    '%',
    'kPa',
    ',',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 16 }), (p) => sane(parseBme280Line(p.join('')))),
    { numRuns: 3000 },
  );
});

test('property: generated Adafruit and SparkFun blocks parse back within two decimals', () => {
  const block = fc.record({
    celsius: fc.integer({ min: -8000, max: 5900 }).map((x) => x / 100),
    hPa: fc.integer({ min: 86000, max: 109000 }).map((x) => x / 100),
    rh: fc.integer({ min: 0, max: 10000 }).map((x) => x / 100),
    style: fc.constantFrom('adafruit', 'adafruit-degree', 'sparkfun'),
  });
  fc.assert(
    fc.property(fc.array(block, { minLength: 1, maxLength: 5 }), (blocks) => {
      const lines = blocks.flatMap(({ celsius, hPa, rh, style }) =>
        style === 'sparkfun'
          ? [
              `Temperature: ${celsius.toFixed(2)} degrees C`,
              `Temperature: ${((celsius * 9) / 5 + 32).toFixed(2)} degrees F`,
              `Pressure: ${(hPa * 100).toFixed(2)} Pa`,
              `Altitude: 1.00m`,
              `%RH: ${rh.toFixed(2)} %`,
              '',
            ]
          : [
              `Temperature = ${celsius.toFixed(2)} ${style === 'adafruit' ? '*C' : '°C'}`,
              `Pressure = ${hPa.toFixed(2)} hPa`,
              'Approx. Altitude = 3.20 m',
              `Humidity = ${rh.toFixed(2)} %`,
              '',
            ],
      );
      const records = assemble(lines).map(asObject);
      assert.equal(records.length, blocks.length, lines.join('\n'));
      blocks.forEach((b, i) => {
        const r = records[i] ?? {};
        assert.ok(
          Math.abs((r.temperature ?? NaN) - b.celsius) < 1e-9,
          `${r.temperature} vs ${b.celsius}`,
        );
        assert.ok(Math.abs((r.pressure ?? NaN) - b.hPa) < 1e-9);
        assert.ok(Math.abs((r.humidity ?? NaN) - b.rh) < 1e-9);
      });
    }),
    { numRuns: 500 },
  );
});
