/**
 * An external broker restarting (issue 7): Mosquitto from Debian on a free port with our
 * own configuration (install/mosquitto/: password file, per-sensor ACL, persistence),
 * the engine and two sensors authenticated against it. Mosquitto is stopped and started
 * again mid-song; the engine reconnects, the sensors resume, and the music never stops
 * for more than 5 s. (The embedded broker's restart is in test/faults.test.ts.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { LiveEngine } from '../src/engine/liveEngine.ts';
import { DEFAULT_CONFIG, PROJECT_ROOT, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { connectSensorClient } from '../sensors/sensorClient.ts';
import { sensorTopic } from '../src/ingest/sensorMessage.ts';
import { statePayload, pressureHPa } from './support/skyMessages.ts';
import { findProgram, skipUnlessProgram } from './support/programs.ts';
import { watchSilence } from './support/silenceWatch.ts';

const skip = skipUnlessProgram('mosquitto') || skipUnlessProgram('mosquitto_passwd');
const SITE = 'lobby';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function waitFor(check: () => boolean, what: string, ms = 20000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Our shipped Mosquitto configuration, on a free port and with its files in `dir`. */
function mosquittoConfig(dir: string, port: number): string {
  const shipped = readFileSync(join(PROJECT_ROOT, 'install', 'mosquitto', 'skychoir.conf'), 'utf8');
  copyFileSync(join(PROJECT_ROOT, 'install', 'mosquitto', 'skychoir.acl'), join(dir, 'skychoir.acl'));
  const conf = shipped
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${port} 127.0.0.1`)
    .replace(/^password_file .*$/m, `password_file ${join(dir, 'skychoir.passwd')}`)
    .replace(/^acl_file .*$/m, `acl_file ${join(dir, 'skychoir.acl')}`)
    .concat(`persistence_location ${dir}/\n`)
    // Started as root, Mosquitto drops to its own user, which cannot read a private temp
    // dir; here it stays the test's user (the option does nothing for a non-root user).
    .concat(`user ${userInfo().username}\n`);
  assert.ok(conf.includes(`listener ${port} `) && conf.includes(dir), 'the shipped configuration has the lines this test adapts');
  writeFileSync(join(dir, 'mosquitto.conf'), conf);
  return join(dir, 'mosquitto.conf');
}

function startMosquitto(conf: string): ChildProcess {
  return spawn(findProgram('mosquitto') ?? 'mosquitto', ['-c', conf], { stdio: 'ignore' });
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

describe('an external Mosquitto restarting', { skip }, () => {
  it('the engine reconnects, the sensors resume, the music goes on', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-mosquitto-restart-'));
    const port = await freePort();
    const conf = mosquittoConfig(dir, port);
    const passwd = join(dir, 'skychoir.passwd');
    const users = { engine: 'engine password 1', 'roof-baro': 'barometer password', 'roof-wind': 'anemometer password' };
    execFileSync(findProgram('mosquitto_passwd') ?? 'mosquitto_passwd', ['-c', '-b', passwd, 'engine', users.engine]);
    for (const u of ['roof-baro', 'roof-wind'] as const) execFileSync(findProgram('mosquitto_passwd') ?? 'mosquitto_passwd', ['-b', passwd, u, users[u]]);
    let mosquitto = startMosquitto(conf);

    const sensors: MqttClient[] = [];
    const timers: NodeJS.Timeout[] = [];
    const lines: string[] = [];
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.http.port = 0;
    config.audio.device = 'none';
    config.stream.enabled = false;
    config.panel.enabled = false;
    config.paths.store = join(dir, 'store.db');
    config.broker = { embedded: false, host: '127.0.0.1', port, url: `mqtt://127.0.0.1:${port}`, usersFile: undefined };
    config.sky = { source: 'sensors', scenario: 'calm', file: undefined };
    // Against an external broker the engine reads its credentials from the environment (secrets.env).
    process.env.SKYCHOIR_MQTT_USERNAME = 'engine';
    process.env.SKYCHOIR_MQTT_PASSWORD = users.engine;
    const engine = new LiveEngine(config, createLogger('test', { write: (l) => lines.push(l) }));
    const silence = watchSilence(engine);
    try {
      await engine.start();
      // Two sensors, each its own Mosquitto user (the ACL lets each write only its own topics).
      const readings = { 'roof-baro': () => pressureHPa(1002), 'roof-wind': () => ({ wind_speed: { value: 7, unit: 'm/s' } }) };
      for (const id of ['roof-baro', 'roof-wind'] as const) {
        const client = connectSensorClient({ brokerUrl: config.broker.url ?? '', site: SITE, sensorId: id, username: id, password: users[id] });
        client.on('connect', () => client.publish(sensorTopic(SITE, id, 'availability'), 'online', { qos: 1, retain: true }));
        sensors.push(client);
        timers.push(setInterval(() => client.connected && client.publish(sensorTopic(SITE, id, 'state'), Buffer.from(statePayload(readings[id](), Date.now())), { qos: 1, retain: true }), 500));
      }
      const fresh = (id: string): boolean => engine.health().sensors.some((s) => s.id === id && s.online && s.ageS !== null && s.ageS < 2);
      await waitFor(() => engine.health().broker.connected && fresh('roof-baro') && fresh('roof-wind') && (engine.health().audio.rmsDbfs ?? -200) > -50, 'the engine to sing with both sensors', 30000);
      silence.reset();
      const acceptedBefore = engine.health().ingest.accepted;

      // Mosquitto restarts (a package upgrade, a crash under systemd).
      await stopProcess(mosquitto);
      await waitFor(() => !engine.health().broker.connected, 'the engine to notice the broker is gone');
      assert.equal(engine.health().status, 'degraded');
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(!fresh('roof-baro') || engine.health().sensors.every((s) => (s.ageS ?? 0) >= 2), 'no readings while the broker is down');
      mosquitto = startMosquitto(conf);
      const restartedAt = Date.now();
      await waitFor(() => engine.health().broker.connected, 'the engine to reconnect', 30000);
      await waitFor(() => fresh('roof-baro') && fresh('roof-wind'), 'both sensors to resume', 30000);
      const resumedS = (Date.now() - restartedAt) / 1000;
      const h = engine.health();
      assert.equal(h.status, 'ok');
      assert.ok(h.ingest.accepted > acceptedBefore + 4, `readings accepted again (${acceptedBefore} -> ${h.ingest.accepted})`);
      assert.deepEqual(h.ingest.dropped, {}, 'nothing refused or malformed');
      assert.ok(resumedS < 15, `sensors resumed ${resumedS.toFixed(1)} s after the broker came back`);
      assert.equal(h.features.pressure_seasonal !== undefined, true);
    } catch (err) {
      const h = engine.health();
      console.error(JSON.stringify({ broker: h.broker, sensors: h.sensors, ingest: h.ingest, rms: h.audio.rmsDbfs }), '\n', lines.slice(-15).join('\n'));
      throw err;
    } finally {
      silence.stop();
      for (const t of timers) clearInterval(t);
      await Promise.all(sensors.map((c) => c.endAsync(true).catch(() => undefined)));
      await engine.stop();
      await stopProcess(mosquitto);
      delete process.env.SKYCHOIR_MQTT_USERNAME;
      delete process.env.SKYCHOIR_MQTT_PASSWORD;
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(silence.longestS < 5, `silent for ${silence.longestS.toFixed(1)} s`);
  });
});
