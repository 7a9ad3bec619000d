/**
 * The one parser for everything a sensor publishes (docs/contracts.md, "MQTT").
 * A topic and a payload go in; a typed message or a typed rejection comes out.
 * Downstream code never sees unvalidated data.
 */
import { QUANTITIES, converterFor, isQuantity, acceptedUnits, type Quantity } from './units.ts';

export const SENSOR_PAYLOAD_VERSION = 1;
/** Payloads larger than this are refused before parsing (a sensor state is ~300 bytes). */
export const MAX_PAYLOAD_BYTES = 16 * 1024;

export const SKY_EVENT_KINDS = [
  'bird',
  'flock',
  'aircraft',
  'rain_onset',
  'cloud_front',
  'sunrise',
  'sunset',
  'pressure_jump',
] as const;
export type SkyEventKind = (typeof SKY_EVENT_KINDS)[number];

export interface Reading {
  quantity: Quantity;
  /** In the engine's unit for the quantity (QUANTITIES[quantity].unit). */
  value: number;
}

export interface SensorState {
  kind: 'state';
  site: string;
  sensorId: string;
  measuredAtMs: number;
  readings: Reading[];
  /** Readings dropped from an otherwise good payload, each with why. */
  rejected: Rejection[];
}

export interface SkyEvent {
  kind: 'event';
  site: string;
  sensorId: string;
  measuredAtMs: number;
  event: SkyEventKind;
  confidence: number;
  count: number;
  headingDeg: number | undefined;
}

export interface Availability {
  kind: 'availability';
  site: string;
  sensorId: string;
  online: boolean;
}

export type SensorMessage = SensorState | SkyEvent | Availability;

export type RejectionReason =
  | 'topic'
  | 'too_large'
  | 'json'
  | 'schema'
  | 'version'
  | 'timestamp'
  | 'unknown_quantity'
  | 'unit'
  | 'not_finite'
  | 'out_of_range';

export interface Rejection {
  reason: RejectionReason;
  message: string;
}

export type ParseResult = { ok: true; message: SensorMessage } | { ok: false; rejection: Rejection };

const TOPIC = /^skychoir\/([A-Za-z0-9_-]{1,64})\/sensor\/([A-Za-z0-9_-]{1,64})\/(state|event|availability)$/;

export function sensorTopic(
  site: string,
  sensorId: string,
  channel: 'state' | 'event' | 'availability',
): string {
  return `skychoir/${site}/sensor/${sensorId}/${channel}`;
}

const reject = (reason: RejectionReason, message: string): ParseResult => ({
  ok: false,
  rejection: { reason, message },
});

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function parseSensorMessage(topic: string, payload: Uint8Array): ParseResult {
  const match = TOPIC.exec(topic);
  if (!match) return reject('topic', `topic '${topic.slice(0, 120)}' is not skychoir/<site>/sensor/<id>/(state|event|availability)`);
  const [, site = '', sensorId = '', channel] = match;
  const who = `sensor '${sensorId}'`;
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('too_large', `${who}: payload of ${payload.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}, dropped`);
  }
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');

  if (channel === 'availability') {
    if (text === 'online' || text === 'offline') {
      return { ok: true, message: { kind: 'availability', site, sensorId, online: text === 'online' } };
    }
    return reject('schema', `${who}: availability must be 'online' or 'offline', got '${text.slice(0, 40)}'`);
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return reject('json', `${who}: payload is not JSON (${(err as Error).message}), dropped`);
  }
  if (!isRecord(body)) return reject('schema', `${who}: payload must be a JSON object, dropped`);
  if (body.v !== SENSOR_PAYLOAD_VERSION) {
    return reject('version', `${who}: payload version ${JSON.stringify(body.v)} is not ${SENSOR_PAYLOAD_VERSION}, dropped`);
  }
  if (typeof body.ts !== 'string') return reject('timestamp', `${who}: 'ts' must be an ISO 8601 string, dropped`);
  const measuredAtMs = Date.parse(body.ts);
  if (!Number.isFinite(measuredAtMs)) {
    return reject('timestamp', `${who}: 'ts' ${JSON.stringify(body.ts.slice(0, 40))} is not a date, dropped`);
  }

  return channel === 'state'
    ? parseState(body, site, sensorId, measuredAtMs)
    : parseEvent(body, site, sensorId, measuredAtMs);
}

function parseState(
  body: Record<string, unknown>,
  site: string,
  sensorId: string,
  measuredAtMs: number,
): ParseResult {
  const who = `sensor '${sensorId}'`;
  const readingsIn = body.readings;
  if (!isRecord(readingsIn)) {
    return reject('schema', `${who}: 'readings' must be an object of {value, unit}, dropped`);
  }
  const readings: Reading[] = [];
  const rejected: Rejection[] = [];
  for (const [name, raw] of Object.entries(readingsIn)) {
    if (!isQuantity(name)) {
      rejected.push({ reason: 'unknown_quantity', message: `${who}: unknown quantity '${name.slice(0, 40)}', reading dropped` });
      continue;
    }
    if (!isRecord(raw) || typeof raw.unit !== 'string') {
      rejected.push({ reason: 'schema', message: `${who}: ${name} must be {value, unit}, reading dropped` });
      continue;
    }
    if (typeof raw.value !== 'number' || !Number.isFinite(raw.value)) {
      rejected.push({ reason: 'not_finite', message: `${who}: ${name} value ${JSON.stringify(raw.value)} is not a finite number, reading dropped` });
      continue;
    }
    const convert = converterFor(name, raw.unit);
    if (!convert) {
      rejected.push({
        reason: 'unit',
        message: `${who}: ${name} unit '${raw.unit.slice(0, 20)}' is not one of ${acceptedUnits(name).join(', ')}, reading dropped`,
      });
      continue;
    }
    const value = convert(raw.value);
    const range = QUANTITIES[name];
    if (value < range.min || value > range.max) {
      rejected.push({
        reason: 'out_of_range',
        message: `${who}: ${name} ${value.toFixed(2)} ${range.unit} is outside ${range.min}..${range.max}, reading dropped`,
      });
      continue;
    }
    readings.push({ quantity: name, value });
  }
  if (readings.length === 0 && rejected.length > 0) {
    const first = rejected[0] as Rejection;
    return reject(first.reason, first.message);
  }
  return { ok: true, message: { kind: 'state', site, sensorId, measuredAtMs, readings, rejected } };
}

function parseEvent(
  body: Record<string, unknown>,
  site: string,
  sensorId: string,
  measuredAtMs: number,
): ParseResult {
  const who = `sensor '${sensorId}'`;
  const kind = body.kind;
  if (typeof kind !== 'string' || !(SKY_EVENT_KINDS as readonly string[]).includes(kind)) {
    return reject('schema', `${who}: event kind ${JSON.stringify(kind)?.slice(0, 40)} is not one of ${SKY_EVENT_KINDS.join(', ')}, dropped`);
  }
  const confidence = body.confidence ?? 1;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
    return reject('out_of_range', `${who}: event confidence must be a number in 0..1, dropped`);
  }
  const count = body.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10000) {
    return reject('out_of_range', `${who}: event count must be an integer in 1..10000, dropped`);
  }
  const heading = body.heading_deg;
  if (heading !== undefined && (typeof heading !== 'number' || !(heading >= 0 && heading <= 360))) {
    return reject('out_of_range', `${who}: event heading_deg must be a number in 0..360, dropped`);
  }
  return {
    ok: true,
    message: {
      kind: 'event',
      site,
      sensorId,
      measuredAtMs,
      event: kind as SkyEventKind,
      confidence,
      count,
      headingDeg: heading,
    },
  };
}
