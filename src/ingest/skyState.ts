/**
 * What the engine knows of the sky now: the latest reading of each quantity, a short
 * pressure history for tendencies, recent sky events, and each sensor's freshness.
 * It holds only validated messages (from parseSensorMessage) and is bounded in size.
 */
import type { Quantity } from './units.ts';
import type { SensorMessage, SkyEventKind } from './sensorMessage.ts';

export interface HeldReading {
  value: number;
  sensorId: string;
  measuredAtMs: number;
  receivedAtMs: number;
}

export interface RecentSkyEvent {
  event: SkyEventKind;
  sensorId: string;
  atMs: number;
  confidence: number;
  count: number;
  headingDeg: number | undefined;
}

export interface SensorFreshness {
  sensorId: string;
  online: boolean;
  lastMessageMs: number | undefined;
}

/** Enough pressure history for a 3 h tendency, one sample a minute. */
const PRESSURE_HISTORY_MS = 3.5 * 3600_000;
const PRESSURE_SAMPLE_EVERY_MS = 60_000;
/** Events older than this no longer move any feature (half-life 120 s: 2^-10 after 20 min). */
const EVENT_MEMORY_MS = 20 * 60_000;
const MAX_EVENTS = 2000;
const MAX_SENSORS = 64;

export class SkyState {
  readonly readings = new Map<Quantity, HeldReading>();
  readonly pressureHistory: { atMs: number; hPa: number }[] = [];
  readonly events: RecentSkyEvent[] = [];
  readonly sensors = new Map<string, SensorFreshness>();
  /** Events that arrived since the conductor last took them. */
  private unheard: RecentSkyEvent[] = [];

  apply(message: SensorMessage, receivedAtMs: number): void {
    this.touchSensor(message.sensorId, receivedAtMs, message.kind === 'availability' ? message.online : true);
    if (message.kind === 'state') {
      for (const reading of message.readings) {
        const held = this.readings.get(reading.quantity);
        // A reading older than the one we hold (a late retained message) does not win.
        if (held && held.measuredAtMs > message.measuredAtMs) continue;
        this.readings.set(reading.quantity, {
          value: reading.value,
          sensorId: message.sensorId,
          measuredAtMs: message.measuredAtMs,
          receivedAtMs,
        });
        if (reading.quantity === 'pressure') this.recordPressure(message.measuredAtMs, reading.value);
      }
    } else if (message.kind === 'event') {
      const event: RecentSkyEvent = {
        event: message.event,
        sensorId: message.sensorId,
        atMs: message.measuredAtMs,
        confidence: message.confidence,
        count: message.count,
        headingDeg: message.headingDeg,
      };
      this.events.push(event);
      this.unheard.push(event);
      this.forgetEvents(receivedAtMs);
    }
  }

  /** Hands the conductor the events that arrived since the last call. */
  takeNewEvents(): RecentSkyEvent[] {
    const taken = this.unheard;
    this.unheard = [];
    return taken;
  }

  private touchSensor(sensorId: string, atMs: number, online: boolean): void {
    if (!this.sensors.has(sensorId) && this.sensors.size >= MAX_SENSORS) return;
    this.sensors.set(sensorId, { sensorId, online, lastMessageMs: atMs });
  }

  private recordPressure(atMs: number, hPa: number): void {
    const last = this.pressureHistory.at(-1);
    if (last && atMs - last.atMs < PRESSURE_SAMPLE_EVERY_MS) {
      if (atMs >= last.atMs) last.hPa = hPa; // keep the newest value within the minute
      return;
    }
    if (last && atMs < last.atMs) return; // out of order: the history stays sorted
    this.pressureHistory.push({ atMs, hPa });
    while (this.pressureHistory.length > 0 && atMs - (this.pressureHistory[0]?.atMs ?? atMs) > PRESSURE_HISTORY_MS) {
      this.pressureHistory.shift();
    }
  }

  private forgetEvents(nowMs: number): void {
    while (this.events.length > MAX_EVENTS || (this.events[0] && nowMs - this.events[0].atMs > EVENT_MEMORY_MS)) {
      this.events.shift();
    }
    if (this.unheard.length > MAX_EVENTS) this.unheard.splice(0, this.unheard.length - MAX_EVENTS);
  }
}
