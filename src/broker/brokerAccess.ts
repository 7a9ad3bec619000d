/**
 * Who may use the embedded broker, and for what (docs/operations.md, "Broker access").
 *
 * Every client authenticates. Users come from a JSON file (passwords stored as scrypt
 * hashes, never in the repo) plus one internal user per engine process, whose random
 * password never leaves the process. ACL: a sensor may publish only under its own topic
 * `skychoir/<site>/sensor/<its user name>/...` and subscribe to nothing; the engine reads
 * the sensors and writes its own state; a viewer may only subscribe.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type BrokerRole = 'engine' | 'sensor' | 'viewer';

export interface BrokerUser {
  username: string;
  role: BrokerRole;
  /** `scrypt$<salt hex>$<hash hex>` (N=16384, r=8, p=1, 32 bytes: scrypt's interactive defaults). */
  passwordHash: string;
}

const USERNAME = /^[A-Za-z0-9_-]{1,64}$/;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('hex')}$${scryptSync(password, salt, 32).toString('hex')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const [scheme, saltHex, hashHex] = stored.split('$');
  if (scheme !== 'scrypt' || !saltHex || !hashHex || hashHex.length !== 64) return false;
  const want = Buffer.from(hashHex, 'hex');
  const got = scryptSync(password, Buffer.from(saltHex, 'hex'), 32);
  return timingSafeEqual(want, got);
}

export function parseBrokerUsers(text: string, origin: string): BrokerUser[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new Error(`broker users ${origin}: not JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(body)) throw new Error(`broker users ${origin}: want a JSON array of {username, role, passwordHash}`);
  return body.map((u: unknown, i) => {
    const r = u as Record<string, unknown>;
    const where = `broker users ${origin} #${i}`;
    if (typeof r?.username !== 'string' || !USERNAME.test(r.username)) throw new Error(`${where}: username must be 1-64 of A-Z a-z 0-9 _ -`);
    if (r.role !== 'engine' && r.role !== 'sensor' && r.role !== 'viewer') throw new Error(`${where}: role must be engine, sensor or viewer`);
    if (typeof r.passwordHash !== 'string' || !r.passwordHash.startsWith('scrypt$')) {
      throw new Error(`${where}: passwordHash must be a scrypt hash (make one with: skychoir hash-password)`);
    }
    return { username: r.username, role: r.role, passwordHash: r.passwordHash };
  });
}

export function loadBrokerUsers(path: string): BrokerUser[] {
  return parseBrokerUsers(readFileSync(path, 'utf8'), path);
}

/** Does an MQTT topic filter or name fall under `prefix/`? (no wildcards above the prefix) */
function under(topic: string, prefix: string): boolean {
  return topic.startsWith(prefix + '/') && !topic.slice(0, prefix.length).includes('+') && !topic.slice(0, prefix.length).includes('#');
}

export class BrokerAccess {
  private readonly users = new Map<string, BrokerUser>();
  private readonly site: string;
  /** The in-process clients' credentials (the engine and its built-in sky publisher). */
  readonly internal: { username: string; password: string };

  constructor(site: string, users: readonly BrokerUser[]) {
    this.site = site;
    for (const u of users) this.users.set(u.username, u);
    this.internal = { username: `skychoir-internal-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') };
  }

  /** The role of a client with these credentials, or undefined if refused. */
  authenticate(username: string | undefined, password: Buffer | undefined): BrokerRole | 'internal' | undefined {
    if (!username || !password) return undefined;
    if (username === this.internal.username) {
      const a = Buffer.from(this.internal.password);
      return a.length === password.length && timingSafeEqual(a, password) ? 'internal' : undefined;
    }
    const user = this.users.get(username);
    return user && verifyPassword(password.toString('utf8'), user.passwordHash) ? user.role : undefined;
  }

  canPublish(role: BrokerRole | 'internal', username: string, topic: string): boolean {
    const site = `skychoir/${this.site}`;
    if (topic.includes('+') || topic.includes('#') || topic.startsWith('$')) return false;
    switch (role) {
      case 'internal':
        return under(topic, site);
      case 'engine':
        return under(topic, `${site}/engine`);
      case 'sensor':
        return under(topic, `${site}/sensor/${username}`);
      case 'viewer':
        return false;
    }
  }

  canSubscribe(role: BrokerRole | 'internal', topic: string): boolean {
    const site = `skychoir/${this.site}`;
    switch (role) {
      case 'internal':
      case 'engine':
      case 'viewer':
        return under(topic, site);
      case 'sensor':
        return false;
    }
  }
}
