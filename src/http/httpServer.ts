/**
 * The engine's HTTP port: /healthz, /metrics, the stream and the panel. It answers only
 * the routes it knows and only the methods each route declares (GET and HEAD unless it
 * says otherwise), so a hostile request gets a short error and costs nothing; it reads
 * no request bodies itself (a route that accepts POST reads and limits its own).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { once } from 'node:events';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A route that accepts other methods than GET/HEAD (HEAD is allowed wherever GET is). */
export interface MethodRoute {
  methods: readonly ('GET' | 'POST' | 'PUT' | 'DELETE')[];
  handler: RouteHandler;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  /** Hands HTTP upgrade requests (WebSocket) to `handler`; without one they are refused. */
  onUpgrade(handler: UpgradeHandler): void;
  close(): Promise<void>;
}

const MAX_URL_LENGTH = 2048;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

export async function startHttpServer(
  host: string,
  port: number,
  routes: Record<string, RouteHandler | MethodRoute>,
): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > MAX_URL_LENGTH) return sendJson(res, 414, { error: 'URI too long' });
    let path: string;
    try {
      path = new URL(rawUrl, 'http://localhost').pathname;
    } catch {
      return sendJson(res, 400, { error: 'bad request line' });
    }
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) return sendJson(res, 404, { error: `no route ${path.slice(0, 100)}` });
    const handler = typeof route === 'function' ? route : route.handler;
    const methods: readonly string[] = typeof route === 'function' ? ['GET'] : route.methods;
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    if (!allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      return sendJson(res, 405, { error: `method ${(req.method ?? '').slice(0, 20)} not allowed` });
    }
    try {
      handler(req, res);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    }
  });
  // Slow-loris and idle sockets must not pile up on a small lobby computer.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.maxHeadersCount = 50;
  let upgrade: UpgradeHandler | undefined;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (upgrade && (req.url ?? '').length <= MAX_URL_LENGTH) return upgrade(req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw new Error(`HTTP: cannot listen on ${host}:${port} (${(err as Error).message}); set http.port to a free port`);
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    port: boundPort,
    onUpgrade: (handler) => {
      upgrade = handler;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
