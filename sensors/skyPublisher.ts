/**
 * Publishes a sky source (simulator or replayed log) over MQTT in real time, one MQTT
 * client per sensor so each has its own availability topic and last will.
 */
import { connectSensorClient } from './sensorClient.ts';
import type { MqttClient } from 'mqtt';
import { sensorTopic } from '../src/ingest/sensorMessage.ts';
import type { SkySource } from './skySource.ts';
import { discoveryMessages } from './homeAssistant.ts';
import { outgoingProblem } from './outgoing.ts';
import { isQuantity, type Quantity } from '../src/ingest/units.ts';

export interface SkyPublisherOptions {
  brokerUrl: string;
  site: string;
  source: SkySource;
  /** Wall-clock time at which the source's sky starts; publications are due from then on. */
  startMs: number;
  tickMs?: number;
  now?: () => number;
  username?: string;
  password?: string;
  /** Announce each sensor's quantities to Home Assistant (MQTT discovery). */
  homeAssistantDiscovery?: boolean;
}

export class SkyPublisher {
  private readonly clients = new Map<string, MqttClient>();
  private timer: NodeJS.Timeout | undefined;
  private publishedUntilMs: number;
  private readonly options: SkyPublisherOptions;
  private readonly now: () => number;
  published = 0;
  /** Messages of the source that failed the contract and were not published. */
  invalid = 0;
  private readonly quantitiesSeen = new Map<string, Set<Quantity>>();

  /** Announces a quantity to Home Assistant the first time a sensor publishes it. */
  private noteQuantities(client: MqttClient, sensorId: string, payload: string): void {
    let readings: unknown;
    try {
      readings = (JSON.parse(payload) as { readings?: unknown }).readings;
    } catch {
      return;
    }
    if (typeof readings !== 'object' || readings === null) return;
    const seen = this.quantitiesSeen.get(sensorId) ?? new Set<Quantity>();
    const fresh = Object.keys(readings).filter((q): q is Quantity => isQuantity(q) && !seen.has(q));
    if (fresh.length === 0) return;
    for (const q of fresh) seen.add(q);
    this.quantitiesSeen.set(sensorId, seen);
    for (const m of discoveryMessages(this.options.site, sensorId, fresh)) client.publish(m.topic, m.payload, { qos: 1, retain: true });
  }

  constructor(options: SkyPublisherOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.publishedUntilMs = options.startMs - 1;
  }

  start(): void {
    const { site, source } = this.options;
    for (const id of source.sensorIds) {
      const availability = sensorTopic(site, id, 'availability');
      const client = connectSensorClient({ ...this.options, sensorId: id });
      client.on('connect', () => {
        client.publish(availability, 'online', { qos: 1, retain: true });
        if (this.options.homeAssistantDiscovery) this.announce(client, id);
      });
      // Connection errors are retried by mqtt.js; they must not crash the reader.
      client.on('error', () => undefined);
      this.clients.set(id, client);
    }
    this.tick();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 500);
  }

  /** Discovery for the quantities this sensor has published so far (or will: see tick). */
  private announce(client: MqttClient, sensorId: string): void {
    const quantities = [...(this.quantitiesSeen.get(sensorId) ?? [])];
    for (const m of discoveryMessages(this.options.site, sensorId, quantities)) client.publish(m.topic, m.payload, { qos: 1, retain: true });
  }

  private tick(): void {
    const nowMs = this.now();
    const due = this.options.source.publicationsBetween(this.publishedUntilMs, nowMs);
    this.publishedUntilMs = nowMs;
    for (const p of due) {
      const sensorId = p.topic.split('/')[3] ?? '';
      const client = this.clients.get(sensorId) ?? this.clients.values().next().value;
      if (!client) continue;
      if (p.payload !== 'online' && p.payload !== 'offline' && outgoingProblem(p.topic, p.payload)) {
        // A corrupt line in a replayed log is not passed on (the replay reported it).
        this.invalid++;
        continue;
      }
      if (this.options.homeAssistantDiscovery && p.topic.endsWith('/state')) this.noteQuantities(client, sensorId, p.payload);
      // mqtt.js queues while offline (QoS 1), so a broker restart loses nothing recent.
      client.publish(p.topic, p.payload, { qos: 1, retain: p.retain });
      this.published++;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const { site } = this.options;
    await Promise.all(
      [...this.clients].map(async ([id, client]) => {
        if (client.connected) {
          await client.publishAsync(sensorTopic(site, id, 'availability'), 'offline', { qos: 1, retain: true }).catch(() => undefined);
        }
        await client.endAsync();
      }),
    );
    this.clients.clear();
  }
}
