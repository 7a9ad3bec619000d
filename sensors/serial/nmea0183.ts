/**
 * NMEA 0183 weather sentences: MWV (wind speed and angle) and XDR (transducer measurements).
 *
 * Sources: NMEA 0183 Standard for Interfacing Marine Electronic Devices (v4.11), sentence
 * formatters MWV and XDR, and NMEA's 2019 "Update to XDR Sentence" table of transducer
 * types; summarised in gpsd's "NMEA Revealed" (gpsd.gitlab.io/gpsd/NMEA.html, MWV, XDR).
 *
 *     $--MWV,<angle>,<R|T>,<speed>,<K|M|N|S>,<A|V>*hh      e.g. $WIMWV,041.1,R,01.0,N,A*16
 *     $--XDR,<type>,<value>,<unit>,<name>[,<type>,...]*hh  e.g. $WIXDR,P,1.0133,B,Baro*hh
 *
 * The checksum is the XOR of every character between `$` and `*`, as two hex digits.
 * Early revisions let a talker leave it off; current revisions require it, and a
 * sentence without one cannot be told from a truncated one, so it is required unless
 * the reader is configured for a legacy talker. Status V in MWV means "data invalid".
 * A blank field means the talker has no valid value for it.
 */
import type { Quantity } from '../../src/ingest/units.ts';
import type { Reading } from '../../src/ingest/sensorMessage.ts';
import {
  ignored,
  parseDecimal,
  quoteForLog,
  readingsOf,
  rejected,
  toReading,
  type LineRejection,
  type ParsedLine,
} from './parsedLine.ts';

const INSTRUMENT = 'NMEA 0183 talker';
/** NMEA 0183 limits a sentence to 82 characters including `$` and CR LF. */
export const NMEA_MAX_LINE = 82;

/** MWV speed units (NMEA 0183 MWV field 4). */
const MWV_SPEED_UNITS: Record<string, string> = { K: 'km/h', M: 'm/s', N: 'kn', S: 'mph' };

/**
 * XDR transducer types we publish and their unit letters (NMEA 0183 XDR table; 2019 update).
 * Pressure units are B (bar) and P (pascal) in the table; H (hectopascal) is accepted
 * because several weather stations send it, and it cannot be mistaken for anything else.
 */
const XDR_TYPES: Record<
  string,
  { quantity: Quantity; units: Record<string, string>; name: string }
> = {
  P: { quantity: 'pressure', units: { B: 'bar', P: 'Pa', H: 'hPa' }, name: 'pressure' },
  C: { quantity: 'temperature', units: { C: 'C' }, name: 'temperature' },
  H: { quantity: 'humidity', units: { P: '%' }, name: 'relative humidity' },
};

export function nmeaChecksum(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  return sum;
}

export function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

export interface NmeaParserOptions {
  /** Accept sentences without `*hh` (legacy talkers). Default false. */
  allowMissingChecksum?: boolean;
}

const ADDRESS = /^[A-Z][A-Z0-9]{4}$/;

export function createNmeaParser(options: NmeaParserOptions = {}): (line: string) => ParsedLine {
  const allowMissing = options.allowMissingChecksum ?? false;
  return (line: string): ParsedLine => {
    if (line.length === 0) return ignored('blank line');
    if (line.length > NMEA_MAX_LINE) {
      return rejected(
        'too_long',
        `${INSTRUMENT}: sentence of ${line.length} characters exceeds NMEA's 82, dropped; check the baud rate (NMEA 0183 default 4800)`,
      );
    }
    if (line[0] !== '$') {
      return rejected(
        'grammar',
        `${INSTRUMENT}: ${quoteForLog(line)} does not start with '$', dropped; check the format setting`,
      );
    }
    const star = line.indexOf('*');
    let body: string;
    if (star >= 0) {
      body = line.slice(1, star);
      const got = line.slice(star + 1);
      if (!/^[0-9A-F]{2}$/.test(got)) {
        return rejected(
          'checksum',
          `${INSTRUMENT}: checksum ${quoteForLog(got, 8)} is not two upper-case hex digits, sentence dropped`,
        );
      }
      const want = hex2(nmeaChecksum(body));
      if (got !== want) {
        return rejected(
          'checksum',
          `${INSTRUMENT}: checksum mismatch (got ${got}, want ${want}), sentence dropped; check the cable and baud rate`,
        );
      }
    } else {
      if (!allowMissing) {
        return rejected(
          'checksum',
          `${INSTRUMENT}: sentence has no *hh checksum, dropped; if the talker never sends one, start the reader with --allow-missing-checksum`,
        );
      }
      body = line.slice(1);
    }
    if (/[^\x20-\x7e]/.test(body)) {
      return rejected(
        'grammar',
        `${INSTRUMENT}: sentence contains non-printable characters, dropped`,
      );
    }
    const fields = body.split(',');
    const address = fields[0] ?? '';
    if (!ADDRESS.test(address)) {
      return rejected(
        'grammar',
        `${INSTRUMENT}: address ${quoteForLog(address, 10)} is not talker + formatter, dropped`,
      );
    }
    const formatter = address.slice(2);
    if (address.startsWith('P')) return ignored(`proprietary sentence ${address}`);
    if (formatter === 'MWV') return parseMwv(fields.slice(1));
    if (formatter === 'XDR') return parseXdr(fields.slice(1));
    return ignored(`sentence ${formatter} carries no published quantity`);
  };
}

/** Default NMEA parser: checksum required. */
export const parseNmeaLine = createNmeaParser();

function parseMwv(fields: string[]): ParsedLine {
  const who = `${INSTRUMENT} MWV`;
  if (fields.length !== 5) {
    return rejected(
      'grammar',
      `${who}: ${fields.length} fields instead of 5 (angle, reference, speed, unit, status), dropped`,
    );
  }
  const [angleText = '', reference = '', speedText = '', unitLetter = '', status = ''] = fields;
  if (status !== 'A' && status !== 'V')
    return rejected('grammar', `${who}: status ${quoteForLog(status, 4)} is not A or V, dropped`);
  if (status === 'V')
    return rejected(
      'status',
      `${who}: talker flags the data invalid (status V), dropped; if this persists, check the wind sensor`,
    );
  if (reference !== 'R' && reference !== 'T')
    return rejected(
      'grammar',
      `${who}: reference ${quoteForLog(reference, 4)} is not R or T, dropped`,
    );

  // A blank field drops its value (the talker had none); text that is not a number drops the line.
  const speed = decimalField(who, 'wind speed', speedText);
  if (speed.kind === 'garbled') return speed.line;
  const angle = decimalField(who, 'wind angle', angleText);
  if (angle.kind === 'garbled') return angle.line;

  const readings: Reading[] = [];
  const dropped: LineRejection[] = [];
  const keep = (result: ReturnType<typeof toReading>): void => {
    if (result.ok) readings.push(result.reading);
    else dropped.push(result.rejection);
  };
  if (speed.kind === 'blank') dropped.push(speed.rejection);
  else {
    const unit = MWV_SPEED_UNITS[unitLetter];
    if (!unit) {
      dropped.push({
        reason: 'unit',
        message: `${who}: wind speed unit ${quoteForLog(unitLetter, 4)} is not K/M/N/S, value dropped`,
      });
    } else keep(toReading(who, 'wind speed', 'wind_speed', speed.value, unit));
  }
  if (angle.kind === 'blank') dropped.push(angle.rejection);
  // R (relative to the sensor's north mark) and T (true) both give the direction on a
  // fixed mast; docs/sensors.md says to align the north mark when mounting.
  else keep(toReading(who, 'wind angle', 'wind_direction', angle.value, 'deg'));
  return readingsOf(readings, dropped, 'MWV without values');
}

/** A decimal field: its value, blank (no valid value: the value is dropped), or garbled (the line is). */
function decimalField(
  who: string,
  label: string,
  text: string,
):
  | { kind: 'value'; value: number }
  | { kind: 'blank'; rejection: LineRejection }
  | { kind: 'garbled'; line: ParsedLine } {
  if (text === '')
    return {
      kind: 'blank',
      rejection: {
        reason: 'invalid_value',
        message: `${who}: ${label} field is blank (no valid value), value dropped`,
      },
    };
  const value = parseDecimal(text);
  if (value === undefined)
    return {
      kind: 'garbled',
      line: rejected(
        'grammar',
        `${who}: ${label} ${quoteForLog(text, 12)} is not a number, dropped`,
      ),
    };
  return { kind: 'value', value };
}

function parseXdr(fields: string[]): ParsedLine {
  const who = `${INSTRUMENT} XDR`;
  if (fields.length === 0 || fields.length % 4 !== 0) {
    return rejected(
      'grammar',
      `${who}: ${fields.length} fields is not a whole number of (type, value, unit, name) quads, dropped`,
    );
  }
  const candidates = new Map<
    Quantity,
    { reading?: Reading; rejection?: LineRejection; baro: boolean }[]
  >();
  for (let i = 0; i < fields.length; i += 4) {
    const [type = '', valueText = '', unitLetter = '', name = ''] = fields.slice(i, i + 4);
    const known = XDR_TYPES[type];
    if (!known) continue;
    const label = `${known.name} '${name}'`;
    const baro = known.quantity !== 'pressure' || /baro|air/i.test(name);
    const list = candidates.get(known.quantity) ?? [];
    candidates.set(known.quantity, list);
    if (valueText === '') {
      list.push({
        rejection: {
          reason: 'invalid_value',
          message: `${who}: ${label} value is blank (no valid value), value dropped`,
        },
        baro,
      });
      continue;
    }
    const value = parseDecimal(valueText);
    if (value === undefined)
      return rejected(
        'grammar',
        `${who}: ${label} value ${quoteForLog(valueText, 12)} is not a number, dropped`,
      );
    const unit = known.units[unitLetter];
    if (!unit) {
      list.push({
        rejection: {
          reason: 'unit',
          message: `${who}: ${label} unit ${quoteForLog(unitLetter, 4)} is not one of ${Object.keys(known.units).join('/')}, value dropped`,
        },
        baro,
      });
      continue;
    }
    const result = toReading(who, label, known.quantity, value, unit);
    list.push(
      result.ok ? { reading: result.reading, baro } : { rejection: result.rejection, baro },
    );
  }
  const readings: Reading[] = [];
  const dropped: LineRejection[] = [];
  for (const list of candidates.values()) {
    // One value per quantity: a barometric pressure quad ("Baro", "Air") wins over other
    // pressures (engine oil, fuel) the same talker might report; otherwise the first.
    const chosen = list.find((c) => c.reading && c.baro) ?? list.find((c) => c.reading);
    if (chosen?.reading) readings.push(chosen.reading);
    for (const c of list) if (c.rejection) dropped.push(c.rejection);
  }
  return readingsOf(readings, dropped, 'XDR without weather quads');
}
