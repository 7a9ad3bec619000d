/**
 * Ingest: every sensor message, from MQTT or from an offline sky, passes through here.
 * Parse, count, log what was dropped and why, and apply the rest to the sky state.
 */
import { parseSensorMessage, type SensorMessage } from './sensorMessage.ts';
import { IngestCounters } from './ingestCounters.ts';
import { SkyState } from './skyState.ts';
import type { Logger } from '../log/logger.ts';

export class Ingest {
  readonly sky = new SkyState();
  readonly counters = new IngestCounters();
  private readonly site: string;
  private readonly log: Logger | undefined;
  /**
   * Told of every accepted message once the sky holds it (the live performance hears
   * readings at once); `retained` for a broker's retained copy, delivered on subscribe.
   */
  onAccepted: ((message: SensorMessage, retained: boolean) => void) | undefined;

  constructor(site: string, log?: Logger) {
    this.site = site;
    this.log = log;
  }

  /** Returns true if the message was accepted. Never throws (nor does a throwing onAccepted). */
  receive(topic: string, payload: Uint8Array, receivedAtMs: number, retained = false): boolean {
    const result = parseSensorMessage(topic, payload);
    if (!result.ok) {
      this.counters.drop(result.rejection.reason);
      this.log?.warnRepeated(`drop:${result.rejection.reason}`, result.rejection.message, { reason: result.rejection.reason });
      return false;
    }
    const message = result.message;
    if (message.site !== this.site) {
      this.counters.drop('topic');
      this.log?.warnRepeated('drop:site', `message for site '${message.site}' ignored; this engine serves '${this.site}'`);
      return false;
    }
    if (message.kind === 'state') {
      for (const r of message.rejected) {
        this.counters.dropReading(r.reason);
        this.log?.warnRepeated(`reading:${r.reason}`, r.message, { reason: r.reason });
      }
    }
    this.counters.accepted++;
    this.sky.apply(message, receivedAtMs);
    try {
      this.onAccepted?.(message, retained);
    } catch (err) {
      this.log?.warnRepeated('on-accepted', `a listener of accepted messages failed: ${(err as Error).message}`);
    }
    return true;
  }
}
