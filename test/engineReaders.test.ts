/**
 * A serial instrument read by the engine itself (config `readers`): NMEA wind lines
 * written into a virtual serial port (socat pty pair) arrive in the engine's sky, through
 * its own broker, and a bad reader in the config is left out with a message.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveEngine } from '../src/engine/liveEngine.ts';
import { DEFAULT_CONFIG, type Config } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { skipUnlessProgram } from './support/programs.ts';

/** `$WIMWV,<angle>,R,<speed>,M,A*hh` with its XOR checksum (NMEA 0183). */
function mwv(angle: number, speedMps: number): string {
  const body = `WIMWV,${angle.toFixed(1)},R,${speedMps.toFixed(1)},M,A`;
  let sum = 0;
  for (const ch of body) sum ^= ch.charCodeAt(0);
  return `$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\r\n`;
}

it('runs a serial reader from its config and hears the wind it reads', { skip: skipUnlessProgram('socat') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-readers-'));
  const socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'instrument')}`, `pty,raw,echo=0,link=${join(dir, 'engine')}`], { stdio: 'ignore' });
  const logs: string[] = [];
  let engine: LiveEngine | undefined;
  try {
    for (let i = 0; i < 50 && !existsSync(join(dir, 'engine')); i++) await new Promise((r) => setTimeout(r, 100));
    const config: Config = structuredClone(DEFAULT_CONFIG);
    config.http.port = 0;
    config.broker.port = 0;
    config.audio.device = 'none';
    config.stream.enabled = false;
    config.panel.enabled = false;
    config.paths.store = join(dir, 'store.db');
    config.sky = { source: 'sensors', scenario: 'calm', file: undefined };
    config.readers = [
      ['wind', '--format', 'nmea', '--port', join(dir, 'engine'), '--baud', '4800', '--id', 'roof-wind'],
      ['wind', '--format', 'no-such-format', '--port', '/dev/null', '--id', 'broken'],
    ];
    engine = new LiveEngine(config, createLogger('test', { write: (l) => logs.push(l) }));
    await engine.start();
    assert.ok(logs.some((l) => l.includes('broken') && l.includes('left out')), 'the bad reader is named');
    const wind = (): number | undefined => engine?.health().sensors.find((s) => s.id === 'roof-wind')?.ageS ?? undefined;
    for (let i = 0; i < 100 && wind() === undefined; i++) {
      await writeFile(join(dir, 'instrument'), mwv(270, 12.5));
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.notEqual(wind(), undefined, 'the engine heard roof-wind');
    // 12.5 m/s reaches the features (wind_mean = speed / 20) once the next window is planned.
    let windMean = 0;
    for (let i = 0; i < 50 && Math.abs(windMean - 12.5 / 20) > 0.01; i++) {
      await writeFile(join(dir, 'instrument'), mwv(270, 12.5));
      await new Promise((r) => setTimeout(r, 200));
      windMean = engine.health().features.wind_mean ?? 0;
    }
    assert.ok(Math.abs(windMean - 12.5 / 20) < 0.01, `wind_mean ${windMean}`);
  } finally {
    await engine?.stop();
    socat.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

it('announces a serial sensor to Home Assistant when asked', { skip: skipUnlessProgram('socat') }, async () => {
  const { startEmbeddedBroker } = await import('../src/broker/embeddedBroker.ts');
  const { SerialReader } = await import('../sensors/serial/serialReader.ts');
  const { parseSensorArgs } = await import('../src/cli/sensorCommand.ts');
  const mqtt = (await import('mqtt')).default;
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-ha-'));
  const socat = spawn('socat', [`pty,raw,echo=0,link=${join(dir, 'a')}`, `pty,raw,echo=0,link=${join(dir, 'b')}`], { stdio: 'ignore' });
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  const seen: string[] = [];
  const listener = await mqtt.connectAsync(broker.url);
  listener.on('message', (topic) => seen.push(topic));
  await listener.subscribeAsync('homeassistant/#');
  for (let i = 0; i < 50 && !existsSync(join(dir, 'b')); i++) await new Promise((r) => setTimeout(r, 100));
  const options = parseSensorArgs(['baro', '--format', 'bme280', '--port', join(dir, 'b'), '--broker', broker.url, '--site', 'lobby', '--id', 'roof-baro', '--ha-discovery'], {});
  assert.notEqual(options, 'help');
  const reader = new SerialReader({ ...(options as Exclude<typeof options, 'help'>), log: createLogger('test', { write: () => undefined }) });
  try {
    reader.start();
    for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen.sort(), [
      'homeassistant/sensor/skychoir_lobby_roof_baro_humidity/config',
      'homeassistant/sensor/skychoir_lobby_roof_baro_pressure/config',
      'homeassistant/sensor/skychoir_lobby_roof_baro_temperature/config',
    ]);
  } finally {
    await reader.stop();
    await listener.endAsync();
    await broker.close();
    socat.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
