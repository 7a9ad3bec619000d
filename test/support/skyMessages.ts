/**
 * Builders for sensor messages in the MQTT contract (docs/contracts.md, "MQTT"), so the
 * ingest, feature and conductor tests speak the wire format instead of hand-made objects.
 */
import { sensorTopic, SENSOR_PAYLOAD_VERSION } from '../../src/ingest/sensorMessage.ts';

export const SITE = 'lobby';
export const T0 = Date.parse('2026-10-15T10:00:00.000Z');

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

export type WireReadings = Record<string, { value: unknown; unit: unknown }>;

export function stateTopic(sensorId: string, site = SITE): string {
  return sensorTopic(site, sensorId, 'state');
}

export function eventTopic(sensorId: string, site = SITE): string {
  return sensorTopic(site, sensorId, 'event');
}

export function statePayload(readings: WireReadings, atMs: number): Uint8Array {
  return bytes(JSON.stringify({ v: SENSOR_PAYLOAD_VERSION, ts: new Date(atMs).toISOString(), readings }));
}

export function eventPayload(
  kind: string,
  atMs: number,
  extra: { confidence?: number; count?: number; heading_deg?: number } = {},
): Uint8Array {
  return bytes(JSON.stringify({ v: SENSOR_PAYLOAD_VERSION, ts: new Date(atMs).toISOString(), kind, ...extra }));
}

/** One reading in the engine's own unit. */
export function pressureHPa(value: number): WireReadings {
  return { pressure: { value, unit: 'hPa' } };
}
