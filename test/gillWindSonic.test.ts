import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ETX,
  STX,
  parseWindSonicLine,
  windSonicChecksum,
} from '../sensors/serial/gillWindSonic.ts';
import { QUANTITIES } from '../src/ingest/units.ts';
import type { ParsedLine } from '../sensors/serial/parsedLine.ts';

const frame = (between: string): string =>
  `${STX}${between}${ETX}${windSonicChecksum(between).toString(16).toUpperCase().padStart(2, '0')}`;

function values(parsed: ParsedLine): Record<string, number> {
  assert.equal(parsed.kind, 'readings', JSON.stringify(parsed));
  return parsed.kind === 'readings'
    ? Object.fromEntries(parsed.readings.map((r) => [r.quantity, r.value]))
    : {};
}

test('polar continuous frame: direction and speed; blank direction at near-zero wind', () => {
  assert.deepEqual(values(parseWindSonicLine(frame('Q,229,002.74,M,00,'))), {
    wind_speed: 2.74,
    wind_direction: 229,
  });
  assert.deepEqual(values(parseWindSonicLine(frame('Q,,000.04,M,00,'))), { wind_speed: 0.04 });
  assert.ok(
    Math.abs((values(parseWindSonicLine(frame('Q,010,010.00,K,00,'))).wind_speed ?? 0) - 10 / 3.6) <
      1e-9,
  );
  assert.ok(
    Math.abs((values(parseWindSonicLine(frame('Q,010,100.00,F,00,'))).wind_speed ?? 0) - 0.508) <
      1e-9,
  );
  assert.ok(
    Math.abs((values(parseWindSonicLine(frame('Q,010,010.00,P,00,'))).wind_speed ?? 0) - 4.4704) <
      1e-9,
  );
});

test('non-zero status drops the line with the meaning of the code', () => {
  for (const [code, words] of [
    ['01', 'axis 1'],
    ['02', 'axis 2'],
    ['04', 'both axes'],
    ['08', 'memory'],
    ['09', 'ROM'],
    ['0A', 'unknown'],
  ]) {
    const parsed = parseWindSonicLine(frame(`Q,229,002.74,M,${code},`));
    assert.ok(
      parsed.kind === 'rejected' &&
        parsed.reason === 'status' &&
        parsed.message.includes(words ?? ''),
      JSON.stringify(parsed),
    );
  }
});

test('checksum mismatch, missing STX, missing ETX', () => {
  const bad = parseWindSonicLine(`${STX}Q,229,002.74,M,00,${ETX}00`);
  assert.ok(
    bad.kind === 'rejected' &&
      bad.reason === 'checksum' &&
      /got 00, want [0-9A-F]{2}/.test(bad.message),
  );
  const noStx = parseWindSonicLine(frame('Q,229,002.74,M,00,').slice(1));
  assert.ok(noStx.kind === 'rejected' && noStx.reason === 'framing');
  const noEtx = parseWindSonicLine(`${STX}Q,229,002.74,M,00,`);
  assert.ok(noEtx.kind === 'rejected' && noEtx.reason === 'framing');
  const polarUv = parseWindSonicLine(frame('Q,+001.23,-002.34,M,00,'));
  assert.ok(polarUv.kind === 'rejected' && polarUv.reason === 'grammar');
});

test('property: arbitrary text never throws and only yields finite in-range readings', () => {
  const sane = (parsed: ParsedLine) => {
    if (parsed.kind !== 'readings') return;
    for (const r of parsed.readings)
      assert.ok(
        Number.isFinite(r.value) &&
          r.value >= QUANTITIES[r.quantity].min &&
          r.value <= QUANTITIES[r.quantity].max,
      );
  };
  const bytes = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('latin1'));
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), bytes), (l) => sane(parseWindSonicLine(l))),
    { numRuns: 2000 },
  );
  const piece = fc.constantFrom(
    'Q',
    ',',
    '999',
    '229',
    '',
    '002.74',
    '-1.0',
    'M',
    'N',
    'F',
    '00',
    '01',
    '9e9',
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (p) =>
      sane(parseWindSonicLine(frame(p.join('')))),
    ),
    { numRuns: 2000 },
  );
});

const valid = fc
  .record({
    node: fc.constantFrom('Q', 'A', 'Z'),
    direction: fc.integer({ min: 0, max: 359 }),
    hundredths: fc.integer({ min: 0, max: 6000 }),
    unit: fc.constantFrom(
      { letter: 'M', factor: 1 },
      { letter: 'N', factor: 0.514444 },
      { letter: 'P', factor: 0.44704 },
      { letter: 'K', factor: 1 / 3.6 },
      { letter: 'F', factor: 0.00508 },
    ),
    calm: fc.boolean(),
  })
  .map(({ node, direction, hundredths, unit: { letter, factor }, calm }) => ({
    line: frame(
      `${node},${calm ? '' : String(direction).padStart(3, '0')},${(hundredths / 100).toFixed(2).padStart(6, '0')},${letter},00,`,
    ),
    direction: calm ? undefined : direction,
    mps: (hundredths / 100) * factor,
  }));

test('property: generated frames parse back exactly', () => {
  fc.assert(
    fc.property(valid, ({ line, direction, mps }) => {
      const v = values(parseWindSonicLine(line));
      assert.ok(Math.abs((v.wind_speed ?? NaN) - mps) < 1e-9, JSON.stringify(line));
      assert.equal(v.wind_direction, direction);
    }),
    { numRuns: 1000 },
  );
});

test('property: any single changed character of a frame is rejected', () => {
  fc.assert(
    fc.property(valid, fc.nat(), fc.integer({ min: 0, max: 255 }), ({ line }, at, code) => {
      const i = at % line.length;
      const replacement = String.fromCharCode(code);
      fc.pre(replacement !== line[i]);
      const parsed = parseWindSonicLine(line.slice(0, i) + replacement + line.slice(i + 1));
      assert.equal(parsed.kind, 'rejected', JSON.stringify(parsed));
    }),
    { numRuns: 3000 },
  );
});
