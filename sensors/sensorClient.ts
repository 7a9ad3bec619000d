/**
 * The MQTT client of one sensor, as every reader opens it: its own client id, retries
 * every 2 s (mqtt.js), and a last will that marks the sensor `offline` on its
 * availability topic if the connection dies (docs/mqtt.md).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { sensorTopic } from '../src/ingest/sensorMessage.ts';

export interface SensorClientOptions {
  brokerUrl: string;
  site: string;
  sensorId: string;
  username?: string | undefined;
  password?: string | undefined;
}

export function connectSensorClient(options: SensorClientOptions): MqttClient {
  const { brokerUrl, site, sensorId } = options;
  return mqtt.connect(brokerUrl, {
    clientId: `skychoir-${site}-${sensorId}-${process.pid}`,
    username: options.username,
    password: options.password,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    will: { topic: sensorTopic(site, sensorId, 'availability'), payload: Buffer.from('offline'), qos: 1, retain: true },
  });
}
