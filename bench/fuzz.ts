/**
 * Fuzzing every boundary (issue 7): arbitrary input to each parser, counting crashes
 * (an exception escaping a parser that promises typed results) and unvalidated values
 * (anything accepted that is not finite and inside its contract range). The verdict is
 * absolute (both must be 0), so there is no baseline to compare with; the table also
 * prints each parser's throughput on hostile input.
 *
 *   node_modules/.bin/node bench/fuzz.ts [scale=1]     (scale 1 runs 1.2 million cases)
 */
import fc from 'fast-check';
import { parseSensorMessage } from '../src/ingest/sensorMessage.ts';
import { QUANTITIES } from '../src/ingest/units.ts';
import { parseWxtLine } from '../sensors/serial/vaisalaWxt.ts';
import { createNmeaParser } from '../sensors/serial/nmea0183.ts';
import { parseWindSonicLine } from '../sensors/serial/gillWindSonic.ts';
import { parseBme280Line } from '../sensors/serial/bme280Bridge.ts';
import type { ParsedLine } from '../sensors/serial/parsedLine.ts';
import { parseConfig, ConfigError } from '../src/config/config.ts';
import { applySettingsChange, DEFAULT_CURATOR_SETTINGS, SettingsError } from '../src/engine/curatorSettings.ts';
import { parseSkyLog } from '../sensors/replay/skyLogReplay.ts';
import { parsePiece, PieceError } from '../src/conductor/piece.ts';

const scale = Number(process.argv[2] ?? 1);

interface Row {
  target: string;
  cases: number;
  crashes: number;
  unvalidated: number;
  seconds: number;
}

const inRange = (q: keyof typeof QUANTITIES, v: number): boolean => Number.isFinite(v) && v >= QUANTITIES[q].min && v <= QUANTITIES[q].max;

function run<T>(target: string, cases: number, arb: fc.Arbitrary<T>, check: (input: T) => 'ok' | 'unvalidated'): Row {
  const row: Row = { target, cases, crashes: 0, unvalidated: 0, seconds: 0 };
  const started = performance.now();
  const samples = fc.sample(arb, { numRuns: cases, seed: 42 });
  for (const input of samples) {
    try {
      if (check(input) === 'unvalidated') row.unvalidated++;
    } catch {
      row.crashes++;
    }
  }
  row.seconds = (performance.now() - started) / 1000;
  return row;
}

const serialCheck = (parse: (line: string) => ParsedLine) => (line: string) => {
  const r = parse(line);
  if (r.kind !== 'readings') return 'ok' as const;
  return r.readings.every((x) => inRange(x.quantity, x.value)) ? ('ok' as const) : ('unvalidated' as const);
};

/** Expected errors are typed; anything else escaping is a crash. */
const typedOnly = (errorClass: new (...a: never[]) => Error, f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (!(err instanceof errorClass)) throw err;
  }
  return 'ok' as const;
};

const line = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')));
const payload = fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.json({ maxDepth: 4 }).map((j) => new TextEncoder().encode(j)), fc.record({ v: fc.constantFrom(1, 2), ts: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()), readings: fc.dictionary(fc.constantFrom(...Object.keys(QUANTITIES), 'x'), fc.record({ value: fc.oneof(fc.double(), fc.string()), unit: fc.constantFrom('hPa', 'Pa', 'bar', 'm/s', 'km/h', 'kn', '%', 'fraction', 'C', 'F', 'mm/h', 'deg', 'furlong') })) }).map((o) => new TextEncoder().encode(JSON.stringify(o))));
const topic = fc.oneof(fc.constantFrom('skychoir/lobby/sensor/roof/state', 'skychoir/lobby/sensor/cam/event', 'skychoir/lobby/sensor/x/availability'), fc.string({ maxLength: 120 }));
const nmea = createNmeaParser();
const n = (k: number): number => Math.round(k * scale);

const rows: Row[] = [
  run('MQTT payloads (parseSensorMessage)', n(400_000), fc.tuple(topic, payload), ([t, p]) => {
    const r = parseSensorMessage(t, p);
    if (!r.ok || r.message.kind !== 'state') return 'ok';
    return r.message.readings.every((x) => inRange(x.quantity, x.value)) ? 'ok' : 'unvalidated';
  }),
  run('Vaisala WXT lines', n(150_000), fc.oneof(line, line.map((l) => `0R2,Pa=${l}`)), serialCheck(parseWxtLine)),
  run('NMEA 0183 lines', n(150_000), fc.oneof(line, line.map((l) => `$WIMWV,${l}`)), serialCheck(nmea)),
  run('Gill WindSonic lines', n(150_000), fc.oneof(line, line.map((l) => `\u0002Q,${l}\u0003`)), serialCheck(parseWindSonicLine)),
  run('BME280 bridge lines', n(150_000), fc.oneof(line, line.map((l) => `Pressure = ${l} hPa`)), serialCheck(parseBme280Line)),
  run('config files (parseConfig)', n(80_000), fc.jsonValue({ maxDepth: 4 }), (v) => typedOnly(ConfigError, () => parseConfig(v))),
  run('curator settings (panel API bodies)', n(80_000), fc.jsonValue({ maxDepth: 4 }), (v) => typedOnly(SettingsError, () => applySettingsChange(DEFAULT_CURATOR_SETTINGS, v))),
  run('sky logs (parseSkyLog)', n(30_000), fc.array(fc.oneof(line, fc.json()), { maxLength: 20 }).map((ls) => ls.join('\n')), (text) => {
    parseSkyLog(text, 'fuzz');
    return 'ok';
  }),
  run('piece files (parsePiece)', n(30_000), fc.jsonValue({ maxDepth: 5 }), (v) => typedOnly(PieceError, () => parsePiece(v))),
];

const total = rows.reduce((a, r) => ({ cases: a.cases + r.cases, crashes: a.crashes + r.crashes, unvalidated: a.unvalidated + r.unvalidated, seconds: a.seconds + r.seconds }), { cases: 0, crashes: 0, unvalidated: 0, seconds: 0 });
console.log(`fuzz, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`);
console.log('| target | cases | crashes | unvalidated values | seconds | cases/s |\n|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.target} | ${r.cases} | ${r.crashes} | ${r.unvalidated} | ${r.seconds.toFixed(1)} | ${(r.cases / r.seconds).toFixed(0)} |`);
console.log(`| **total** | **${total.cases}** | **${total.crashes}** | **${total.unvalidated}** | ${total.seconds.toFixed(1)} | |`);
process.exitCode = total.crashes + total.unvalidated === 0 ? 0 : 1;
