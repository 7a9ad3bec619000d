/**
 * An Arduino (or ESP32, Pico...) with a Bosch BME280 on I2C, printing readings to USB
 * serial with one of the common example sketches. There is no checksum: the line
 * grammar, the units printed after each value and the physical ranges are what we check.
 *
 * Sources (the sketches' own print statements):
 * - Adafruit_BME280_Library, examples/bme280test/bme280test.ino: a block per reading
 *       Temperature = 23.45 *C        (newer releases print °C)
 *       Pressure = 1013.25 hPa        (readPressure() / 100.0F)
 *       Approx. Altitude = 12.34 m
 *       Humidity = 40.12 %
 *       <blank line>
 *   after a banner "BME280 test" / "-- Default Test --"; a missing sensor prints
 *   "Could not find a valid BME280 sensor, check wiring...".
 * - SparkFun_BME280_Arduino_Library, examples/I2C_ReadAllData: "Temperature: 23.45 degrees C",
 *   "Temperature: 74.21 degrees F", "Pressure: 101325.00 Pa", "%RH: 40.12 %", blank line.
 * - SparkFun Example1_BasicReadings: one line per reading,
 *       Humidity: 40 Pressure: 101325 Alt: 40.5 Temp: 74.21
 *   with no units: readFloatPressure() is in Pa, and the temperature is C or F depending
 *   on which line of the sketch is commented out, so an unlabelled temperature is dropped.
 * Arduino's Print prints "nan", "inf" or "ovf" for values it cannot show: invalid.
 */
import type { Quantity } from '../../src/ingest/units.ts';
import type { Reading } from '../../src/ingest/sensorMessage.ts';
import {
  ignored,
  quoteForLog,
  readingsOf,
  rejected,
  toReading,
  type LineRejection,
  type ParsedLine,
} from './parsedLine.ts';

const INSTRUMENT = 'BME280 serial bridge';
export const BME280_MAX_LINE = 200;

type Field = { quantity: Quantity; name: string } | { quantity: undefined; name: string };

/** Printed labels, longest first so "Approx. Altitude" is not read as "Alt". */
const LABELS: [RegExp, Field][] = [
  [/^approx\.?\s*altitude$/i, { quantity: undefined, name: 'altitude' }],
  [/^(?:altitude|alt)$/i, { quantity: undefined, name: 'altitude' }],
  [/^dew\s*point$/i, { quantity: undefined, name: 'dew point' }],
  [/^gas(?:\s*resistance)?$/i, { quantity: undefined, name: 'gas resistance' }],
  [/^(?:temperature|temp)$/i, { quantity: 'temperature', name: 'temperature' }],
  [/^(?:pressure|press)$/i, { quantity: 'pressure', name: 'pressure' }],
  [/^(?:humidity|hum|%RH|RH)$/i, { quantity: 'humidity', name: 'humidity' }],
];

const LABEL_SOURCE = String.raw`(Approx\.?\s*Altitude|Altitude|Alt|Dew\s*point|Gas(?:\s*Resistance)?|Temperature|Temp|Pressure|Press|Humidity|Hum|%RH|RH)`;
const PAIR = new RegExp(String.raw`(?:^|[\s,;])${LABEL_SOURCE}\s*[:=]\s*`, 'gi');
const VALUE = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)|nan|-?inf|ovf)\s*(.*)$/i;
const FAULT = /could not find|did not respond|not found|failed to|check wiring|sensor error/i;
const BANNER_SEPARATOR = /^[-=*_#~.\s]{3,}|[-=]{2,}\s*$/;

const PRESSURE_UNITS: Record<string, string> = {
  hpa: 'hPa',
  pa: 'Pa',
  kpa: 'kPa',
  mbar: 'mbar',
  mb: 'mbar',
  millibar: 'mbar',
  inhg: 'inHg',
  mmhg: 'mmHg',
  bar: 'bar',
};

/** A UTF-8 "°" read byte by byte shows up as "Â°"; "*C" is what older Adafruit sketches print. */
function temperatureUnit(raw: string): string | undefined {
  const u = raw.replace(/^(?:Â?°|º|\*|deg(?:rees)?\.?\s*)/i, '').trim();
  if (/^(?:C|celsius)$/i.test(u)) return 'C';
  if (/^(?:F|fahrenheit)$/i.test(u)) return 'F';
  if (/^(?:K|kelvin)$/.test(u)) return 'K';
  return undefined;
}

/**
 * Unlabelled pressure: plausible surface pressures (850..1100 hPa) do not overlap between
 * Pa (85 000..110 000), hPa and kPa (85..110), so the magnitude names the unit without
 * guessing; a value in none of those bands is dropped.
 */
function unlabelledPressureUnit(value: number): string | undefined {
  if (value >= 80_000 && value <= 115_000) return 'Pa';
  if (value >= 800 && value <= 1150) return 'hPa';
  if (value >= 80 && value <= 115) return 'kPa';
  return undefined;
}

function unitFor(
  field: { quantity: Quantity; name: string },
  rawUnit: string,
  value: number,
): string | undefined {
  const unit = rawUnit.trim();
  switch (field.quantity) {
    case 'temperature':
      return unit === '' ? undefined : temperatureUnit(unit);
    case 'pressure':
      return unit === '' ? unlabelledPressureUnit(value) : PRESSURE_UNITS[unit.toLowerCase()];
    case 'humidity':
      return unit === '' || /^%\s*(?:RH)?$/i.test(unit) || /^RH$/i.test(unit) ? '%' : undefined;
    default:
      return undefined;
  }
}

export function parseBme280Line(raw: string): ParsedLine {
  if (raw.length > BME280_MAX_LINE) {
    return rejected(
      'too_long',
      `${INSTRUMENT}: line of ${raw.length} characters is longer than any sketch prints, dropped; check the baud rate (Serial.begin in the sketch)`,
    );
  }
  const line = raw.trim();
  if (line === '') return ignored('blank line', true);
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(line)) {
    return rejected(
      'grammar',
      `${INSTRUMENT}: line ${quoteForLog(line)} contains control characters, dropped; check the baud rate`,
    );
  }
  const labels = [...line.matchAll(PAIR)];
  if (labels.length === 0) {
    if (FAULT.test(line)) {
      return rejected(
        'status',
        `${INSTRUMENT}: the sketch reports ${quoteForLog(line, 80)}; check the BME280's wiring, power and I2C address (0x76/0x77)`,
      );
    }
    // Start-up banners ("BME280 test", "-- Default Test --", register dumps) and separators.
    return ignored(`banner ${quoteForLog(line, 40)}`, BANNER_SEPARATOR.test(line));
  }

  const readings: Reading[] = [];
  const dropped: LineRejection[] = [];
  for (let i = 0; i < labels.length; i++) {
    const match = labels[i];
    if (!match) continue;
    const label = match[1] ?? '';
    const start = (match.index ?? 0) + match[0].length;
    const end = labels[i + 1]?.index ?? line.length;
    const segment = line.slice(start, end).trim().replace(/[,;]$/, '');
    const field = LABELS.find(([re]) => re.test(label.trim()))?.[1];
    if (!field) continue;
    const value = VALUE.exec(segment);
    if (!value) {
      return rejected(
        'grammar',
        `${INSTRUMENT}: ${field.name} ${quoteForLog(segment, 20)} is not a number and unit, line dropped`,
      );
    }
    if (field.quantity === undefined) continue;
    const [, numberText = '', unitText = ''] = value;
    const number = Number(numberText);
    if (!Number.isFinite(number)) {
      dropped.push({
        reason: 'invalid_value',
        message: `${INSTRUMENT}: ${field.name} is '${numberText}' (the sensor returned no valid value), value dropped; check the BME280 wiring`,
      });
      continue;
    }
    const unit = unitFor(field, unitText, number);
    if (!unit) {
      dropped.push({
        reason: 'unit',
        message:
          unitText.trim() === ''
            ? `${INSTRUMENT}: ${field.name} ${numberText} has no unit, value dropped; print the unit after the value in the sketch`
            : `${INSTRUMENT}: ${field.name} unit ${quoteForLog(unitText, 12)} is not understood, value dropped`,
      });
      continue;
    }
    const result = toReading(INSTRUMENT, field.name, field.quantity, number, unit);
    if (result.ok) readings.push(result.reading);
    else dropped.push(result.rejection);
  }
  // A line with several fields is a whole record on its own (SparkFun Example1); a line
  // with one is part of a block that a blank line ends (Adafruit bme280test).
  const recognised = labels.length;
  return readingsOf(
    readings,
    dropped,
    'only unpublished fields (altitude, dew point)',
    recognised > 1,
  );
}
