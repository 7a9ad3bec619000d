/**
 * Gill WindSonic 2-axis ultrasonic anemometer, "Gill polar, continuous" output mode.
 *
 * Source: Gill Instruments, WindSonic User Manual, doc. 1405-PS-0019 (section "Message
 * formats", "Polar continuous"; "Status codes"; "Units"), as also transcribed by the
 * Rubin Observatory ts_ess_common driver docs (gill_windsonic_2-d_sonic_wind_sensor.rst).
 *
 *     <STX>Q,229,002.74,M,00,<ETX>hh<CR><LF>
 *
 * node letter (default Q), direction 000-359 (blank when the speed is below 0.05 m/s),
 * speed, unit letter, two-digit status code, a trailing comma, ETX, then the checksum:
 * the XOR of every byte between STX and ETX as two hex digits.
 */
import type { Reading } from '../../src/ingest/sensorMessage.ts';
import {
  parseDecimal,
  quoteForLog,
  readingsOf,
  rejected,
  toReading,
  type LineRejection,
  type ParsedLine,
} from './parsedLine.ts';

const INSTRUMENT = 'Gill WindSonic';
export const STX = '\x02';
export const ETX = '\x03';
export const WINDSONIC_MAX_LINE = 64;

/**
 * Unit letters (WindSonic manual, "Units"): M m/s, N knots, P mph, K km/h, F ft/min.
 * ft/min has no entry in src/ingest/units.ts; it is exactly 0.3048/60 m/s (NIST SP 811).
 */
const SPEED_TO_MPS: Record<string, { unit: string; factor: number }> = {
  M: { unit: 'm/s', factor: 1 },
  N: { unit: 'kn', factor: 1 },
  P: { unit: 'mph', factor: 1 },
  K: { unit: 'km/h', factor: 1 },
  F: { unit: 'm/s', factor: 0.3048 / 60 },
};

/** Status codes (WindSonic manual, "Status codes"); anything but 00 drops the line. */
const STATUS_CODES: Record<string, string> = {
  '01': 'axis 1 failed (path blocked: ice, snow, a bird, debris?)',
  '02': 'axis 2 failed (path blocked: ice, snow, a bird, debris?)',
  '04': 'both axes failed (path blocked or transducer fault)',
  '08': 'non-volatile memory checksum failed (reconfigure or return for service)',
  '09': 'ROM checksum failed (return for service)',
};

export function windSonicChecksum(between: string): number {
  let sum = 0;
  for (let i = 0; i < between.length; i++) sum ^= between.charCodeAt(i) & 0xff;
  return sum;
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function parseWindSonicLine(line: string): ParsedLine {
  if (line.length > WINDSONIC_MAX_LINE) {
    return rejected(
      'too_long',
      `${INSTRUMENT}: frame of ${line.length} characters is longer than any polar message, dropped; check the baud rate (WindSonic default 9600 8N1)`,
    );
  }
  if (line[0] !== STX) {
    return rejected(
      'framing',
      `${INSTRUMENT}: ${quoteForLog(line)} does not start with STX, dropped; is the unit in Gill polar continuous mode? (a partial first frame after opening is normal)`,
    );
  }
  const etx = line.indexOf(ETX);
  if (etx < 0)
    return rejected('framing', `${INSTRUMENT}: frame without ETX, dropped; check the cable`);
  const between = line.slice(1, etx);
  const got = line.slice(etx + 1);
  if (!/^[0-9A-F]{2}$/.test(got)) {
    return rejected(
      'checksum',
      `${INSTRUMENT}: checksum ${quoteForLog(got, 8)} after ETX is not two upper-case hex digits, dropped`,
    );
  }
  const want = hex2(windSonicChecksum(between));
  if (got !== want) {
    return rejected(
      'checksum',
      `${INSTRUMENT}: checksum mismatch (got ${got}, want ${want}), line dropped; check the cable, grounding and baud rate`,
    );
  }
  const fields = between.split(',');
  if (fields.length !== 6 || fields[5] !== '') {
    return rejected(
      'grammar',
      `${INSTRUMENT}: ${quoteForLog(between)} is not node,direction,speed,unit,status, — is the unit in polar mode?`,
    );
  }
  const [node = '', directionText = '', speedText = '', unitLetter = '', status = ''] = fields;
  if (!/^[A-Z]$/.test(node))
    return rejected(
      'grammar',
      `${INSTRUMENT}: node ${quoteForLog(node, 4)} is not a letter A-Z, dropped`,
    );
  if (!/^[0-9A-F]{2}$/.test(status))
    return rejected(
      'grammar',
      `${INSTRUMENT}: status ${quoteForLog(status, 4)} is not two digits, dropped`,
    );
  if (status !== '00') {
    const meaning = STATUS_CODES[status] ?? 'unknown code (see the manual, "Status codes")';
    return rejected('status', `${INSTRUMENT}: status ${status}, ${meaning}; line dropped`);
  }
  if (!/^\d{3}$/.test(directionText) && directionText !== '') {
    return rejected(
      'grammar',
      `${INSTRUMENT}: direction ${quoteForLog(directionText, 8)} is not ddd or blank, dropped`,
    );
  }
  const speed = parseDecimal(speedText);
  if (speed === undefined)
    return rejected(
      'grammar',
      `${INSTRUMENT}: speed ${quoteForLog(speedText, 10)} is not a number, dropped`,
    );

  const readings: Reading[] = [];
  const dropped: LineRejection[] = [];
  const unit = SPEED_TO_MPS[unitLetter];
  if (!unit) {
    dropped.push({
      reason: 'unit',
      message: `${INSTRUMENT}: unit ${quoteForLog(unitLetter, 4)} is not M/N/P/K/F, value dropped`,
    });
  } else {
    const result = toReading(
      INSTRUMENT,
      'wind speed',
      'wind_speed',
      speed * unit.factor,
      unit.unit,
    );
    if (result.ok) readings.push(result.reading);
    else dropped.push(result.rejection);
  }
  // A blank direction is the manual's "wind too light to have a direction", not a fault.
  if (directionText !== '') {
    const result = toReading(
      INSTRUMENT,
      'wind direction',
      'wind_direction',
      Number(directionText),
      'deg',
    );
    if (result.ok) readings.push(result.reading);
    else dropped.push(result.rejection);
  }
  return readingsOf(readings, dropped, 'frame without values');
}
