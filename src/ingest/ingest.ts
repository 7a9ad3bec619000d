/**
 * Ingest: every sensor message, from MQTT or from an offline sky, passes through here.
 * Parse, count, log what was dropped and why, and apply the rest to the sky state.
 */
import { parseSensorMessage } from './sensorMessage.ts';
import { IngestCounters } from './ingestCounters.ts';
import { SkyState } from './skyState.ts';
import type { Logger } from '../log/logger.ts';

export class Ingest {
  readonly sky = new SkyState();
  readonly counters = new IngestCounters();
  private readonly site: string;
  private readonly log: Logger | undefined;

  constructor(site: string, log?: Logger) {
    this.site = site;
    this.log = log;
  }

  /** Returns true if the message was accepted. Never throws. */
  receive(topic: string, payload: Uint8Array, receivedAtMs: number): boolean {
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
    return true;
  }
}
