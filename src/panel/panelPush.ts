/**
 * Live updates to open panels over a WebSocket at /panel/ws (the `ws` package: Node has
 * a WebSocket client but no server). The upgrade is accepted only with a live session
 * cookie and from an allowed origin; the server only speaks (clients' messages are
 * ignored, at most 1 KiB each); dead connections are dropped after a missed ping, and a
 * connection whose session ended (logout, expiry) is closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PanelSessions } from './panelSessions.ts';
import { originProblem } from './originCheck.ts';

export const PANEL_WS_PATH = '/panel/ws';
const PING_EVERY_MS = 30_000;
const MAX_BUFFERED_BYTES = 1 << 20;

interface Client {
  socket: WebSocket;
  token: string;
  alive: boolean;
}

export class PanelPush {
  readonly #sessions: PanelSessions;
  readonly #allowedOrigins: readonly string[];
  readonly #server = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  readonly #clients = new Set<Client>();
  readonly #timer: NodeJS.Timeout;

  constructor(sessions: PanelSessions, allowedOrigins: readonly string[]) {
    this.#sessions = sessions;
    this.#allowedOrigins = allowedOrigins;
    this.#timer = setInterval(() => this.#heartbeat(), PING_EVERY_MS);
    this.#timer.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** For the HTTP server's upgrade hook: authenticates, then hands over to ws. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      return refuse('400 Bad Request');
    }
    if (path !== PANEL_WS_PATH) return refuse('404 Not Found');
    const session = this.#sessions.fromRequest(req);
    if (!session) return refuse('401 Unauthorized');
    if (originProblem(req, this.#allowedOrigins)) return refuse('403 Forbidden');
    this.#server.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { socket: ws, token: session.token, alive: true };
      this.#clients.add(client);
      ws.on('pong', () => (client.alive = true));
      ws.on('close', () => this.#clients.delete(client));
      ws.on('error', () => ws.terminate());
      ws.on('message', () => undefined);
    });
  }

  /** Sends a message to every open panel (skipping any that cannot keep up). */
  broadcast(message: unknown): void {
    if (this.#clients.size === 0) return;
    const text = JSON.stringify(message);
    for (const c of this.#clients) {
      if (c.socket.readyState === c.socket.OPEN && c.socket.bufferedAmount < MAX_BUFFERED_BYTES) c.socket.send(text);
    }
  }

  #heartbeat(): void {
    for (const c of this.#clients) {
      if (!c.alive || !this.#sessionLive(c)) {
        c.socket.terminate();
        this.#clients.delete(c);
        continue;
      }
      c.alive = false;
      c.socket.ping();
    }
  }

  #sessionLive(c: Client): boolean {
    return this.#sessions.lookup(c.token) !== undefined;
  }

  /** Closes every connection (1001 going away). */
  stop(): void {
    clearInterval(this.#timer);
    for (const c of this.#clients) c.socket.close(1001, 'engine stopping');
    for (const c of this.#clients) c.socket.terminate();
    this.#clients.clear();
    this.#server.close();
  }
}
