import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parseSensorArgs, SENSOR_USAGE } from '../src/cli/sensorCommand.ts';
import { skipUnlessProgram } from './support/programs.ts';
import { startEmbeddedBroker } from '../src/broker/embeddedBroker.ts';

test('parseSensorArgs: defaults from the instrument, flags checked with a clear message', () => {
  const options = parseSensorArgs(
    [
      'weather',
      '--format',
      'wxt',
      '--port',
      '/dev/serial/by-id/usb-FTDI-if00-port0',
      '--site',
      'lobby',
      '--id',
      'roof-wxt',
    ],
    {},
  );
  assert.ok(options !== 'help');
  assert.equal(options.baudRate, 19200);
  assert.equal(options.format.name, 'wxt');
  assert.equal(options.brokerUrl, 'mqtt://127.0.0.1:1883');
  assert.equal(options.staleAfterMs, 30_000);
  assert.equal(options.path, '/dev/serial/by-id/usb-FTDI-if00-port0');
  const wind = parseSensorArgs(
    [
      'wind',
      '--format',
      'nmea',
      '--port',
      '/dev/ttyUSB0',
      '--baud',
      '9600',
      '--stale-after',
      '1m',
      '--allow-missing-checksum',
    ],
    {
      SKYCHOIR_MQTT_USERNAME: 'reader',
    },
  );
  assert.ok(
    wind !== 'help' &&
      wind.baudRate === 9600 &&
      wind.staleAfterMs === 60_000 &&
      wind.sensorId === 'wind' &&
      wind.username === 'reader',
  );
  assert.equal(wind.format.parse('$WIMWV,041.1,R,01.0,N,A').kind, 'readings');
  assert.equal(parseSensorArgs(['--help']), 'help');
  const fails: [string[], RegExp][] = [
    [
      ['gale', '--format', 'wxt', '--port', 'x'],
      /first argument must be one of wind, baro, rain, weather/,
    ],
    [
      ['wind', '--format', 'morse', '--port', 'x'],
      /--format must be one of wxt, nmea, windsonic, bme280/,
    ],
    [['wind', '--format', 'wxt'], /--port needs a serial device/],
    [['wind', '--format', 'wxt', '--port', 'x', '--baud', 'fast'], /--baud must be an integer/],
    [['wind', '--format', 'wxt', '--port', 'x', '--id', 'roof/ws'], /--id must be/],
    [['wind', '--format', 'wxt', '--port', 'x', '--broker', 'localhost'], /--broker must be a URL/],
    [
      ['wind', '--format', 'wxt', '--port', 'x', '--allow-missing-checksum'],
      /applies to --format nmea only/,
    ],
  ];
  for (const [args, message] of fails) assert.throws(() => parseSensorArgs(args, {}), message);
  assert.match(SENSOR_USAGE, /^skychoir sensor <wind\|baro\|rain\|weather>/);
});

test(
  'skychoir sensor runs until SIGTERM, publishes, and exits 0',
  { skip: skipUnlessProgram('socat'), timeout: 20_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-serial-cli-'));
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const socat = spawn(
      'socat',
      [`pty,raw,echo=0,link=${join(dir, 'dev')}`, `pty,raw,echo=0,link=${join(dir, 'feed')}`],
      { stdio: 'ignore' },
    );
    const subscriber = await mqtt.connectAsync(broker.url);
    try {
      const messages: string[] = [];
      subscriber.on('message', (topic, payload) => messages.push(`${topic} ${payload.toString()}`));
      await subscriber.subscribeAsync('skychoir/cli/#', { qos: 1 });
      while (!existsSync(join(dir, 'feed'))) await new Promise((r) => setTimeout(r, 20));
      const command = new URL('../src/cli/sensorCommand.ts', import.meta.url).href;
      const script = `import { sensorCommand } from '${command}'; process.exitCode = await sensorCommand(process.argv.slice(1));`;
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          script,
          'baro',
          '--format',
          'bme280',
          '--port',
          join(dir, 'dev'),
          '--broker',
          broker.url,
          '--site',
          'cli',
          '--id',
          'roof-baro',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const until = Date.now() + 8000;
      while (!stderr.includes('opened') && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      const fd = openSync(join(dir, 'feed'), 'w');
      writeSync(
        fd,
        'Temperature = 21.00 *C\r\nPressure = 1002.50 hPa\r\nHumidity = 55.00 %\r\n\r\n',
      );
      closeSync(fd);
      while (!messages.some((m) => m.includes('/state')) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      const state = messages.find((m) => m.startsWith('skychoir/cli/sensor/roof-baro/state '));
      assert.ok(
        state?.includes('"pressure":{"value":1002.5,"unit":"hPa"}'),
        messages.join('\n') + stderr,
      );
      assert.equal(
        messages.filter((m) => m.includes('/availability')).at(-1),
        'skychoir/cli/sensor/roof-baro/availability offline',
      );
    } finally {
      socat.kill('SIGKILL');
      await subscriber.endAsync();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
