/**
 * Pushes one of the engine's encoded streams to an Icecast server as a source client, so
 * a venue serves thousands of listeners through Icecast and its relays while the engine
 * serves a handful. The Icecast 2.4 source protocol is HTTP PUT with Basic auth and
 * ice-* headers (https://cast.readme.io/docs/icecast); the body never ends.
 *
 * Written on a raw socket: Node's http.request would send the endless body chunked,
 * which Icecast stores as part of the stream (measured: a corrupted mount). Reconnects
 * with a backoff whenever Icecast is gone, refuses us, or stops reading.
 *
 * It reuses the hub's encoded bytes (no second encoder). A restarted encoder starts a new
 * Ogg logical stream on the same connection: Icecast handles chained Ogg (that is how
 * ices and ezstream change tracks) and hands its listeners the new headers.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { StreamHub } from './streamHub.ts';
import type { Logger } from '../log/logger.ts';

export interface IcecastPushOptions {
  /** The server, `http://host:8000` (or https://). */
  url: string;
  /** The mount point, e.g. `/skychoir.ogg`. */
  mount: string;
  user: string;
  password: string;
  contentType: string;
  bitrateKbps: number;
  station: { name: string; description: string; genre: string; public: boolean };
  hub: StreamHub;
  log: Logger;
  /** Titles can be pushed by URL for MP3 mounts only (Icecast 2.4 ignores them for Ogg). */
  titleUpdates: boolean;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Bytes Icecast has not taken beyond which the connection is considered stalled. */
  maxBacklogBytes?: number;
}

export interface IcecastPushStats {
  mount: string;
  connected: boolean;
  connects: number;
  failures: number;
  bytesSent: number;
  lastError: string | undefined;
}

const HANDSHAKE_TIMEOUT_MS = 10_000;

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '').slice(0, 200);
}

export class IcecastPush {
  private readonly options: IcecastPushOptions;
  private readonly server: URL;
  private socket: Socket | undefined;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private stopped = false;
  private connected = false;
  private lastTitle: string | undefined;
  private readonly counters = { connects: 0, failures: 0, bytesSent: 0, lastError: undefined as string | undefined };

  constructor(options: IcecastPushOptions) {
    this.options = options;
    this.server = new URL(options.url);
    if (this.server.protocol !== 'http:' && this.server.protocol !== 'https:') {
      throw new Error(`icecast.url '${options.url}': want http://host:port or https://host:port`);
    }
    if (!options.mount.startsWith('/')) throw new Error(`icecast.mount '${options.mount}': want a path starting with /`);
    this.delayMs = options.retryMinMs ?? 1000;
  }

  stats(): IcecastPushStats {
    return { mount: this.options.mount, connected: this.connected, ...this.counters };
  }

  start(): void {
    this.connect();
  }

  private port(): number {
    return Number(this.server.port || (this.server.protocol === 'https:' ? 443 : 80));
  }

  private connect(): void {
    if (this.stopped) return;
    const { options } = this;
    const host = this.server.hostname.replace(/^\[|\]$/g, '');
    const socket = this.server.protocol === 'https:' ? tlsConnect({ host, port: this.port(), servername: host }) : netConnect({ host, port: this.port() });
    this.socket = socket;
    socket.setNoDelay(true);
    let response = '';
    let streaming = false;
    const handshakeTimer = setTimeout(() => this.fail(socket, 'no answer from Icecast within 10 s'), HANDSHAKE_TIMEOUT_MS);
    socket.once(this.server.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      const head = [
        `PUT ${options.mount} HTTP/1.1`,
        `Host: ${this.server.host}`,
        `Authorization: ${basicAuth(options.user, options.password)}`,
        'User-Agent: skychoir',
        `Content-Type: ${options.contentType}`,
        `Ice-Public: ${options.station.public ? 1 : 0}`,
        `Ice-Name: ${headerSafe(options.station.name)}`,
        `Ice-Description: ${headerSafe(options.station.description)}`,
        `Ice-Genre: ${headerSafe(options.station.genre)}`,
        `Ice-Bitrate: ${options.bitrateKbps}`,
        `Ice-Audio-Info: samplerate=48000;channels=2;bitrate=${options.bitrateKbps}`,
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n');
      socket.write(head);
    });
    socket.on('data', (chunk: Buffer) => {
      if (streaming) return; // Icecast says nothing more once it takes the stream
      response += chunk.toString('latin1');
      if (response.length > 8192) return this.fail(socket, 'Icecast answered with an oversized header');
      const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(response);
      if (!status || !response.includes('\r\n\r\n')) return;
      const code = Number(status[1]);
      // 100 Continue (we asked for it) or 200 OK: either way Icecast now reads the body.
      if (code === 100 || code === 200) {
        clearTimeout(handshakeTimer);
        streaming = true;
        this.onStreaming(socket);
        return;
      }
      const hint = code === 401 ? ' (check icecast.user and icecast.password)' : code === 403 ? ' (mount in use, or content type refused)' : '';
      this.fail(socket, `Icecast refused ${options.mount}: ${code}${status[2] ?? ''}${hint}`);
    });
    socket.on('error', (err) => this.fail(socket, `Icecast ${this.server.host}: ${err.message}`));
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      this.fail(socket, 'Icecast closed the connection');
    });
  }

  private onStreaming(socket: Socket): void {
    const { options } = this;
    this.connected = true;
    this.counters.connects++;
    this.delayMs = options.retryMinMs ?? 1000;
    options.log.info('streaming to Icecast', { server: this.server.host, mount: options.mount });
    const limit = options.maxBacklogBytes ?? options.bitrateKbps * 125 * 10;
    this.unsubscribe = options.hub.subscribe({
      write: (bytes) => {
        if (socket.destroyed) return;
        socket.write(bytes);
        this.counters.bytesSent += bytes.length;
        if (socket.writableLength > limit) this.fail(socket, `Icecast stopped reading (${socket.writableLength} bytes unsent)`);
      },
      restart: () => undefined, // the new Ogg chain (or more MP3 frames) follows on this connection
    });
    if (this.lastTitle !== undefined) this.pushTitle(this.lastTitle);
  }

  private fail(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    socket.destroy();
    if (this.connected) this.options.log.warn(`Icecast push to ${this.options.mount} lost: ${reason}; reconnecting`);
    else this.options.log.warnRepeated('icecast-push', `Icecast push to ${this.options.mount} failed: ${reason}; retrying in ${this.delayMs} ms`);
    this.connected = false;
    this.counters.failures++;
    this.counters.lastError = reason;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect();
    }, this.delayMs);
    this.delayMs = Math.min(this.options.retryMaxMs ?? 30_000, this.delayMs * 2);
  }

  /** Sets the mount's title (MP3 mounts; Icecast's admin metadata URL, source credentials). */
  setTitle(title: string): void {
    if (title === this.lastTitle && this.connected) return;
    this.lastTitle = title;
    if (this.connected) this.pushTitle(title);
  }

  private pushTitle(title: string): void {
    if (!this.options.titleUpdates) return;
    const { options } = this;
    const query = new URLSearchParams({ mount: options.mount, mode: 'updinfo', song: title, charset: 'UTF-8' });
    // A GET without a body: http.request is fine here (only the endless PUT needs a raw socket).
    const request = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      { host: this.server.hostname, port: this.port(), path: `/admin/metadata?${query}`, headers: { authorization: basicAuth(options.user, options.password) }, timeout: 5000 },
      (res) => {
        res.resume();
        if (res.statusCode !== 200) options.log.warnRepeated('icecast-title', `Icecast title update for ${options.mount}: HTTP ${res.statusCode}`);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', (err) => options.log.warnRepeated('icecast-title', `Icecast title update for ${options.mount}: ${err.message}`));
    req.end();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const socket = this.socket;
    this.socket = undefined;
    this.connected = false;
    socket?.end();
    socket?.destroy();
  }
}
