/** `skychoir sensor camera`: the sky camera reader (sensors/camera, docs/camera.md). */
import { parseArgs } from 'node:util';
import { CameraReader, type CameraReaderOptions } from '../../sensors/camera/cameraReader.ts';
import { inputKindOf } from '../../sensors/camera/frameSource.ts';
import { createLogger } from '../log/logger.ts';

export const CAMERA_USAGE = `skychoir sensor camera --input <dev|url|file> --broker mqtt://host:1883 --lat <deg> --lon <deg> [options]
  --input     /dev/video0, rtsp://camera/stream or a video file
  --broker    MQTT broker URL (default: mqtt://127.0.0.1:1883)
  --site      site name in the topics (default: lobby)
  --id        sensor id in the topics (default: sky-camera)
  --lat --lon site coordinates in degrees (north, east positive), for night and twilight
  --fps       analysis frames per second (default: 4)
  --width     analysis width in pixels (default: 320)
  --height    analysis height in pixels (default: 240)
  --period    seconds between retained state messages (default: 10)
  --horizon   fraction of rows at the bottom to ignore, 0..0.9 (default: 0)
  --loop      loop a video file
  --debug-dir write the latest frame and masks there (setup only; frames otherwise never touch disk)
  --username --password   broker credentials (or SKYCHOIR_MQTT_USERNAME / SKYCHOIR_MQTT_PASSWORD)`;

function numberOption(name: string, raw: string | undefined, fallback: number, lo: number, hi: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < lo || value > hi) {
    throw new Error(`--${name} must be a number in ${lo}..${hi}, got '${raw}'`);
  }
  return value;
}

/** `--lon -73.99` would read as a flag to parseArgs; join negative numbers to their option. */
function joinNegativeNumbers(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** Parses `skychoir sensor camera` arguments into reader options (validated), or 'help'. */
export function parseCameraArgs(args: string[]): Omit<CameraReaderOptions, 'log'> | 'help' {
  const { values } = parseArgs({
    args: joinNegativeNumbers(args),
    options: {
      input: { type: 'string' },
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      site: { type: 'string', default: 'lobby' },
      id: { type: 'string', default: 'sky-camera' },
      lat: { type: 'string' },
      lon: { type: 'string' },
      fps: { type: 'string' },
      width: { type: 'string' },
      height: { type: 'string' },
      period: { type: 'string' },
      horizon: { type: 'string' },
      loop: { type: 'boolean', default: false },
      'debug-dir': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (!values.input) throw new Error(`--input is required\n\n${CAMERA_USAGE}`);
  if (values.lat === undefined || values.lon === undefined) {
    throw new Error('--lat and --lon are required: without them the reader cannot tell night from day');
  }
  const namePattern = /^[A-Za-z0-9_-]{1,64}$/;
  if (!namePattern.test(values.site)) throw new Error(`--site '${values.site}' must be 1-64 of A-Z a-z 0-9 _ -`);
  if (!namePattern.test(values.id)) throw new Error(`--id '${values.id}' must be 1-64 of A-Z a-z 0-9 _ -`);
  if (values.loop && inputKindOf(values.input) !== 'file') throw new Error('--loop only applies to a video file');

  const latitudeDeg = numberOption('lat', values.lat, 0, -90, 90);
  const longitudeDeg = numberOption('lon', values.lon, 0, -180, 180);
  const fps = numberOption('fps', values.fps, 4, 0.2, 30);
  const width = Math.round(numberOption('width', values.width, 320, 32, 1920));
  const height = Math.round(numberOption('height', values.height, 240, 24, 1080));
  const statePeriodS = numberOption('period', values.period, 10, 1, 3600);
  const horizonFraction = numberOption('horizon', values.horizon, 0, 0, 0.9);

  return {
    brokerUrl: values.broker,
    site: values.site,
    sensorId: values.id,
    username: values.username ?? process.env.SKYCHOIR_MQTT_USERNAME,
    password: values.password ?? process.env.SKYCHOIR_MQTT_PASSWORD,
    location: { latitudeDeg, longitudeDeg },
    source: { input: values.input, width, height, fps, loop: values.loop, realtime: true },
    statePeriodS,
    analysis: { cloud: { horizonFraction } },
    ...(values['debug-dir'] ? { debugDir: values['debug-dir'] } : {}),
  };
}

export async function cameraCommand(args: string[]): Promise<number> {
  const options = parseCameraArgs(args);
  if (options === 'help') {
    console.log(CAMERA_USAGE);
    return 0;
  }
  const log = createLogger('camera');
  const reader = new CameraReader({ ...options, log });
  log.info('camera reader starting', { input: options.source.input, broker: options.brokerUrl, site: options.site, id: options.sensorId });
  reader.start();

  const signalled = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const why = await Promise.race([signalled, reader.ended.then(() => 'end of input')]);
  log.info('camera reader stopping', { why, states: reader.statesPublished, events: reader.eventsPublished });
  await reader.stop();
  return 0;
}
