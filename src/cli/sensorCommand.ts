/** `skychoir sensor`: runs one serial instrument reader until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { once } from 'node:events';
import { SerialReader, type SerialReaderOptions } from '../../sensors/serial/serialReader.ts';
import {
  FORMAT_NAMES,
  SENSOR_ROLES,
  instrumentFormat,
  isFormatName,
  isSensorRole,
} from '../../sensors/serial/instrumentFormats.ts';
import { parseDurationS } from './durations.ts';
import { createLogger } from '../log/logger.ts';

export const SENSOR_USAGE = `skychoir sensor <wind|baro|rain|weather> --format <wxt|nmea|windsonic|bme280> --port <path> [options]
  <role>       which quantities to publish: wind (speed, gust, direction), baro (pressure,
               temperature, humidity), rain (precipitation rate), weather (all)
  --format     wxt (Vaisala WXT5x0 ASCII), nmea (NMEA 0183 MWV/XDR), windsonic (Gill
               polar continuous), bme280 (Arduino BME280 example sketches)
  --port       serial device; prefer /dev/serial/by-id/... (docs/sensors.md)
  --baud       baud rate (default: the instrument's factory setting: wxt 19200,
               nmea 4800, windsonic 9600, bme280 9600)
  --broker     MQTT broker URL (default: mqtt://127.0.0.1:1883)
  --site       site name in the topics (default: lobby)
  --id         sensor id in the topics (default: <role>)
  --stale-after  no data for this long reopens the port, e.g. 30s (default: 30s)
  --allow-missing-checksum  nmea only: accept sentences without *hh (legacy talkers)
  --ha-discovery  announce the sensor's quantities to Home Assistant (MQTT discovery)
  --username / --password   MQTT credentials (or SKYCHOIR_MQTT_USERNAME/_PASSWORD)`;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses the command line into reader options; throws with a message naming the bad flag. */
export function parseSensorArgs(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): SerialReaderOptions | 'help' {
  const { values, positionals } = parseArgs({
    args,
    options: {
      format: { type: 'string' },
      port: { type: 'string' },
      baud: { type: 'string' },
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      site: { type: 'string', default: 'lobby' },
      id: { type: 'string' },
      'stale-after': { type: 'string', default: '30s' },
      'allow-missing-checksum': { type: 'boolean', default: false },
      'ha-discovery': { type: 'boolean', default: false },
      username: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return 'help';
  const [role, ...extra] = positionals;
  if (!role || !isSensorRole(role))
    throw new Error(
      `the first argument must be one of ${SENSOR_ROLES.join(', ')}, got '${role ?? ''}'`,
    );
  if (extra.length > 0) throw new Error(`unexpected argument '${extra[0]}'`);
  const formatName = values.format;
  if (!formatName || !isFormatName(formatName))
    throw new Error(
      `--format must be one of ${FORMAT_NAMES.join(', ')}, got '${formatName ?? ''}'`,
    );
  if (!values.port)
    throw new Error('--port needs a serial device, e.g. /dev/serial/by-id/usb-FTDI_...-if00-port0');
  if (values['allow-missing-checksum'] && formatName !== 'nmea')
    throw new Error('--allow-missing-checksum applies to --format nmea only');
  const format = instrumentFormat(formatName, {
    allowMissingChecksum: values['allow-missing-checksum'],
  });
  const baudRate = values.baud === undefined ? format.defaultBaud : Number(values.baud);
  if (!Number.isInteger(baudRate) || baudRate < 50 || baudRate > 4_000_000)
    throw new Error(`--baud must be an integer baud rate, got '${values.baud}'`);
  const sensorId = values.id ?? role;
  if (!NAME.test(sensorId))
    throw new Error(`--id must be 1-64 of A-Z a-z 0-9 _ -, got '${sensorId}'`);
  if (!NAME.test(values.site))
    throw new Error(`--site must be 1-64 of A-Z a-z 0-9 _ -, got '${values.site}'`);
  if (!/^(mqtts?|wss?|tcp|ssl):\/\//.test(values.broker))
    throw new Error(`--broker must be a URL like mqtt://host:1883, got '${values.broker}'`);
  const staleAfterS = parseDurationS(values['stale-after']);
  if (!(staleAfterS >= 1))
    throw new Error(`--stale-after must be at least 1s, got '${values['stale-after']}'`);
  return {
    path: values.port,
    baudRate,
    format,
    role,
    brokerUrl: values.broker,
    site: values.site,
    sensorId,
    username: values.username ?? env.SKYCHOIR_MQTT_USERNAME,
    password: values.password ?? env.SKYCHOIR_MQTT_PASSWORD,
    staleAfterMs: staleAfterS * 1000,
    homeAssistantDiscovery: values['ha-discovery'],
  };
}

export async function sensorCommand(args: string[]): Promise<number> {
  const options = parseSensorArgs(args);
  if (options === 'help') {
    console.log(SENSOR_USAGE);
    return 0;
  }
  const log = createLogger('sensor');
  const reader = new SerialReader({ ...options, log });
  reader.start();
  const signal = await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  log.info(`sensor '${options.sensorId}': ${String(signal[0] ?? 'signal')} received, stopping`, {
    stats: reader.stats(),
  });
  await reader.stop();
  return 0;
}
