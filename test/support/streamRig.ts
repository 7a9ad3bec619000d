/**
 * A live headless AudioContext singing a steady tone into startWebStream, on its own HTTP
 * port: the rig the stream tests and the listener benchmark share.
 */
import { AudioContext } from 'node-web-audio-api';
import { startHttpServer, type HttpServer } from '../../src/http/httpServer.ts';
import { startWebStream, DEFAULT_WEB_STREAM_CONFIG, type WebStream, type WebStreamConfig } from '../../src/stream/webStream.ts';
import type { SkySnapshot } from '../../src/stream/skyWords.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';

export interface StreamRig {
  context: AudioContext;
  stream: WebStream;
  http: HttpServer;
  logLines: string[];
  stop(): Promise<void>;
}

/** A sky worth describing: overcast, 8 m/s wind, pressure falling, a flock 2 minutes ago. */
export function sampleSky(nowMs = Date.now()): SkySnapshot {
  return {
    atMs: nowMs,
    cloudCover: 0.95,
    windMps: 8.2,
    gustMps: 11,
    windDirectionDeg: 250,
    pressureHPa: 1004,
    pressureTendencyHPa3h: -2.4,
    temperatureC: 9.5,
    sunElevationDeg: 20,
    events: [{ kind: 'flock', atMs: nowMs - 125_000, count: 40 }],
  };
}

export async function startStreamRig(
  configure: (c: WebStreamConfig) => void = () => undefined,
  options: { toneHz?: number; log?: Logger } = {},
): Promise<StreamRig> {
  const context = new AudioContext({ sinkId: { type: 'none' }, sampleRate: 48000, latencyHint: 'playback' } as AudioContextOptions);
  const osc = context.createOscillator();
  osc.frequency.value = options.toneHz ?? 440;
  const level = context.createGain();
  level.gain.value = 0.25; // about -15 dBFS: like the choir, well under the ceiling
  osc.connect(level);
  level.connect(context.destination);
  osc.start();
  const config: WebStreamConfig = structuredClone(DEFAULT_WEB_STREAM_CONFIG);
  configure(config);
  const logLines: string[] = [];
  const log = options.log ?? createLogger('stream-test', { write: (l) => logLines.push(l) });
  const stream = startWebStream({ context, tap: level, describeSky: () => sampleSky(), config, log });
  const http = await startHttpServer('127.0.0.1', 0, stream.routes);
  return {
    context,
    stream,
    http,
    logLines,
    stop: async () => {
      await http.close();
      await stream.stop();
      osc.stop();
      await context.close();
    },
  };
}
