/**
 * The sky travels the same way through the embedded broker and through Mosquitto; a
 * recorded log replays; Home Assistant hears about the sensors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { MqttIngest } from '../src/ingest/mqttIngest.ts';
import { SkyPublisher } from '../sensors/skyPublisher.ts';
import { SkySimulator } from '../sensors/simulator/skySimulator.ts';
import { parseSkyLog } from '../sensors/replay/skyLogReplay.ts';
import { discoveryMessages } from '../sensors/homeAssistant.ts';
import { createLogger } from '../src/log/logger.ts';
import { skipUnlessProgram, findProgram } from './support/programs.ts';

const quiet = createLogger('test', { write: () => undefined });
const site = 'roof';

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function until(check: () => boolean, what: string, ms = 8000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A simulated storm published at 20x, received by the engine's ingest. */
async function skyThrough(brokerUrl: string): Promise<Ingest> {
  const startMs = Date.now();
  const source = new SkySimulator({ scenario: 'storm', seed: 2, site, startMs, latitudeDeg: 40.7, longitudeDeg: -74 });
  const ingest = new Ingest(site, quiet);
  const engine = new MqttIngest({ brokerUrl, site }, ingest, quiet);
  engine.start();
  await until(() => engine.connected, 'the engine to connect');
  const publisher = new SkyPublisher({ brokerUrl, site, source, startMs, now: () => startMs + (Date.now() - startMs) * 20, tickMs: 100 });
  publisher.start();
  try {
    await until(() => ['pressure', 'wind_speed', 'precipitation_rate', 'cloud_cover'].every((q) => ingest.sky.readings.has(q as never)), 'every quantity');
  } finally {
    await publisher.stop();
    await engine.stop();
  }
  return ingest;
}

describe('brokers', () => {
  it('the embedded broker carries the sky', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    try {
      const ingest = await skyThrough(broker.url);
      assert.ok((ingest.sky.readings.get('pressure')?.value ?? 0) < 1000, 'a storm: low pressure');
      assert.equal(ingest.counters.dropped.size, 0);
    } finally {
      await broker.close();
    }
  });

  it('Mosquitto carries the same sky', { skip: skipUnlessProgram('mosquitto') }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-mosquitto-'));
    const port = await freePort();
    writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    const mosquitto: ChildProcess = spawn(findProgram('mosquitto') ?? 'mosquitto', ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
    try {
      let ingest: Ingest | undefined;
      for (let attempt = 0; attempt < 20 && !ingest; attempt++) {
        try {
          const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 });
          await probe.endAsync();
          ingest = await skyThrough(`mqtt://127.0.0.1:${port}`);
        } catch {
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      assert.ok(ingest, 'mosquitto answered');
      assert.ok((ingest.sky.readings.get('wind_speed')?.value ?? 0) > 8, 'a storm: strong wind');
      assert.equal(ingest.counters.dropped.size, 0);
    } finally {
      mosquitto.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('skychoir record writes a sky log that replays', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-record-'));
    const out = join(dir, 'sky.jsonl');
    try {
      const recorder = spawn(process.execPath, [resolve('bin/skychoir.js'), 'record', '--broker', broker.url, '--site', site, '--out', out, '--duration', '4s'], { stdio: 'pipe' });
      await new Promise((r) => setTimeout(r, 1500));
      const startMs = Date.now();
      const source = new SkySimulator({ scenario: 'flock', seed: 3, site, startMs, latitudeDeg: 40.7, longitudeDeg: -74 });
      const publisher = new SkyPublisher({ brokerUrl: broker.url, site, source, startMs, now: () => startMs + (Date.now() - startMs) * 30, tickMs: 100 });
      publisher.start();
      const code = await new Promise<number | null>((r) => recorder.on('exit', (c) => r(c)));
      await publisher.stop();
      assert.equal(code, 0);
      const log = parseSkyLog(readFileSync(out, 'utf8'), out);
      assert.deepEqual(log.problems, []);
      assert.ok(log.entries.length > 20, `${log.entries.length} messages recorded`);
      assert.ok(log.entries.some((e) => e.channel === 'state') && log.entries.some((e) => e.channel === 'availability'));
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('announces sensors to Home Assistant with units, classes and availability', () => {
    const [pressure, cloud] = discoveryMessages('lobby', 'roof-baro', ['pressure', 'cloud_cover']);
    assert.equal(pressure?.topic, 'homeassistant/sensor/skychoir_lobby_roof_baro_pressure/config');
    const p = JSON.parse(pressure?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(p.state_topic, 'skychoir/lobby/sensor/roof-baro/state');
    assert.equal(p.device_class, 'atmospheric_pressure');
    assert.equal(p.unit_of_measurement, 'hPa');
    assert.equal(p.availability_topic, 'skychoir/lobby/sensor/roof-baro/availability');
    assert.match(String(p.value_template), /value_json\.readings\.pressure\.value/);
    const c = JSON.parse(cloud?.payload ?? '{}') as Record<string, unknown>;
    assert.equal(c.unit_of_measurement, '%');
    assert.match(String(c.value_template), /\* 100/);
  });
});

