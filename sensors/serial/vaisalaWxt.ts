/**
 * Vaisala WXT510/520/530-series weather transmitters, ASCII protocol (automatic or polled).
 *
 * Source: Vaisala Weather Transmitter WXT520 User's Guide, M210906EN (chapter "Getting
 * the Data Messages", ASCII data messages aR1/aR2/aR3/aR0; appendix "CRC-16 Computation");
 * WXT530 Series User Guide, M211840EN, same message grammar. A message is
 *
 *     <addr>R<n>,<Pp>=<value><unit>,...<CR><LF>       e.g. 0R2,Ta=23.6C,Ua=14.2P,Pa=1.0133B
 *
 * where the unit is one character after every value and `#` in its place marks a value
 * the transmitter itself found invalid. A lower-case `r` (the "CRC" variant of the
 * command, e.g. `0r1`) appends three CRC characters computed over everything before them.
 * Checked against field data from the FESST@HH 2020 WXT network (Uni Hamburg),
 * e.g. `0r2,Ta=13.8C,Tp=13.9C,Ua=75.2P,Pa=1015.7HGZZ`.
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

const INSTRUMENT = 'Vaisala WXT';
/** The longest composite message with CRC is ~150 characters; anything far longer is noise. */
export const WXT_MAX_LINE = 300;

/** Unit letters per parameter group (WXT520 User's Guide, "Wind/PTU/Precipitation messages"). */
const SPEED_UNITS: Record<string, string> = { M: 'm/s', K: 'km/h', S: 'mph', N: 'kn' };
const DIRECTION_UNITS: Record<string, string> = { D: 'deg' };
const TEMPERATURE_UNITS: Record<string, string> = { C: 'C', F: 'F' };
const HUMIDITY_UNITS: Record<string, string> = { P: '%' };
const PRESSURE_UNITS: Record<string, string> = {
  H: 'hPa',
  P: 'Pa',
  B: 'bar',
  M: 'mmHg',
  I: 'inHg',
};
const RAIN_INTENSITY_UNITS: Record<string, string> = { M: 'mm/h', I: 'in/h' };

/**
 * The parameters we publish. The others (Dn/Dx/Sn minimum and maximum direction and
 * lull, Tp internal temperature, Rc/Rd accumulation and duration, hail) have no quantity
 * in the sensor contract and are parsed but not published.
 */
const PUBLISHED: Record<
  string,
  { quantity: Quantity; units: Record<string, string>; name: string }
> = {
  Dm: { quantity: 'wind_direction', units: DIRECTION_UNITS, name: 'average wind direction Dm' },
  Sm: { quantity: 'wind_speed', units: SPEED_UNITS, name: 'average wind speed Sm' },
  Sx: { quantity: 'wind_gust', units: SPEED_UNITS, name: 'maximum wind speed Sx' },
  Ta: { quantity: 'temperature', units: TEMPERATURE_UNITS, name: 'air temperature Ta' },
  Ua: { quantity: 'humidity', units: HUMIDITY_UNITS, name: 'relative humidity Ua' },
  Pa: { quantity: 'pressure', units: PRESSURE_UNITS, name: 'air pressure Pa' },
  Ri: { quantity: 'precipitation_rate', units: RAIN_INTENSITY_UNITS, name: 'rain intensity Ri' },
};

/** Messages that carry quantities we publish: composite, wind, PTU, precipitation. */
const DATA_MESSAGES = new Set(['0', '1', '2', '3']);

/**
 * Vaisala CRC-16 (WXT520 User's Guide, appendix "CRC-16 Computation"): polynomial
 * x^16+x^15+x^2+1 processed LSB first (0xA001 reflected), initial value 0, over every
 * byte of the message before the CRC.
 */
export function vaisalaCrc16(text: string): number {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i) & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** The CRC as the transmitter sends it: three printable characters 0x40 | 6-bit groups, MSB first. */
export function wxtCrcCharacters(text: string): string {
  const crc = vaisalaCrc16(text);
  return String.fromCharCode(0x40 | (crc >>> 12), 0x40 | ((crc >>> 6) & 0x3f), 0x40 | (crc & 0x3f));
}

const HEADER = /^([0-9A-Za-z])([Rr])([0-9])/;
const TEXT_MESSAGE = /^[0-9A-Za-z][Tt][Xx],/;
const FIELD = /^([A-Z][a-z0-9])=([^=,]*)$/;

export function parseWxtLine(line: string): ParsedLine {
  if (line.length > WXT_MAX_LINE) {
    return rejected(
      'too_long',
      `${INSTRUMENT}: line of ${line.length} characters is longer than any WXT message, dropped; check the baud rate (WXT default 19200 8N1)`,
    );
  }
  if (line.length === 0) return ignored('blank line');
  // `0TX,Start-up`, `0TX,Alarm...`: text messages the transmitter sends on its own.
  if (TEXT_MESSAGE.test(line)) return ignored(`text message ${quoteForLog(line)}`);
  const header = HEADER.exec(line);
  if (!header) {
    return rejected(
      'grammar',
      `${INSTRUMENT}: ${quoteForLog(line)} is not an aRn data message, dropped; check the format setting (is this instrument in ASCII mode?)`,
    );
  }
  const [, , command = 'R', messageNo = ''] = header;
  let body = line;
  if (command === 'r') {
    // CRC variant: the last three characters are the CRC, each in 0x40..0x7F.
    if (line.length < 3 + 3)
      return rejected(
        'crc',
        `${INSTRUMENT}: CRC message ${quoteForLog(line)} is too short to hold its CRC, dropped`,
      );
    body = line.slice(0, -3);
    const got = line.slice(-3);
    const want = wxtCrcCharacters(body);
    if (got !== want) {
      return rejected(
        'crc',
        `${INSTRUMENT}: CRC mismatch (got ${quoteForLog(got)}, want ${quoteForLog(want)}), line dropped; check the cable, grounding and baud rate`,
      );
    }
  }
  if (body.length > 3 && body[3] !== ',') {
    return rejected(
      'grammar',
      `${INSTRUMENT}: ${quoteForLog(line)} is not an aRn data message, dropped; check the format setting (is this instrument in ASCII mode?)`,
    );
  }
  if (!DATA_MESSAGES.has(messageNo))
    return ignored(`message R${messageNo} carries no published quantity`);

  const readings: Reading[] = [];
  const dropped: LineRejection[] = [];
  const seen = new Set<string>();
  const fields = body.slice(3);
  if (fields.length > 0) {
    for (const field of fields.slice(1).split(',')) {
      const match = FIELD.exec(field);
      const [, key = '', valueAndUnit = ''] = match ?? [];
      // Every value ends in its unit character (a letter, or # when invalid).
      if (!match || valueAndUnit.length < 2 || seen.has(key) || !/[A-Za-z#]$/.test(valueAndUnit)) {
        return rejected(
          'grammar',
          `${INSTRUMENT}: field ${quoteForLog(field, 24)} of ${quoteForLog(line)} is not <Pp>=<value><unit>, line dropped`,
        );
      }
      seen.add(key);
      const text = valueAndUnit.slice(0, -1);
      const unitLetter = valueAndUnit.slice(-1);
      const value = parseDecimal(text);
      if (value === undefined) {
        return rejected(
          'grammar',
          `${INSTRUMENT}: ${key} value ${quoteForLog(text, 16)} is not a number, line dropped`,
        );
      }
      const published = PUBLISHED[key];
      if (!published) continue;
      if (unitLetter === '#') {
        dropped.push({
          reason: 'invalid_value',
          message: `${INSTRUMENT}: ${published.name} marked invalid by the transmitter (#), value dropped; if this persists, check the sensor head`,
        });
        continue;
      }
      const unit = published.units[unitLetter];
      if (!unit) {
        dropped.push({
          reason: 'unit',
          message: `${INSTRUMENT}: ${published.name} unit '${unitLetter}' is not one of ${Object.keys(published.units).join('/')}, value dropped; check the transmitter's unit settings (aWU/aTU/aRU)`,
        });
        continue;
      }
      const result = toReading(INSTRUMENT, published.name, published.quantity, value, unit);
      if (result.ok) readings.push(result.reading);
      else dropped.push(result.rejection);
    }
  }
  return readingsOf(readings, dropped, `message R${messageNo} has no published parameters`);
}
