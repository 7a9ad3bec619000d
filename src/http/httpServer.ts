/**
 * The engine's HTTP port: GET /healthz for now (the stream, panel and metrics join it in
 * later stages). It reads no request bodies and answers only the routes it knows, so a
 * hostile request gets a short error and costs nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpServer {
  readonly url: string;
  readonly port: number;
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
  routes: Record<string, RouteHandler>,
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
    const handler = routes[path];
    if (!handler) return sendJson(res, 404, { error: `no route ${path.slice(0, 100)}` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed` });
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
