/** The serial formats a reader can speak, and which quantities each sensor role publishes. */
import type { Quantity } from '../../src/ingest/units.ts';
import type { ParsedLine } from './parsedLine.ts';
import { parseWxtLine, WXT_MAX_LINE } from './vaisalaWxt.ts';
import { createNmeaParser, NMEA_MAX_LINE } from './nmea0183.ts';
import { parseWindSonicLine, WINDSONIC_MAX_LINE } from './gillWindSonic.ts';
import { parseBme280Line, BME280_MAX_LINE } from './bme280Bridge.ts';

export const FORMAT_NAMES = ['wxt', 'nmea', 'windsonic', 'bme280'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface InstrumentFormat {
  name: FormatName;
  /** For log messages and docs. */
  instrument: string;
  parse: (line: string) => ParsedLine;
  maxLineBytes: number;
  stxFraming: boolean;
  /** The instrument's factory setting (see each parser's source). */
  defaultBaud: number;
}

export interface FormatOptions {
  /** NMEA only: accept sentences without a checksum (legacy talkers). */
  allowMissingChecksum?: boolean;
}

export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

export function instrumentFormat(name: FormatName, options: FormatOptions = {}): InstrumentFormat {
  switch (name) {
    case 'wxt':
      // WXT520 User's Guide: RS-232 factory setting 19200 8N1.
      return {
        name,
        instrument: 'Vaisala WXT',
        parse: parseWxtLine,
        maxLineBytes: WXT_MAX_LINE,
        stxFraming: false,
        defaultBaud: 19200,
      };
    case 'nmea':
      // NMEA 0183: 4800 baud 8N1.
      return {
        name,
        instrument: 'NMEA 0183',
        parse: createNmeaParser({ allowMissingChecksum: options.allowMissingChecksum ?? false }),
        maxLineBytes: NMEA_MAX_LINE,
        stxFraming: false,
        defaultBaud: 4800,
      };
    case 'windsonic':
      // WindSonic manual: factory setting 9600 8N1 (WindSonic option 1, RS-232).
      return {
        name,
        instrument: 'Gill WindSonic',
        parse: parseWindSonicLine,
        maxLineBytes: WINDSONIC_MAX_LINE,
        stxFraming: true,
        defaultBaud: 9600,
      };
    case 'bme280':
      // Adafruit bme280test: Serial.begin(9600).
      return {
        name,
        instrument: 'BME280 serial bridge',
        parse: parseBme280Line,
        maxLineBytes: BME280_MAX_LINE,
        stxFraming: false,
        defaultBaud: 9600,
      };
  }
}

export const SENSOR_ROLES = ['wind', 'baro', 'rain', 'weather'] as const;
export type SensorRole = (typeof SENSOR_ROLES)[number];

/** What each role publishes; an all-in-one station (WXT) runs as `weather`. */
export const ROLE_QUANTITIES: Record<SensorRole, readonly Quantity[]> = {
  wind: ['wind_speed', 'wind_gust', 'wind_direction'],
  baro: ['pressure', 'temperature', 'humidity'],
  rain: ['precipitation_rate'],
  weather: [
    'wind_speed',
    'wind_gust',
    'wind_direction',
    'pressure',
    'temperature',
    'humidity',
    'precipitation_rate',
  ],
};

export function isSensorRole(name: string): name is SensorRole {
  return (SENSOR_ROLES as readonly string[]).includes(name);
}
