/**
 * Panel sessions: a random 32-byte token in an HttpOnly, SameSite=Strict cookie, stored
 * in the store only as its SHA-256 (a copy of the file opens no session), with a CSRF
 * token of its own that the page sends back in a header on every change.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PanelSessionRow, SkychoirStore } from '../store/store.ts';

export const SESSION_COOKIE = 'skychoir_panel';
export const CSRF_HEADER = 'x-csrf-token';

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresMs: number;
}

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
const randomToken = (): string => randomBytes(32).toString('base64url');

export class PanelSessions {
  readonly #store: SkychoirStore;
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(store: SkychoirStore, lifetimeMs: number, now: () => number = Date.now) {
    this.#store = store;
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  get lifetimeMs(): number {
    return this.#lifetimeMs;
  }

  create(username: string): NewSession {
    const session = { token: randomToken(), csrfToken: randomToken(), expiresMs: this.#now() + this.#lifetimeMs };
    this.#store.addPanelSession({ tokenHash: hashToken(session.token), username, csrfToken: session.csrfToken, expiresMs: session.expiresMs });
    return session;
  }

  /** The session a request's cookie names, if it is live. */
  fromRequest(req: IncomingMessage): (PanelSessionRow & { token: string }) | undefined {
    const token = readCookie(req, SESSION_COOKIE);
    return token ? this.lookup(token) : undefined;
  }

  /** The live session of a token, or undefined (an expired one is forgotten). */
  lookup(token: string): (PanelSessionRow & { token: string }) | undefined {
    if (token.length > 100) return undefined;
    const row = this.#store.getPanelSession(hashToken(token));
    if (!row) return undefined;
    if (row.expiresMs < this.#now()) {
      this.#store.deletePanelSession(hashToken(token));
      return undefined;
    }
    return { ...row, token };
  }

  end(token: string): void {
    this.#store.deletePanelSession(hashToken(token));
  }

  sweep(): number {
    return this.#store.deleteExpiredPanelSessions(this.#now());
  }
}

/** Does the request carry the session's CSRF token in its header? (constant time) */
export function hasCsrfToken(req: IncomingMessage, session: PanelSessionRow): boolean {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Secure` is added when the panel is served over https (directly or by a proxy). */
export function sessionCookie(token: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}${secure ? '; Secure' : ''}`;
}
