/**
 * Cross-site request defence for changes: the request's Origin (or, failing that, its
 * Referer) must be the panel's own origin or one the config allows. Browsers always send
 * Origin on POST, so a request without either is refused.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The origin this request was addressed to, as the browser sees it (Host header). */
export function ownOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host || host.length > 255) return undefined;
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  return originOf(`${encrypted ? 'https' : 'http'}://${host}`);
}

/** Undefined when allowed; otherwise why not. */
export function originProblem(req: IncomingMessage, allowedOrigins: readonly string[]): string | undefined {
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  const claimed = typeof origin === 'string' ? originOf(origin) : typeof referer === 'string' ? originOf(referer) : undefined;
  if (!claimed) return 'the request names no Origin (or Referer); changes come only from the panel page';
  const allowed = allowedOrigins.length > 0 ? allowedOrigins.map((o) => originOf(o)) : [ownOrigin(req)];
  if (!allowed.includes(claimed)) return `origin ${claimed.slice(0, 100)} may not change this panel`;
  return undefined;
}

/** Should cookies be Secure? When the panel is reached over https. */
export function servedOverHttps(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  return (req.socket as TLSSocket).encrypted === true || allowedOrigins.some((o) => o.startsWith('https://'));
}
