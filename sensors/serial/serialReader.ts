/**
 * Reads one serial instrument and publishes it over MQTT: opens the port, cuts lines,
 * parses them with the instrument's parser, publishes each good record as a retained
 * `state` (QoS 1) and keeps `availability` honest (online while records flow, offline
 * otherwise, offline as last will). It never crashes on bad input: a bad line is
 * counted by reason and logged through the rate-limited logger.
 *
 * A port that vanishes (unplugged, USB re-enumerated) or goes silent for `staleAfterMs`
 * is closed and reopened with exponential backoff. The path is reopened exactly as given:
 * pass a stable /dev/serial/by-id/... symlink (docs/sensors.md) and the reader follows
 * the device to whatever ttyUSBn it comes back as.
 */
import { discoveryMessages } from '../homeAssistant.ts';
import { connectSensorClient } from '../sensorClient.ts';
import { outgoingProblem } from '../outgoing.ts';
import { realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { MqttClient } from 'mqtt';
import { QUANTITIES } from '../../src/ingest/units.ts';
import {
  SENSOR_PAYLOAD_VERSION,
  sensorTopic,
  type Reading,
} from '../../src/ingest/sensorMessage.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { DROP_REASONS, type DropReason, type LineRejection } from './parsedLine.ts';
import { LineSplitter, type SplitEvent } from './lineSplitter.ts';
import { RecordAssembler } from './recordAssembler.ts';
import { ROLE_QUANTITIES, type InstrumentFormat, type SensorRole } from './instrumentFormats.ts';

export interface SerialReaderOptions {
  /** Prefer /dev/serial/by-id/...; a symlink is kept as given for every reopen. */
  path: string;
  baudRate: number;
  format: InstrumentFormat;
  role: SensorRole;
  brokerUrl: string;
  site: string;
  sensorId: string;
  username?: string;
  password?: string;
  /** Announce the role's quantities to Home Assistant (MQTT discovery) on connect. */
  homeAssistantDiscovery?: boolean;
  /** No byte for this long is a fault: the port is closed and reopened. Default 30 s. */
  staleAfterMs?: number;
  /** First reopen delay, doubled after each failure up to `reopenMaxMs`. Default 0.5 s. */
  reopenMinMs?: number;
  /** Default 30 s. */
  reopenMaxMs?: number;
  /** A multi-line record with no new line for this long is published as it is. Default 1 s. */
  recordIdleMs?: number;
  log?: Logger;
  now?: () => number;
}

export interface SerialReaderStats {
  linesRead: number;
  recordsPublished: number;
  /** States the reader refused to publish because they failed the contract (a bug if ever > 0). */
  invalidOutgoing: number;
  /** Whole lines dropped, by reason. */
  linesDropped: Record<DropReason, number>;
  /** Single values dropped from otherwise good lines, by reason. */
  valuesDropped: Record<DropReason, number>;
  portOpens: number;
  portLosses: number;
  staleFaults: number;
  portOpen: boolean;
  online: boolean;
}

const zeroCounts = (): Record<DropReason, number> =>
  Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;

export class SerialReader {
  private readonly options: SerialReaderOptions;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly who: string;
  private readonly splitter: LineSplitter;
  private readonly assembler = new RecordAssembler();
  private readonly published: ReadonlySet<string>;
  private readonly staleAfterMs: number;
  private readonly reopenMinMs: number;
  private readonly reopenMaxMs: number;
  private readonly recordIdleMs: number;

  private client: MqttClient | undefined;
  private port: SerialPort | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private lastByteMs = 0;
  private lastLineMs = 0;
  private lastRecordMs = 0;
  private online = false;
  private pendingState: string | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private counters = {
    linesRead: 0,
    recordsPublished: 0,
    invalidOutgoing: 0,
    linesDropped: zeroCounts(),
    valuesDropped: zeroCounts(),
    portOpens: 0,
    portLosses: 0,
    staleFaults: 0,
  };

  constructor(options: SerialReaderOptions) {
    this.options = options;
    this.log = options.log ?? createLogger('sensor');
    this.now = options.now ?? Date.now;
    this.who = `${options.role} sensor '${options.sensorId}'`;
    this.splitter = new LineSplitter({
      maxLineBytes: options.format.maxLineBytes,
      stxFraming: options.format.stxFraming,
    });
    this.published = new Set(ROLE_QUANTITIES[options.role]);
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.reopenMinMs = options.reopenMinMs ?? 500;
    this.reopenMaxMs = options.reopenMaxMs ?? 30_000;
    this.recordIdleMs = options.recordIdleMs ?? 1000;
    this.backoffMs = this.reopenMinMs;
  }

  /** Connects to the broker (in the background; mqtt.js retries) and opens the port. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const { brokerUrl, site, sensorId } = this.options;
    const availability = sensorTopic(site, sensorId, 'availability');
    const client = connectSensorClient(this.options);
    client.on('connect', () => {
      this.log.info(`${this.who}: connected to ${brokerUrl}`);
      client.publish(availability, this.online ? 'online' : 'offline', { qos: 1, retain: true });
      if (this.options.homeAssistantDiscovery) {
        for (const m of discoveryMessages(site, sensorId, ROLE_QUANTITIES[this.options.role])) client.publish(m.topic, m.payload, { qos: 1, retain: true });
      }
      if (this.pendingState !== undefined) {
        client.publish(sensorTopic(site, sensorId, 'state'), this.pendingState, {
          qos: 1,
          retain: true,
        });
        this.pendingState = undefined;
      }
    });
    // mqtt.js reconnects by itself; an unreachable broker must not crash the reader.
    client.on('error', (err) =>
      this.log.warnRepeated(`mqtt:${sensorId}`, `${this.who}: MQTT ${err.message}; retrying`),
    );
    this.client = client;
    const tickMs = Math.max(50, Math.min(1000, this.staleAfterMs / 4, this.recordIdleMs / 2));
    this.watchdog = setInterval(() => this.checkHealth(), tickMs);
    this.openPort();
  }

  stats(): SerialReaderStats {
    return {
      ...this.counters,
      linesDropped: { ...this.counters.linesDropped },
      valuesDropped: { ...this.counters.valuesDropped },
      portOpen: this.port?.isOpen ?? false,
      online: this.online,
    };
  }

  /** Lines dropped by reason (the same as `stats().linesDropped`). */
  dropCounts(): Record<DropReason, number> {
    return { ...this.counters.linesDropped };
  }

  /** Releases the port, the timers and the MQTT client; publishes offline. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.watchdog);
    clearTimeout(this.reopenTimer);
    this.watchdog = undefined;
    this.reopenTimer = undefined;
    const record = this.assembler.flush();
    if (record) this.publishRecord(record);
    await this.closePort();
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) {
      const { site, sensorId } = this.options;
      await client
        .publishAsync(sensorTopic(site, sensorId, 'availability'), 'offline', {
          qos: 1,
          retain: true,
        })
        .catch(() => undefined);
    }
    await client.endAsync().catch(() => undefined);
  }

  private get stopped(): boolean {
    return this.stopping !== undefined;
  }

  private openPort(): void {
    if (this.stopped) return;
    const { path, baudRate } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => this.onData(port, chunk));
    port.on('close', (err: Error | null) => this.onPortLost(port, err ? err.message : 'closed'));
    port.on('end', () => this.onPortLost(port, 'end of stream'));
    port.on('error', (err: Error) => this.onPortLost(port, err.message));
    port.open((err) => {
      if (this.port !== port) return;
      if (err) {
        this.port = undefined;
        this.log.warnRepeated(
          `open:${this.options.sensorId}`,
          `${this.who}: cannot open ${path} (${err.message}); retrying in ${(this.backoffMs / 1000).toFixed(1)} s`,
          {
            path,
          },
        );
        this.scheduleReopen();
        return;
      }
      if (this.stopped) {
        void this.closePort();
        return;
      }
      this.counters.portOpens++;
      this.splitter.reset();
      this.lastByteMs = this.now();
      this.log.info(
        `${this.who}: opened ${describePath(path)} at ${baudRate} baud (${this.options.format.instrument})`,
        { path },
      );
    });
  }

  /** The port closed, errored or hung up: forget it and try again later. */
  private onPortLost(port: SerialPort, why: string): void {
    if (this.port !== port) return;
    this.port = undefined;
    this.counters.portLosses++;
    if (port.isOpen) port.close(() => undefined);
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (this.stopped) return;
    this.log.warn(
      `${this.who}: lost ${this.options.path} (${why}); reopening in ${(this.backoffMs / 1000).toFixed(1)} s`,
    );
    this.setOnline(false);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.stopped || this.reopenTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.reopenMaxMs);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.openPort();
    }, delay);
  }

  private closePort(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port) return Promise.resolve();
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (!port.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }

  private checkHealth(): void {
    if (this.stopped) return;
    const t = this.now();
    if (this.assembler.hasPending() && t - this.lastLineMs >= this.recordIdleMs) {
      const record = this.assembler.flush();
      if (record) this.publishRecord(record);
    }
    if (this.port?.isOpen && t - this.lastByteMs >= this.staleAfterMs) {
      this.counters.staleFaults++;
      this.log.warn(
        `${this.who}: no data from ${this.options.path} for ${(this.staleAfterMs / 1000).toFixed(0)} s; closing and reopening the port (check the instrument's power and output settings)`,
      );
      this.setOnline(false);
      void this.closePort().then(() => this.scheduleReopen());
    } else if (this.online && t - this.lastRecordMs >= this.staleAfterMs) {
      // Bytes arrive but nothing valid: the instrument is not usable, say so.
      this.setOnline(false);
    }
  }

  private onData(port: SerialPort, chunk: Buffer): void {
    if (this.port !== port || this.stopped) return;
    this.lastByteMs = this.now();
    let events: SplitEvent[];
    try {
      events = this.splitter.push(chunk);
    } catch (err) {
      this.log.error(
        `${this.who}: line splitter failed (${(err as Error).message}); input discarded`,
      );
      this.splitter.reset();
      return;
    }
    for (const event of events) this.onSplit(event);
  }

  private onSplit(event: SplitEvent): void {
    const instrument = this.options.format.instrument;
    if (event.kind === 'overflow') {
      this.dropLine({
        reason: 'too_long',
        message: `${instrument}: ${event.bytes} bytes without a line end, dropped; check the baud rate and format`,
      });
      return;
    }
    if (event.kind === 'cut') {
      this.dropLine({
        reason: 'framing',
        message: `${instrument}: frame cut short by the next STX, dropped; check the cable`,
      });
      return;
    }
    this.lastLineMs = this.now();
    if (event.line.length > 0) this.counters.linesRead++;
    let parsed;
    try {
      parsed = this.options.format.parse(event.line);
    } catch (err) {
      // Parsers are total; this is a bug, but one bad line must not stop the reader.
      this.dropLine({
        reason: 'grammar',
        message: `${instrument}: parser failed (${(err as Error).message}), line dropped`,
      });
      return;
    }
    if (parsed.kind === 'rejected') {
      this.dropLine(parsed);
      return;
    }
    if (parsed.kind === 'readings') {
      for (const drop of parsed.dropped) {
        this.counters.valuesDropped[drop.reason]++;
        this.log.warnRepeated(
          `value:${this.options.sensorId}:${drop.reason}`,
          `${this.who}: ${drop.message}`,
          { reason: drop.reason },
        );
      }
      if (parsed.readings.length > 0) {
        // A good line proves the port works: the next loss starts the backoff afresh.
        this.backoffMs = this.reopenMinMs;
      }
    }
    for (const record of this.assembler.push(parsed)) this.publishRecord(record);
  }

  private dropLine(rejection: LineRejection): void {
    this.counters.linesDropped[rejection.reason]++;
    this.log.warnRepeated(
      `line:${this.options.sensorId}:${rejection.reason}`,
      `${this.who}: ${rejection.message}`,
      { reason: rejection.reason },
    );
  }

  private publishRecord(record: Reading[]): void {
    const readings: Record<string, { value: number; unit: string }> = {};
    for (const { quantity, value } of record) {
      if (!this.published.has(quantity)) continue;
      // Four decimals is finer than any of these instruments resolves.
      readings[quantity] = {
        value: Math.round(value * 1e4) / 1e4,
        unit: QUANTITIES[quantity].unit,
      };
    }
    if (Object.keys(readings).length === 0) return;
    const t = this.now();
    this.lastRecordMs = t;
    const payload = JSON.stringify({
      v: SENSOR_PAYLOAD_VERSION,
      ts: new Date(t).toISOString(),
      readings,
    });
    const problem = outgoingProblem(sensorTopic(this.options.site, this.options.sensorId, 'state'), payload);
    if (problem) {
      this.counters.invalidOutgoing++;
      this.options.log?.warnRepeated('outgoing', `sensor '${this.options.sensorId}': not publishing an invalid state: ${problem}`);
      return;
    }
    this.counters.recordsPublished++;
    this.setOnline(true);
    const client = this.client;
    if (client?.connected) {
      client.publish(sensorTopic(this.options.site, this.options.sensorId, 'state'), payload, {
        qos: 1,
        retain: true,
      });
    } else {
      // Only the latest state matters (it is retained): keep one, not an unbounded queue.
      this.pendingState = payload;
    }
  }

  private setOnline(online: boolean): void {
    if (this.online === online) return;
    this.online = online;
    const client = this.client;
    if (client?.connected) {
      client.publish(
        sensorTopic(this.options.site, this.options.sensorId, 'availability'),
        online ? 'online' : 'offline',
        { qos: 1, retain: true },
      );
    }
  }
}

function describePath(path: string): string {
  try {
    const target = realpathSync(path);
    return target === path ? path : `${path} (now ${target})`;
  } catch {
    return path;
  }
}
