/**
 * The engine's MQTT side: subscribes to its site's sensors and hands every message to
 * ingest; publishes the engine's own state (retained) for dashboards and other engines.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Ingest } from './ingest.ts';
import type { Logger } from '../log/logger.ts';

export interface MqttIngestOptions {
  brokerUrl: string;
  site: string;
  username?: string;
  password?: string;
  now?: () => number;
}

export class MqttIngest {
  private client: MqttClient | undefined;
  private readonly options: MqttIngestOptions;
  private readonly ingest: Ingest;
  private readonly log: Logger;
  connected = false;

  constructor(options: MqttIngestOptions, ingest: Ingest, log: Logger) {
    this.options = options;
    this.ingest = ingest;
    this.log = log;
  }

  get engineStateTopic(): string {
    return `skychoir/${this.options.site}/engine/state`;
  }

  start(): void {
    const { brokerUrl, site } = this.options;
    const now = this.options.now ?? Date.now;
    const client = mqtt.connect(brokerUrl, {
      clientId: `skychoir-engine-${site}-${process.pid}`,
      username: this.options.username,
      password: this.options.password,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      will: { topic: `skychoir/${site}/engine/availability`, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client.on('connect', () => {
      this.connected = true;
      this.log.info('connected to broker', { broker: brokerUrl });
      client.subscribe(`skychoir/${site}/sensor/+/+`, { qos: 1 });
      client.publish(`skychoir/${site}/engine/availability`, 'online', { qos: 1, retain: true });
    });
    client.on('close', () => {
      if (this.connected && this.client) this.log.warn('lost the broker; retrying every 2 s, the music goes on', { broker: brokerUrl });
      this.connected = false;
    });
    client.on('error', (err) => this.log.warnRepeated('mqtt-error', `broker ${brokerUrl}: ${err.message}`));
    client.on('message', (topic, payload, packet) => this.ingest.receive(topic, payload, now(), packet.retain));
    this.client = client;
  }

  publishEngineState(state: unknown): void {
    if (!this.client?.connected) return;
    this.client.publish(this.engineStateTopic, JSON.stringify(state), { qos: 0, retain: true });
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    this.connected = false; // a deliberate stop is not a lost broker
    if (client.connected) {
      await client
        .publishAsync(`skychoir/${this.options.site}/engine/availability`, 'offline', { qos: 1, retain: true })
        .catch(() => undefined);
    }
    await client.endAsync();
  }
}
