/**
 * What an instrument parser turns one serial line into: readings in the engine's
 * quantities and units (src/ingest/units.ts), a line that carries nothing for us, or a
 * typed rejection that says what was wrong and what to do. Parsers are pure functions
 * `(line) => ParsedLine`; they never throw and never touch I/O.
 */
import { QUANTITIES, converterFor, type Quantity } from '../../src/ingest/units.ts';
import type { Reading } from '../../src/ingest/sensorMessage.ts';

export const DROP_REASONS = [
  /** A frame checksum (NMEA `*hh`, Gill XOR) did not match, or a required one was missing. */
  'checksum',
  /** The Vaisala CRC-16 (three characters) did not match. */
  'crc',
  /** The line is not in the format's grammar (truncated, garbled, wrong instrument or mode). */
  'grammar',
  /** A value converted to the engine's unit lies outside QUANTITIES' physical range. */
  'range',
  /** The instrument itself marked the value invalid (`#` unit, blank field, `nan`). */
  'invalid_value',
  /** The instrument reports a fault (Gill status code, NMEA status V, sensor not found). */
  'status',
  /** A unit letter or label this format does not define, or a value without a unit. */
  'unit',
  /** Bytes outside a frame (Gill data before STX), or a frame cut by a new STX. */
  'framing',
  /** A line longer than any the format can produce (wrong baud rate, binary noise). */
  'too_long',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export interface LineRejection {
  reason: DropReason;
  /** Names the instrument, what was wrong and what to do; the reader prefixes the sensor. */
  message: string;
}

export type ParsedLine =
  | {
      kind: 'readings';
      /** In the engine's unit for each quantity (QUANTITIES[q].unit), finite and in range. */
      readings: Reading[];
      /** Values dropped from an otherwise good line, each with why. */
      dropped: LineRejection[];
      /** True when this line completes a record on its own (every single-line format). */
      endOfRecord: boolean;
    }
  | {
      kind: 'ignored';
      /** Why nothing was taken: a banner, a supervisor message, a blank line. */
      why: string;
      /** True when the line closes a multi-line record (a blank line after a block). */
      endOfRecord: boolean;
    }
  | ({ kind: 'rejected' } & LineRejection);

export function rejected(reason: DropReason, message: string): ParsedLine {
  return { kind: 'rejected', reason, message };
}

export function ignored(why: string, endOfRecord = false): ParsedLine {
  return { kind: 'ignored', why, endOfRecord };
}

/**
 * Converts `value` in `unit` to the engine's unit for `quantity` and checks its range.
 * `unit` must be one that src/ingest/units.ts accepts (callers map instrument letters first).
 */
export function toReading(
  instrument: string,
  field: string,
  quantity: Quantity,
  value: number,
  unit: string,
): { ok: true; reading: Reading } | { ok: false; rejection: LineRejection } {
  const convert = converterFor(quantity, unit);
  if (!convert) {
    return {
      ok: false,
      rejection: {
        reason: 'unit',
        message: `${instrument}: ${field} unit '${unit}' has no conversion to ${QUANTITIES[quantity].unit}, value dropped`,
      },
    };
  }
  if (!Number.isFinite(value)) {
    return {
      ok: false,
      rejection: {
        reason: 'invalid_value',
        message: `${instrument}: ${field} is not a number, value dropped`,
      },
    };
  }
  const converted = convert(value);
  const range = QUANTITIES[quantity];
  if (!Number.isFinite(converted) || converted < range.min || converted > range.max) {
    return {
      ok: false,
      rejection: {
        reason: 'range',
        message: `${instrument}: ${field} ${value} ${unit} (${converted.toFixed(2)} ${range.unit}) is outside ${range.min}..${range.max} ${range.unit}, value dropped; check the instrument's unit settings`,
      },
    };
  }
  return { ok: true, reading: { quantity, value: converted } };
}

/** A strict decimal number as instruments print it: optional sign, digits, optional fraction. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** Printable form of untrusted text for a log message: short, control bytes shown as \xNN. */
export function quoteForLog(text: string, max = 60): string {
  const shown = text.length > max ? text.slice(0, max) + '…' : text;
  return (
    "'" +
    shown.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) +
    "'"
  );
}

/**
 * The ParsedLine for the readings and per-value drops of one line. Value-level problems
 * (a `#` unit, an out-of-range value) stay per value, so a line whose every value was
 * dropped is still `readings` (empty) and each drop is counted once by its reason.
 */
export function readingsOf(
  readings: Reading[],
  dropped: LineRejection[],
  whenEmpty: string,
  endOfRecord = true,
): ParsedLine {
  if (readings.length === 0 && dropped.length === 0) return ignored(whenEmpty, endOfRecord);
  return { kind: 'readings', readings, dropped, endOfRecord };
}
