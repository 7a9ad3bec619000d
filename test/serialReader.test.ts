/**
 * The serial reader against virtual serial ports (socat pty pairs) and the embedded
 * broker: real formats in, converted states out; drops counted by reason; unplug,
 * replug and a silent port each lead to a reopen.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { skipUnlessProgram } from './support/programs.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { createLogger } from '../src/log/logger.ts';
import { SerialReader } from '../sensors/serial/serialReader.ts';
import {
  instrumentFormat,
  type FormatName,
  type SensorRole,
} from '../sensors/serial/instrumentFormats.ts';
import { wxtCrcCharacters } from '../sensors/serial/vaisalaWxt.ts';
import { windSonicChecksum } from '../sensors/serial/gillWindSonic.ts';

const skip = skipUnlessProgram('socat');

interface Received {
  topic: string;
  payload: string;
}

let broker: EmbeddedBroker;
let subscriber: MqttClient;
const received: Received[] = [];
const dirs: string[] = [];
const socats = new Set<ChildProcess>();
const readers = new Set<SerialReader>();

before(async () => {
  if (skip) return;
  broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  subscriber = await mqtt.connectAsync(broker.url, { clientId: `serial-test-${process.pid}` });
  subscriber.on('message', (topic, payload) =>
    received.push({ topic, payload: payload.toString() }),
  );
  await subscriber.subscribeAsync('skychoir/test/#', { qos: 1 });
});

after(async () => {
  // A failed test must not leave a reader (timers, MQTT client) keeping the process alive.
  await Promise.all([...readers].map((r) => r.stop()));
  for (const p of socats) p.kill('SIGKILL');
  await subscriber?.endAsync();
  await broker?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs = 5000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A virtual cable: the reader opens `dev`, the test writes to `feed`. */
async function plugIn(
  dir: string,
): Promise<{ write: (text: string) => void; unplug: () => Promise<void> }> {
  const dev = join(dir, 'dev');
  const feed = join(dir, 'feed');
  const socat = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${dev}`, `pty,raw,echo=0,link=${feed}`],
    { stdio: 'ignore' },
  );
  socats.add(socat);
  await waitFor('socat links', () => existsSync(dev) && existsSync(feed));
  const fd = openSync(feed, 'w');
  return {
    write: (text) => void writeSync(fd, Buffer.from(text, 'latin1')),
    unplug: async () => {
      closeSync(fd);
      const exited = new Promise((r) => socat.once('exit', r));
      socat.kill('SIGTERM');
      await exited;
      socats.delete(socat);
      await waitFor('links removed', () => !existsSync(dev));
    },
  };
}

function makeReader(
  dir: string,
  format: FormatName,
  role: SensorRole,
  sensorId: string,
  staleAfterMs = 10_000,
) {
  const logLines: string[] = [];
  const reader = new SerialReader({
    path: join(dir, 'dev'),
    baudRate: 19200,
    format: instrumentFormat(format),
    role,
    brokerUrl: broker.url,
    site: 'test',
    sensorId,
    staleAfterMs,
    reopenMinMs: 100,
    reopenMaxMs: 400,
    recordIdleMs: 300,
    log: createLogger('sensor', { write: (l) => logLines.push(l) }),
  });
  readers.add(reader);
  return { reader, logLines };
}

function states(sensorId: string): Record<string, { value: number; unit: string }>[] {
  return received
    .filter((m) => m.topic === `skychoir/test/sensor/${sensorId}/state`)
    .map(
      (m) =>
        (JSON.parse(m.payload) as { readings: Record<string, { value: number; unit: string }> })
          .readings,
    );
}

const lastAvailability = (sensorId: string) =>
  received.filter((m) => m.topic === `skychoir/test/sensor/${sensorId}/availability`).at(-1)
    ?.payload;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-serial-'));
  dirs.push(dir);
  return dir;
}

test(
  'WXT lines become converted states; corrupt lines are counted by reason; unplug and replug reopen',
  { skip, timeout: 20_000 },
  async () => {
    const dir = tempDir();
    let cable = await plugIn(dir);
    const { reader, logLines } = makeReader(dir, 'wxt', 'weather', 'roof-wxt');
    reader.start();
    await waitFor('port open', () => reader.stats().portOpen);

    cable.write('0TX,Start-up\r\n0R2,Ta=23.6C,Ua=14.2P,Pa=1.0133B\r\n');
    const first = await waitFor('first state', () => states('roof-wxt')[0]);
    assert.deepEqual(first, {
      temperature: { value: 23.6, unit: 'C' },
      humidity: { value: 14.2, unit: '%' },
      pressure: { value: 1013.3, unit: 'hPa' },
    });
    await waitFor('online', () => lastAvailability('roof-wxt') === 'online');

    const body = '0r1,Dn=052D,Dm=057D,Dx=064D,Sn=0.3M,Sm=10.8K,Sx=0.5M';
    cable.write(`${body}${wxtCrcCharacters(body)}\r\n`); // good CRC
    cable.write('0r2,Ta=13.8C,Tp=13.9C,Ua=75.2P,Pa=1015.8HGZZ\r\n'); // corrupted value, CRC no longer matches
    cable.write('0R1,Dn=000#,Dm=000#,Sm=0.0#\r\n'); // the transmitter's own invalid marks
    cable.write('\x00\xff garbage \x13\r\n');
    cable.write(`0R2,Pa=${'9'.repeat(400)}\r\n`);
    await waitFor(
      'drops counted',
      () => reader.stats().linesDropped.grammar >= 1 && reader.stats().linesDropped.too_long >= 1,
    );
    const wind = await waitFor('wind state', () => states('roof-wxt').find((s) => s.wind_speed));
    assert.deepEqual(wind, {
      wind_direction: { value: 57, unit: 'deg' },
      wind_speed: { value: 3, unit: 'm/s' },
      wind_gust: { value: 0.5, unit: 'm/s' },
    });
    const stats = reader.stats();
    assert.equal(stats.linesDropped.crc, 1);
    assert.equal(stats.valuesDropped.invalid_value, 2); // Dm and Sm; Dn is not published
    assert.equal(states('roof-wxt').length, 2);
    assert.ok(
      logLines.some((l) => l.includes("weather sensor 'roof-wxt': Vaisala WXT: CRC mismatch")),
      logLines.join('\n'),
    );

    // Unplug: the port vanishes, the reader says so and keeps retrying.
    await cable.unplug();
    await waitFor('loss noticed', () => reader.stats().portLosses >= 1 && !reader.stats().portOpen);
    await waitFor('offline', () => lastAvailability('roof-wxt') === 'offline');
    await new Promise((r) => setTimeout(r, 600)); // a few failed reopens against a missing path

    // Replug at the same path: the reader reopens it and data flows again.
    cable = await plugIn(dir);
    await waitFor('reopened', () => reader.stats().portOpen && reader.stats().portOpens >= 2, 5000);
    cable.write('0R2,Ta=20.0C,Ua=50.0P,Pa=29.92I\r\n');
    const after = await waitFor('state after replug', () =>
      states('roof-wxt').find((s) => s.pressure && s.pressure.value !== 1013.3),
    );
    assert.ok(Math.abs((after.pressure?.value ?? 0) - 1013.2076) < 1e-3);
    await waitFor('online again', () => lastAvailability('roof-wxt') === 'online');

    await reader.stop();
    await reader.stop(); // twice is harmless
    await waitFor('offline on stop', () => lastAvailability('roof-wxt') === 'offline');
    await cable.unplug();
  },
);

test(
  'a silent port is a fault: closed and reopened after the stale timeout',
  { skip, timeout: 20_000 },
  async () => {
    const dir = tempDir();
    const cable = await plugIn(dir);
    const { reader, logLines } = makeReader(dir, 'nmea', 'wind', 'roof-mwv', 800);
    reader.start();
    await waitFor('port open', () => reader.stats().portOpen);
    cable.write(
      '$WIMWV,041.1,R,01.0,N,A*16\r\n$WIMWV,041.1,R,01.0,N,A*17\r\n$WIMWV,041.1,R,01.0,N,V*01\r\n',
    );
    await waitFor('state', () => states('roof-mwv')[0]);
    await waitFor('stale fault', () => reader.stats().staleFaults >= 1, 5000);
    await waitFor('reopened', () => reader.stats().portOpens >= 2 && reader.stats().portOpen, 5000);
    assert.ok(logLines.some((l) => l.includes('no data from')));
    cable.write('$WIMWV,090.0,T,10.0,M,A*');
    cable.write('3B\r\n'.replace('3B', '00')); // wrong checksum, still counted after the reopen
    const body = 'WIMWV,090.0,T,10.0,M,A';
    let sum = 0;
    for (const c of body) sum ^= c.charCodeAt(0);
    cable.write(`$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}\r\n`);
    const second = await waitFor('state after reopen', () =>
      states('roof-mwv').find((s) => s.wind_speed?.value === 10),
    );
    assert.deepEqual(second, {
      wind_speed: { value: 10, unit: 'm/s' },
      wind_direction: { value: 90, unit: 'deg' },
    });
    assert.equal(reader.stats().linesDropped.checksum, 2);
    assert.equal(reader.stats().linesDropped.status, 1);
    await reader.stop();
    await cable.unplug();
  },
);

test(
  'Gill STX/ETX frames and a BME280 multi-line block arrive as one state each',
  { skip, timeout: 20_000 },
  async () => {
    const dirGill = tempDir();
    const gillCable = await plugIn(dirGill);
    const gill = makeReader(dirGill, 'windsonic', 'wind', 'roof-ws');
    gill.reader.start();
    const dirBme = tempDir();
    const bmeCable = await plugIn(dirBme);
    const bme = makeReader(dirBme, 'bme280', 'baro', 'roof-baro');
    bme.reader.start();
    await waitFor('ports open', () => gill.reader.stats().portOpen && bme.reader.stats().portOpen);

    const frame = (between: string) =>
      `\x02${between}\x03${windSonicChecksum(between).toString(16).toUpperCase().padStart(2, '0')}\r\n`;
    gillCable.write('0,M,00,\x032A\r\n'); // the tail of a frame the port opened in the middle of
    gillCable.write(frame('Q,229,002.74,M,01,')); // axis 1 blocked
    gillCable.write(frame('Q,229,002.74,M,00,').replace(/..\r\n$/, '2A\r\n')); // wrong checksum
    gillCable.write(frame('Q,229,002.74,M,00,'));
    assert.deepEqual(await waitFor('gill state', () => states('roof-ws')[0]), {
      wind_speed: { value: 2.74, unit: 'm/s' },
      wind_direction: { value: 229, unit: 'deg' },
    });
    const gillDrops = gill.reader.stats().linesDropped;
    assert.deepEqual([gillDrops.framing, gillDrops.status, gillDrops.checksum], [1, 1, 1]);
    assert.ok(
      gill.logLines.some((l) =>
        /wind sensor 'roof-ws': Gill WindSonic: checksum mismatch \(got 2A, want [0-9A-F]{2}\)/.test(
          l,
        ),
      ),
      gill.logLines.join('\n'),
    );

    bmeCable.write('BME280 test\r\n-- Default Test --\r\n\r\n');
    bmeCable.write(
      'Temperature = 23.45 \xc2\xb0C\r\nPressure = 1013.25 hPa\r\nApprox. Altitude = 0.00 m\r\nHumidity = 40.12 %\r\n\r\n',
    );
    bmeCable.write('Temperature = 23.50 *C\r\nPressure = 1013.20 hPa\r\nHumidity = nan %\r\n'); // no blank line: the idle flush ends it
    await waitFor('two bme states', () => states('roof-baro').length >= 2);
    assert.deepEqual(states('roof-baro'), [
      {
        temperature: { value: 23.45, unit: 'C' },
        pressure: { value: 1013.25, unit: 'hPa' },
        humidity: { value: 40.12, unit: '%' },
      },
      { temperature: { value: 23.5, unit: 'C' }, pressure: { value: 1013.2, unit: 'hPa' } },
    ]);
    assert.equal(bme.reader.stats().valuesDropped.invalid_value, 1);

    await Promise.all([gill.reader.stop(), bme.reader.stop()]);
    await Promise.all([gillCable.unplug(), bmeCable.unplug()]);
  },
);
