import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWxtLine, vaisalaCrc16, wxtCrcCharacters } from '../sensors/serial/vaisalaWxt.ts';
import { QUANTITIES, converterFor, type Quantity } from '../src/ingest/units.ts';
import type { ParsedLine } from '../sensors/serial/parsedLine.ts';

function readingsOf(parsed: ParsedLine): Map<string, number> {
  assert.equal(parsed.kind, 'readings', JSON.stringify(parsed));
  return new Map(
    parsed.kind === 'readings' ? parsed.readings.map((r) => [r.quantity, r.value]) : [],
  );
}

function assertSaneReadings(parsed: ParsedLine): void {
  if (parsed.kind !== 'readings') return;
  for (const r of parsed.readings) {
    assert.ok(Number.isFinite(r.value), `${r.quantity} ${r.value}`);
    assert.ok(
      r.value >= QUANTITIES[r.quantity].min && r.value <= QUANTITIES[r.quantity].max,
      `${r.quantity} ${r.value}`,
    );
  }
}

test('the brief example: Pa=1.0133B is 1013.3 hPa, all three PTU values converted', () => {
  const r = readingsOf(parseWxtLine('0R2,Ta=23.6C,Ua=14.2P,Pa=1.0133B'));
  assert.ok(Math.abs((r.get('pressure') ?? 0) - 1013.3) < 1e-9);
  assert.equal(r.get('temperature'), 23.6);
  assert.equal(r.get('humidity'), 14.2);
});

test('CRC-16 matches lines recorded from real WXT520s (FESST@HH 2020 network)', () => {
  for (const line of [
    '0r1,Dn=052D,Dm=057D,Dx=064D,Sn=0.3M,Sm=0.4M,Sx=0.5MI[B',
    '0r2,Ta=13.8C,Tp=13.9C,Ua=75.2P,Pa=1015.7HGZZ',
    '0r3,Rc=0.00M,Rd=0s,Ri=0.0M,Hc=0.0M,Hd=0s,Hi=0.0M,Rp=0.7M,Hp=0.0MC}J',
    '0r5,Th=13.4C,Vh=0.0V,Vs=13.0V,Vr=3.618V,Id=N4450549G@R',
  ]) {
    assert.equal(wxtCrcCharacters(line.slice(0, -3)), line.slice(-3));
    assert.notEqual(parseWxtLine(line).kind, 'rejected');
  }
  const wind = readingsOf(parseWxtLine('0r1,Dn=052D,Dm=057D,Dx=064D,Sn=0.3M,Sm=0.4M,Sx=0.5MI[B'));
  assert.deepEqual(Object.fromEntries(wind), {
    wind_direction: 57,
    wind_speed: 0.4,
    wind_gust: 0.5,
  });
  assert.equal(vaisalaCrc16(''), 0);
});

test('a wrong CRC is rejected with both values in the message', () => {
  const parsed = parseWxtLine('0r2,Ta=13.8C,Tp=13.9C,Ua=75.2P,Pa=1015.8HGZZ');
  assert.equal(parsed.kind, 'rejected');
  assert.ok(
    parsed.kind === 'rejected' &&
      parsed.reason === 'crc' &&
      /got 'GZZ', want '/.test(parsed.message),
    JSON.stringify(parsed),
  );
});

test('every unit letter is honoured', () => {
  const p = (unit: string, value: string) =>
    readingsOf(parseWxtLine(`0R2,Pa=${value}${unit}`)).get('pressure') ?? NaN;
  assert.ok(Math.abs(p('H', '1013.3') - 1013.3) < 1e-9);
  assert.ok(Math.abs(p('P', '101330') - 1013.3) < 1e-9);
  assert.ok(Math.abs(p('B', '1.0133') - 1013.3) < 1e-9);
  assert.ok(Math.abs(p('M', '760.0') - 1013.25) < 0.01);
  assert.ok(Math.abs(p('I', '29.92') - 1013.2) < 0.1);
  const s = (unit: string) =>
    readingsOf(parseWxtLine(`0R1,Sm=10.0${unit}`)).get('wind_speed') ?? NaN;
  assert.equal(s('M'), 10);
  assert.ok(Math.abs(s('K') - 10 / 3.6) < 1e-9);
  assert.ok(Math.abs(s('S') - 4.4704) < 1e-9);
  assert.ok(Math.abs(s('N') - 5.14444) < 1e-9);
  assert.ok(
    Math.abs((readingsOf(parseWxtLine('0R2,Ta=68.0F')).get('temperature') ?? NaN) - 20) < 1e-9,
  );
  assert.ok(
    Math.abs((readingsOf(parseWxtLine('0R3,Ri=0.5I')).get('precipitation_rate') ?? NaN) - 12.7) <
      1e-9,
  );
  const wrong = parseWxtLine('0R2,Pa=1013.3X');
  assert.ok(wrong.kind === 'readings' && wrong.dropped[0]?.reason === 'unit');
});

test('# marks invalid values: each is dropped and counted, the rest is kept', () => {
  const parsed = parseWxtLine('0R0,Dm=000#,Sm=0.0#,Ta=25.0C,Ua=38.4P,Pa=1008.1H');
  assert.equal(parsed.kind, 'readings');
  if (parsed.kind !== 'readings') return;
  assert.deepEqual(
    parsed.dropped.map((d) => d.reason),
    ['invalid_value', 'invalid_value'],
  );
  assert.deepEqual(
    parsed.readings.map((r) => r.quantity),
    ['temperature', 'humidity', 'pressure'],
  );
});

test('start-up text and supervisor messages are ignored, garbage is a grammar error, range is checked', () => {
  assert.equal(parseWxtLine('0TX,Start-up').kind, 'ignored');
  assert.equal(parseWxtLine('0R5,Th=25.4C,Vh=0.0#,Vs=14.3V,Vr=3.491V').kind, 'ignored');
  for (const bad of [
    'hello',
    '0R2,Ta=2x3C',
    '0R2,Ta=23.6',
    '0R2,Ta=23.6C,Ta=23.6C',
    '0R2;Ta=1C',
    '0R2,Ta=-C',
  ]) {
    const parsed = parseWxtLine(bad);
    assert.ok(
      parsed.kind === 'rejected' && parsed.reason === 'grammar',
      `${bad}: ${JSON.stringify(parsed)}`,
    );
  }
  const far = parseWxtLine('0R2,Pa=500.0H');
  assert.ok(
    far.kind === 'readings' && far.readings.length === 0 && far.dropped[0]?.reason === 'range',
  );
});

test('property: arbitrary text never throws and only yields finite in-range readings', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 120 }),
        fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1')),
      ),
      (line) => {
        assertSaneReadings(parseWxtLine(line));
      },
    ),
    { numRuns: 2000 },
  );
  // Near-miss lines built from the grammar's own pieces.
  const piece = fc.constantFrom(
    '0R1',
    '0r2',
    '0R0',
    ',',
    'Ta=',
    'Pa=',
    'Sm=',
    'Dm=',
    '1',
    '9.5',
    '-',
    '#',
    'M',
    'H',
    'B',
    'C',
    'I',
    '=',
    'e9',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), (parts) =>
      assertSaneReadings(parseWxtLine(parts.join(''))),
    ),
    { numRuns: 2000 },
  );
});

/** Engine unit -> instrument unit, for any affine converter from units.ts. */
function fromEngine(quantity: Quantity, unit: string, x: number): number {
  const convert = converterFor(quantity, unit);
  assert.ok(convert);
  const offset = convert(0);
  return (x - offset) / (convert(1) - offset);
}

const FIELDS = [
  { key: 'Dm', quantity: 'wind_direction', units: { D: 'deg' }, decimals: 0 },
  {
    key: 'Sm',
    quantity: 'wind_speed',
    units: { M: 'm/s', K: 'km/h', S: 'mph', N: 'kn' },
    decimals: 1,
  },
  {
    key: 'Sx',
    quantity: 'wind_gust',
    units: { M: 'm/s', K: 'km/h', S: 'mph', N: 'kn' },
    decimals: 1,
  },
  { key: 'Ta', quantity: 'temperature', units: { C: 'C', F: 'F' }, decimals: 1 },
  { key: 'Ua', quantity: 'humidity', units: { P: '%' }, decimals: 1 },
  {
    key: 'Pa',
    quantity: 'pressure',
    units: { H: 'hPa', P: 'Pa', B: 'bar', M: 'mmHg', I: 'inHg' },
    decimals: 4,
  },
  { key: 'Ri', quantity: 'precipitation_rate', units: { M: 'mm/h', I: 'in/h' }, decimals: 2 },
] as const;

const validLine = fc
  .record({
    address: fc.constantFrom('0', '1', 'A', 'z'),
    crc: fc.boolean(),
    values: fc.tuple(
      ...FIELDS.map((f) =>
        fc.record({
          fraction: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          unitLetter: fc.constantFrom(...Object.keys(f.units)),
          include: fc.boolean(),
        }),
      ),
    ),
  })
  .map(({ address, crc, values }) => {
    const expected = new Map<string, { value: number; tolerance: number }>();
    const fields: string[] = [];
    FIELDS.forEach((f, i) => {
      const v = values[i];
      if (!v || !v.include) return;
      const range = QUANTITIES[f.quantity];
      const engineValue = range.min + v.fraction * (range.max - range.min);
      const unit = (f.units as Record<string, string>)[v.unitLetter] ?? '';
      // Pressure in Pa needs no decimals, in bar four; everything else as the WXT prints it.
      const decimals =
        f.key === 'Pa' ? ({ H: 1, P: 0, B: 4, M: 2, I: 3 }[v.unitLetter] ?? 1) : f.decimals;
      const printed = fromEngine(f.quantity, unit, engineValue).toFixed(decimals);
      const convert = converterFor(f.quantity, unit);
      assert.ok(convert);
      const step = Math.abs(convert(1) - convert(0)) * 0.5 * 10 ** -decimals;
      expected.set(f.quantity, { value: engineValue, tolerance: step + 1e-9 });
      fields.push(`${f.key}=${printed}${v.unitLetter}`);
    });
    const body = `${address}${crc ? 'r' : 'R'}0${fields.map((f) => ',' + f).join('')}`;
    return { line: crc ? body + wxtCrcCharacters(body) : body, expected, crc };
  });

test('property: generated lines (with and without CRC) parse back within the printed precision', () => {
  fc.assert(
    fc.property(validLine, ({ line, expected }) => {
      const parsed = parseWxtLine(line);
      if (expected.size === 0) {
        assert.equal(parsed.kind, 'ignored', line);
        return;
      }
      const got = readingsOf(parsed);
      assert.equal(got.size, expected.size, line);
      for (const [quantity, { value, tolerance }] of expected) {
        const v = got.get(quantity);
        assert.ok(
          v !== undefined && Math.abs(v - value) <= tolerance,
          `${line}: ${quantity} ${v} vs ${value} ± ${tolerance}`,
        );
      }
    }),
    { numRuns: 1000 },
  );
});

test('property: any single changed character of a CRC line is rejected', () => {
  const crcLine = validLine.filter((l) => l.crc);
  fc.assert(
    fc.property(crcLine, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ line }, at, code) => {
      const i = at % line.length;
      const replacement = String.fromCharCode(code);
      fc.pre(replacement !== line[i]);
      const corrupted = line.slice(0, i) + replacement + line.slice(i + 1);
      const parsed = parseWxtLine(corrupted);
      assert.equal(
        parsed.kind,
        'rejected',
        `${JSON.stringify(corrupted)} -> ${JSON.stringify(parsed)}`,
      );
    }),
    { numRuns: 3000 },
  );
});
