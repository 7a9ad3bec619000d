/**
 * The sky camera reader: frames in, numbers out over MQTT (docs/camera.md).
 *
 * - state (retained) every `statePeriodS` of frame time: cloud_cover (the mean of the
 *   period's estimates, by day only) and brightness (mean luma over the period);
 * - event (not retained) for each flock, aircraft or single bird, as it is recognised;
 * - availability 'online' on connect, 'offline' on stop, and as the MQTT last will.
 *
 * Privacy (DESIGN.md): frames live in this process's memory and are dropped after
 * analysis; only the numbers above leave. Nothing is written to disk unless `debugDir` is
 * set, and then only the latest frame and masks, overwritten in place, for setting up.
 */
import { connectSensorClient } from '../sensorClient.ts';
import { outgoingProblem } from '../outgoing.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { sensorTopic, SENSOR_PAYLOAD_VERSION } from '../../src/ingest/sensorMessage.ts';
import type { Logger } from '../../src/log/logger.ts';
import { FrameSource, type FrameSourceOptions } from './frameSource.ts';
import { SkyAnalyzer, type FrameAnalysis, type SkyAnalyzerOptions } from './skyAnalyzer.ts';
import type { CameraSkyEvent } from './skyEventDetector.ts';
import type { SkyFrame } from './skyFrame.ts';

export interface CameraReaderOptions {
  brokerUrl: string;
  site: string;
  sensorId: string;
  username?: string;
  password?: string;
  location: { latitudeDeg: number; longitudeDeg: number };
  source: Omit<FrameSourceOptions, 'onFrame' | 'onEnd' | 'onTrouble' | 'now'>;
  /** Seconds of frame time between state publications (default 10). */
  statePeriodS?: number;
  analysis?: Omit<SkyAnalyzerOptions, 'location'>;
  /** Write the latest frame, cloud mask and motion mask here (setup only). */
  debugDir?: string;
  log?: Logger;
  now?: () => number;
}

export interface CameraStatePayload {
  v: number;
  ts: string;
  readings: Record<string, { value: number; unit: string }>;
}

export interface CameraEventPayload {
  v: number;
  ts: string;
  kind: CameraSkyEvent['kind'];
  confidence: number;
  count: number;
  heading_deg: number;
  size_px: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function statePayloadOf(atMs: number, cloudCover: number | undefined, brightness: number | undefined): CameraStatePayload {
  const readings: CameraStatePayload['readings'] = {};
  if (cloudCover !== undefined) readings.cloud_cover = { value: round3(cloudCover), unit: 'fraction' };
  if (brightness !== undefined) readings.brightness = { value: round3(brightness), unit: 'fraction' };
  return { v: SENSOR_PAYLOAD_VERSION, ts: new Date(atMs).toISOString(), readings };
}

export function eventPayloadOf(event: CameraSkyEvent): CameraEventPayload {
  return {
    v: SENSOR_PAYLOAD_VERSION,
    ts: new Date(event.atMs).toISOString(),
    kind: event.kind,
    confidence: round3(event.confidence),
    count: Math.max(1, Math.round(event.count)),
    heading_deg: Math.round(event.headingDeg) % 360,
    size_px: Math.round(event.sizePx),
  };
}

export class CameraReader {
  private readonly options: CameraReaderOptions;
  private readonly analyzer: SkyAnalyzer;
  private client: MqttClient | undefined;
  private source: FrameSource | undefined;
  private periodStartMs: number | undefined;
  private cloudSum = 0;
  private cloudCount = 0;
  private brightnessSum = 0;
  private brightnessCount = 0;
  private lastAtMs = 0;
  private stopping: Promise<void> | undefined;
  private resolveEnded: () => void = () => undefined;
  /** Resolves when a file source (without loop) has been read to the end and flushed. */
  readonly ended: Promise<void>;
  statesPublished = 0;
  eventsPublished = 0;
  /** States or events that failed the contract and were not published (a bug if ever > 0). */
  invalidOutgoing = 0;

  constructor(options: CameraReaderOptions) {
    this.options = options;
    this.analyzer = new SkyAnalyzer({ ...options.analysis, location: options.location });
    this.ended = new Promise((resolve) => (this.resolveEnded = resolve));
  }

  private topic(channel: 'state' | 'event' | 'availability'): string {
    return sensorTopic(this.options.site, this.options.sensorId, channel);
  }

  /** Connects to the broker and starts ffmpeg. */
  start(): void {
    const { sensorId } = this.options;
    const availability = this.topic('availability');
    const client = connectSensorClient(this.options);
    client.on('connect', () => client.publish(availability, 'online', { qos: 1, retain: true }));
    // mqtt.js retries on its own; a broker outage must not crash the reader.
    client.on('error', (err) => this.options.log?.warnRepeated('camera-mqtt', `camera '${sensorId}': MQTT error, retrying`, { error: err.message }));
    this.client = client;
    this.source = new FrameSource({
      ...this.options.source,
      onFrame: (frame, atMs) => this.ingest(frame, atMs),
      onEnd: () => this.finish(),
      onTrouble: (message, retryInMs) => this.options.log?.warnRepeated('camera-ffmpeg', message, { retryInMs }),
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    this.source.start();
  }

  /** Analyses one frame and publishes what it yields (also usable without ffmpeg). */
  ingest(frame: SkyFrame, atMs: number): FrameAnalysis {
    const analysis = this.analyzer.analyze(frame, atMs);
    this.lastAtMs = atMs;
    this.periodStartMs ??= atMs;
    if (analysis.cloud) {
      this.cloudSum += analysis.cloud.fraction;
      this.cloudCount++;
    }
    this.brightnessSum += analysis.light.brightness;
    this.brightnessCount++;
    for (const event of analysis.events) this.publishEvent(event);
    if (atMs - this.periodStartMs >= (this.options.statePeriodS ?? 10) * 1000) {
      this.publishState(atMs, analysis.night);
      if (this.options.debugDir) this.writeDebug(frame, analysis);
    }
    return analysis;
  }

  private finish(): void {
    for (const event of this.analyzer.finish(this.lastAtMs)) this.publishEvent(event);
    if (this.brightnessCount > 0) this.publishState(this.lastAtMs, this.analyzer.isNight(this.lastAtMs));
    this.resolveEnded();
  }

  private publishState(atMs: number, night: boolean): void {
    const cloud = !night && this.cloudCount > 0 ? this.cloudSum / this.cloudCount : undefined;
    const brightness = this.brightnessCount > 0 ? this.brightnessSum / this.brightnessCount : undefined;
    const text = JSON.stringify(statePayloadOf(atMs, cloud, brightness));
    const problem = outgoingProblem(this.topic('state'), text);
    if (problem) {
      this.invalidOutgoing++;
      this.options.log?.warnRepeated('outgoing', `camera: not publishing an invalid state: ${problem}`);
    } else {
      this.client?.publish(this.topic('state'), text, { qos: 1, retain: true });
      this.statesPublished++;
    }
    this.periodStartMs = atMs;
    this.cloudSum = this.cloudCount = this.brightnessSum = this.brightnessCount = 0;
  }

  private publishEvent(event: CameraSkyEvent): void {
    const text = JSON.stringify(eventPayloadOf(event));
    const problem = outgoingProblem(this.topic('event'), text);
    if (problem) {
      this.invalidOutgoing++;
      this.options.log?.warnRepeated('outgoing', `camera: not publishing an invalid event: ${problem}`);
      return;
    }
    this.client?.publish(this.topic('event'), text, { qos: 1, retain: false });
    this.eventsPublished++;
    this.options.log?.info('sky event', { kind: event.kind, count: event.count, headingDeg: Math.round(event.headingDeg) });
  }

  private writeDebug(frame: SkyFrame, analysis: FrameAnalysis): void {
    const dir = this.options.debugDir as string;
    mkdirSync(dir, { recursive: true });
    const { width, height } = frame;
    const header = (magic: string): Buffer => Buffer.from(`${magic}\n${width} ${height}\n255\n`);
    writeFileSync(join(dir, 'latest-frame.ppm'), Buffer.concat([header('P6'), frame.data]));
    if (analysis.cloud) {
      const grey = Buffer.from(analysis.cloud.classes.map((c) => (c === 2 ? 255 : c === 1 ? 96 : 0)));
      writeFileSync(join(dir, 'latest-cloud-mask.pgm'), Buffer.concat([header('P5'), grey]));
    }
    const foreground = this.analyzer.lastForeground();
    if (foreground) {
      writeFileSync(join(dir, 'latest-motion-mask.pgm'), Buffer.concat([header('P5'), Buffer.from(foreground.map((v) => v * 255))]));
    }
  }

  /** Stops ffmpeg, says 'offline', disconnects. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.source?.stop();
      const client = this.client;
      if (client) {
        if (client.connected) {
          await client.publishAsync(this.topic('availability'), 'offline', { qos: 1, retain: true }).catch(() => undefined);
        }
        await client.endAsync();
      }
      this.resolveEnded();
    })();
    return this.stopping;
  }
}
