/**
 * One encoded stream's listeners: who gets which bytes. Units (Ogg pages, MP3 frames)
 * come in from the encoder; each new listener gets the stream's header pages, then a
 * short burst of the last seconds so playback starts at once, then the live units.
 * A listener that falls behind (its unsent bytes pass a limit) is dropped, never waited
 * for: the hub only ever writes, it never waits for a socket, so the engine cannot slow.
 * MP3 listeners that ask (`Icy-MetaData: 1`) get ICY titles interleaved (icyMetadata.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IcyInterleaver, ICY_METAINT } from './icyMetadata.ts';
import type { StreamFormat } from './streamFormats.ts';
import type { Logger } from '../log/logger.ts';

export interface StreamUnit {
  bytes: Buffer;
  /** Part of the stream's headers (Ogg: OpusHead, OpusTags): every listener needs it first. */
  header: boolean;
}

/** Something that takes the live stream from its headers on (the Icecast push). */
export interface StreamSubscriber {
  write(bytes: Buffer): void;
  /** The encoder started a new stream: what was sent before is over. */
  restart(): void;
}

export interface StreamHubOptions {
  format: StreamFormat;
  contentType: string;
  bitrateKbps: number;
  /** Seconds of recent audio sent at once on connect. */
  burstS: number;
  /** A listener with more unsent bytes than this is dropped. */
  maxBacklogBytes: number;
  maxListeners: number;
  /** On a new encoder stream, end the listeners (they reconnect) instead of carrying on. */
  endListenersOnRestart: boolean;
  /** The sky now, as a title (ICY StreamTitle). */
  title: () => string;
  station: { name: string; description: string; genre: string };
  log: Logger;
  now?: () => number;
}

export interface StreamHubStats {
  format: StreamFormat;
  listeners: number;
  peakListeners: number;
  served: number;
  droppedSlow: number;
  refusedFull: number;
  endedOnRestart: number;
  bytesSent: number;
  burstBytes: number;
}

interface Listener {
  res: ServerResponse;
  icy: IcyInterleaver | undefined;
}

/** HTTP header values are Latin-1: keep names printable ASCII. */
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '').slice(0, 200);
}

export class StreamHub {
  private readonly options: StreamHubOptions;
  private readonly now: () => number;
  private headerUnits: Buffer[] = [];
  private burst: { atMs: number; bytes: Buffer }[] = [];
  private burstBytes = 0;
  private readonly listeners = new Set<Listener>();
  private readonly subscribers = new Set<StreamSubscriber>();
  private closed = false;
  private readonly counters = { peakListeners: 0, served: 0, droppedSlow: 0, refusedFull: 0, endedOnRestart: 0, bytesSent: 0 };

  constructor(options: StreamHubOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  stats(): StreamHubStats {
    return { format: this.options.format, listeners: this.listeners.size, ...this.counters, burstBytes: this.burstBytes };
  }

  /** A unit from the encoder: kept for new listeners, sent to everyone connected. */
  push(unit: StreamUnit): void {
    if (this.closed) return;
    if (unit.header) {
      this.headerUnits.push(unit.bytes);
    } else {
      const atMs = this.now();
      this.burst.push({ atMs, bytes: unit.bytes });
      this.burstBytes += unit.bytes.length;
      const oldest = atMs - this.options.burstS * 1000;
      while (this.burst.length > 1 && (this.burst[0]?.atMs ?? atMs) < oldest) {
        this.burstBytes -= this.burst.shift()?.bytes.length ?? 0;
      }
    }
    for (const listener of this.listeners) this.send(listener, unit.bytes);
    for (const subscriber of this.subscribers) subscriber.write(unit.bytes);
  }

  /** The encoder restarted: its old headers and burst are no use to a new listener. */
  restart(): void {
    this.headerUnits = [];
    this.burst = [];
    this.burstBytes = 0;
    if (this.options.endListenersOnRestart) {
      for (const listener of this.listeners) {
        this.counters.endedOnRestart++;
        this.remove(listener);
        listener.res.end();
      }
    }
    for (const subscriber of this.subscribers) subscriber.restart();
  }

  subscribe(subscriber: StreamSubscriber): () => void {
    this.subscribers.add(subscriber);
    for (const bytes of this.headerUnits) subscriber.write(bytes);
    return () => this.subscribers.delete(subscriber);
  }

  /** The route handler for this stream (GET and HEAD). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const { options } = this;
    if (this.closed || this.listeners.size >= options.maxListeners) {
      this.counters.refusedFull++;
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30', 'cache-control': 'no-store' });
      res.end(this.closed ? 'the stream is stopping\n' : 'this stream is full; try the Icecast relay\n');
      return;
    }
    const wantsIcy = options.format === 'mp3' && req.headers['icy-metadata'] === '1';
    const headers: Record<string, string> = {
      'content-type': options.contentType,
      'cache-control': 'no-cache, no-store',
      pragma: 'no-cache',
      expires: 'Mon, 26 Jul 1997 05:00:00 GMT',
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
      'icy-name': headerSafe(options.station.name),
      'icy-description': headerSafe(options.station.description),
      'icy-genre': headerSafe(options.station.genre),
      'icy-pub': '0',
      'icy-br': String(options.bitrateKbps),
      'ice-audio-info': `samplerate=48000;channels=2;bitrate=${options.bitrateKbps}`,
      connection: 'close',
    };
    if (wantsIcy) headers['icy-metaint'] = String(ICY_METAINT);
    // Like Icecast: no length, no chunking, the body ends when the connection does. Old
    // ICY players do not speak chunked encoding, and a live stream has no end to announce.
    res.useChunkedEncodingByDefault = false;
    res.shouldKeepAlive = false;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.socket?.setNoDelay(true);
    const listener: Listener = { res, icy: wantsIcy ? new IcyInterleaver(ICY_METAINT) : undefined };
    this.listeners.add(listener);
    this.counters.served++;
    this.counters.peakListeners = Math.max(this.counters.peakListeners, this.listeners.size);
    res.on('close', () => this.remove(listener));
    res.on('error', () => this.remove(listener));
    const start = [...this.headerUnits, ...this.burst.map((b) => b.bytes)];
    if (start.length > 0) this.send(listener, Buffer.concat(start));
  }

  private send(listener: Listener, bytes: Buffer): void {
    const { res } = listener;
    if (res.destroyed || res.writableEnded) {
      this.remove(listener);
      return;
    }
    if (listener.icy) {
      for (const part of listener.icy.interleave(bytes, this.options.title())) res.write(part);
    } else {
      res.write(bytes);
    }
    this.counters.bytesSent += bytes.length;
    if (res.writableLength > this.options.maxBacklogBytes) {
      this.counters.droppedSlow++;
      this.options.log.warnRepeated('stream-slow-listener', `${this.options.format} listener dropped: ${res.writableLength} bytes unsent (limit ${this.options.maxBacklogBytes}); a slow listener never slows the stream`);
      this.remove(listener);
      res.destroy();
    }
  }

  private remove(listener: Listener): void {
    this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    for (const listener of this.listeners) {
      this.remove(listener);
      listener.res.end();
    }
    this.subscribers.clear();
  }
}
