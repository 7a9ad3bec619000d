/**
 * Through the real parts: a message published on the embedded broker reaches ingest, the
 * features move, and the ONNX model's control vector follows.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { MqttIngest } from '../src/ingest/mqttIngest.ts';
import { FeatureExtractor } from '../src/features/featureExtractor.ts';
import { featureIndex } from '../src/features/featureVector.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { readControls } from '../src/model/controlVector.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';

const site = 'testsite';
const quiet = createLogger('test', { write: () => undefined });

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('MQTT -> ingest -> features -> ONNX controls', () => {
  let broker: EmbeddedBroker;
  let ingest: Ingest;
  let engineSide: MqttIngest;
  let sensor: mqtt.MqttClient;
  let model: MappingModel;

  before(async () => {
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    ingest = new Ingest(site, quiet);
    engineSide = new MqttIngest({ brokerUrl: broker.url, site }, ingest, quiet);
    engineSide.start();
    await until(() => engineSide.connected, 'the engine to connect');
    sensor = await mqtt.connectAsync(broker.url, { clientId: 'test-sensor' });
    model = await MappingModel.load(DEFAULT_CONFIG.paths.model);
  });

  after(async () => {
    await sensor.endAsync();
    await engineSide.stop();
    await model.dispose();
    await broker.close();
  });

  it('a storm published by a sensor darkens and thickens the music', async () => {
    const features = new FeatureExtractor(DEFAULT_CONFIG.location);
    const noon = Date.parse('2026-10-15T16:00:00Z'); // 12:00 in New York
    const before = readControls(await model.run(features.compute(ingest.sky, noon)));

    const ts = new Date(noon).toISOString();
    const publish = (id: string, readings: object): Promise<unknown> =>
      sensor.publishAsync(`skychoir/${site}/sensor/${id}/state`, JSON.stringify({ v: 1, ts, readings }), { qos: 1, retain: true });
    await publish('roof-baro', { pressure: { value: 0.9895, unit: 'bar' } });
    await publish('roof-wind', { wind_speed: { value: 58, unit: 'km/h' }, wind_gust: { value: 30, unit: 'kn' } });
    await publish('roof-rain', { precipitation_rate: { value: 8, unit: 'mm/h' } });
    await publish('sky-camera', { cloud_cover: { value: 100, unit: '%' }, brightness: { value: 0.2, unit: 'fraction' } });
    await until(() => ingest.counters.accepted >= 4, 'four sensor states');

    // Received "now" by the engine clock; evaluate the sky as of then.
    const at = Math.max(...[...ingest.sky.readings.values()].map((r) => r.receivedAtMs));
    const f = features.compute(ingest.sky, at);
    assert.ok(Math.abs((f[featureIndex('pressure')] ?? 0) - (989.5 - 1013.25) / 30) < 1e-3, 'pressure converted from bar');
    assert.ok(Math.abs((f[featureIndex('wind_mean')] ?? 0) - 58 / 3.6 / 20) < 1e-3, 'wind converted from km/h');
    assert.equal(f[featureIndex('cloud_cover')], 1);
    const after = readControls(await model.run(f));
    assert.ok(after.layers.pad.brightness < before.layers.pad.brightness - 0.2, `pad brightness ${before.layers.pad.brightness} -> ${after.layers.pad.brightness}`);
    assert.ok(after.layers.pad.density > before.layers.pad.density + 0.2, `pad density ${before.layers.pad.density} -> ${after.layers.pad.density}`);
    assert.ok(after.tension > before.tension, `tension ${before.tension} -> ${after.tension}`);
  });

  it('a malformed payload is counted and dropped; the good state stays', async () => {
    const dropped = (): number => ingest.counters.dropped.get('json') ?? 0;
    const was = dropped();
    const held = ingest.sky.readings.get('pressure')?.value;
    await sensor.publishAsync(`skychoir/${site}/sensor/roof-baro/state`, '{"v":1, not json', { qos: 1 });
    await sensor.publishAsync(`skychoir/${site}/sensor/roof-baro/state`, JSON.stringify({ v: 1, ts: new Date().toISOString(), readings: { pressure: { value: 5000, unit: 'hPa' } } }), { qos: 1 });
    await until(() => dropped() === was + 1 && (ingest.counters.dropped.get('out_of_range') ?? 0) >= 1, 'the drops to be counted');
    assert.equal(ingest.sky.readings.get('pressure')?.value, held);
  });

  it('a sky event on the broker reaches the conductor queue once', async () => {
    ingest.sky.takeNewEvents();
    await sensor.publishAsync(
      `skychoir/${site}/sensor/sky-camera/event`,
      JSON.stringify({ v: 1, ts: new Date().toISOString(), kind: 'flock', confidence: 0.9, count: 40, heading_deg: 90 }),
      { qos: 1 },
    );
    await until(() => ingest.sky.events.some((e) => e.event === 'flock'), 'the flock');
    const taken = ingest.sky.takeNewEvents();
    assert.equal(taken.length, 1);
    assert.equal(taken[0]?.count, 40);
    assert.equal(ingest.sky.takeNewEvents().length, 0);
  });
});
