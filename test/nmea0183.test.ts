import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createNmeaParser, hex2, nmeaChecksum, parseNmeaLine } from '../sensors/serial/nmea0183.ts';
import { QUANTITIES, converterFor } from '../src/ingest/units.ts';
import type { ParsedLine } from '../sensors/serial/parsedLine.ts';

const sentence = (body: string): string => `$${body}*${hex2(nmeaChecksum(body))}`;

function values(parsed: ParsedLine): Record<string, number> {
  assert.equal(parsed.kind, 'readings', JSON.stringify(parsed));
  return parsed.kind === 'readings'
    ? Object.fromEntries(parsed.readings.map((r) => [r.quantity, r.value]))
    : {};
}

function assertSane(parsed: ParsedLine): void {
  if (parsed.kind !== 'readings') return;
  for (const r of parsed.readings) {
    assert.ok(
      Number.isFinite(r.value) &&
        r.value >= QUANTITIES[r.quantity].min &&
        r.value <= QUANTITIES[r.quantity].max,
      JSON.stringify(r),
    );
  }
}

test('MWV from the nmea crate docs: 041.1 deg, 1.0 kn', () => {
  const v = values(parseNmeaLine('$WIMWV,041.1,R,01.0,N,A*16'));
  assert.equal(v.wind_direction, 41.1);
  assert.ok(Math.abs((v.wind_speed ?? 0) - 0.514444) < 1e-9);
});

test('MWV units K/M/N/S are honoured; status V and unknown units are dropped', () => {
  const speed = (u: string) =>
    values(parseNmeaLine(sentence(`IIMWV,180.0,T,36.0,${u},A`))).wind_speed ?? NaN;
  assert.ok(Math.abs(speed('K') - 10) < 1e-9);
  assert.equal(speed('M'), 36);
  assert.ok(Math.abs(speed('N') - 36 * 0.514444) < 1e-9);
  assert.ok(Math.abs(speed('S') - 36 * 0.44704) < 1e-9);
  const v = parseNmeaLine(sentence('IIMWV,180.0,T,36.0,M,V'));
  assert.ok(v.kind === 'rejected' && v.reason === 'status');
  const x = parseNmeaLine(sentence('IIMWV,180.0,T,36.0,X,A'));
  assert.ok(x.kind === 'readings' && x.dropped[0]?.reason === 'unit' && x.readings.length === 1);
  const blank = parseNmeaLine(sentence('IIMWV,,T,3.0,M,A'));
  assert.ok(
    blank.kind === 'readings' &&
      blank.dropped[0]?.reason === 'invalid_value' &&
      blank.readings.length === 1,
  );
});

test('XDR pressure B/P/H, temperature and humidity quads; a barometer quad wins over other pressures', () => {
  const v = values(
    parseNmeaLine(sentence('WIXDR,P,2.5,B,EngineOil,P,1.0133,B,Baro,C,23.6,C,Air,H,40.1,P,Air')),
  );
  assert.ok(Math.abs((v.pressure ?? 0) - 1013.3) < 1e-9);
  assert.equal(v.temperature, 23.6);
  assert.equal(v.humidity, 40.1);
  assert.ok(
    Math.abs((values(parseNmeaLine(sentence('WIXDR,P,101330,P,Baro'))).pressure ?? 0) - 1013.3) <
      1e-9,
  );
  assert.equal(values(parseNmeaLine(sentence('WIXDR,P,1013.3,H,Baro'))).pressure, 1013.3);
  assert.equal(parseNmeaLine(sentence('WIXDR,A,12.0,D,Pitch')).kind, 'ignored');
  const odd = parseNmeaLine(sentence('WIXDR,P,1.0,B'));
  assert.ok(odd.kind === 'rejected' && odd.reason === 'grammar');
});

test('checksum: mismatch and missing are rejected; missing is accepted for legacy talkers', () => {
  const bad = parseNmeaLine('$WIMWV,041.1,R,01.0,N,A*17');
  assert.ok(
    bad.kind === 'rejected' && bad.reason === 'checksum' && bad.message.includes('got 17, want 16'),
  );
  const missing = parseNmeaLine('$WIMWV,041.1,R,01.0,N,A');
  assert.ok(
    missing.kind === 'rejected' &&
      missing.reason === 'checksum' &&
      missing.message.includes('--allow-missing-checksum'),
  );
  assert.equal(
    createNmeaParser({ allowMissingChecksum: true })('$WIMWV,041.1,R,01.0,N,A').kind,
    'readings',
  );
  assert.equal(parseNmeaLine(sentence('GPGGA,1,2,3')).kind, 'ignored');
  assert.equal(parseNmeaLine('$' + 'A'.repeat(100)).kind, 'rejected');
});

test('property: arbitrary text never throws and only yields finite in-range readings', () => {
  const bytes = fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1'));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 100 }), bytes), (line) =>
      assertSane(parseNmeaLine(line)),
    ),
    { numRuns: 2000 },
  );
  const piece = fc.constantFrom(
    '$',
    'WIMWV',
    'WIXDR',
    ',',
    'P',
    'B',
    'C',
    'H',
    'A',
    'V',
    'R',
    'T',
    'M',
    'N',
    '1',
    '99.9',
    '-5',
    '',
  );
  const body = fc.array(piece, { maxLength: 20 }).map((p) => p.join(''));
  fc.assert(
    fc.property(body, (b) => assertSane(createNmeaParser({ allowMissingChecksum: true })('$' + b))),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(body, (b) => assertSane(parseNmeaLine(sentence(b)))),
    { numRuns: 2000 },
  );
});

const mwv = fc
  .record({
    angle: fc.integer({ min: 0, max: 3599 }),
    speedFraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
    unit: fc.constantFrom(
      { letter: 'K', unit: 'km/h' },
      { letter: 'M', unit: 'm/s' },
      { letter: 'N', unit: 'kn' },
      { letter: 'S', unit: 'mph' },
    ),
    reference: fc.constantFrom('R', 'T'),
    talker: fc.constantFrom('WI', 'II', 'YX'),
  })
  .map(({ angle, speedFraction, unit: { letter, unit }, reference, talker }) => {
    const mps = speedFraction * 100;
    const convert = converterFor('wind_speed', unit);
    assert.ok(convert);
    const printed = (mps / convert(1)).toFixed(1);
    return {
      line: sentence(`${talker}MWV,${(angle / 10).toFixed(1)},${reference},${printed},${letter},A`),
      angle: angle / 10,
      mps,
      tolerance: convert(1) * 0.05 + 1e-9,
    };
  });

const xdr = fc
  .record({
    hPa: fc.integer({ min: 8600, max: 10900 }).map((x) => x / 10),
    unit: fc.constantFrom(
      { letter: 'B', factor: 1000, decimals: 4 },
      { letter: 'P', factor: 0.01, decimals: 0 },
      { letter: 'H', factor: 1, decimals: 1 },
    ),
    celsius: fc.integer({ min: -800, max: 500 }).map((x) => x / 10),
    rh: fc.integer({ min: 0, max: 1000 }).map((x) => x / 10),
  })
  .map(({ hPa, unit: { letter, factor, decimals }, celsius, rh }) => ({
    line: sentence(
      `WIXDR,P,${(hPa / factor).toFixed(decimals)},${letter},Baro,C,${celsius.toFixed(1)},C,Air,H,${rh.toFixed(1)},P,Air`,
    ),
    hPa,
    celsius,
    rh,
  }));

test('property: generated MWV and XDR sentences parse back within their precision', () => {
  fc.assert(
    fc.property(mwv, ({ line, angle, mps, tolerance }) => {
      const v = values(parseNmeaLine(line));
      assert.ok(Math.abs((v.wind_direction ?? NaN) - angle) < 1e-9, line);
      assert.ok(
        Math.abs((v.wind_speed ?? NaN) - mps) <= tolerance,
        `${line}: ${v.wind_speed} vs ${mps}`,
      );
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(xdr, ({ line, hPa, celsius, rh }) => {
      const v = values(parseNmeaLine(line));
      assert.ok(Math.abs((v.pressure ?? NaN) - hPa) < 1e-6, `${line}: ${v.pressure}`);
      assert.equal(v.temperature, celsius);
      assert.equal(v.humidity, rh);
    }),
    { numRuns: 1000 },
  );
});

test('property: any single changed character of a checksummed sentence is rejected', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        mwv.map((m) => m.line),
        xdr.map((x) => x.line),
      ),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      (line, at, code) => {
        const i = at % line.length;
        const replacement = String.fromCharCode(code);
        fc.pre(replacement !== line[i]);
        const corrupted = line.slice(0, i) + replacement + line.slice(i + 1);
        const parsed = parseNmeaLine(corrupted);
        assert.equal(
          parsed.kind,
          'rejected',
          `${JSON.stringify(corrupted)} -> ${JSON.stringify(parsed)}`,
        );
      },
    ),
    { numRuns: 3000 },
  );
});
