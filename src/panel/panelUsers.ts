/**
 * Panel users: a name, a role (curator may change, viewer may only look) and a scrypt
 * password hash, kept in the store (set with `skychoir passwd`).
 */
import { hashPassword, verifyPassword } from '../broker/brokerAccess.ts';
import type { PanelRole, PanelUserRow, SkychoirStore } from '../store/store.ts';

export const PANEL_ROLES: readonly PanelRole[] = ['curator', 'viewer'];
const USERNAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MIN_PASSWORD_LENGTH = 10;

export class PanelUserError extends Error {}

export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) throw new PanelUserError(`user name '${username.slice(0, 70)}': want 1-64 of A-Z a-z 0-9 _ . -`);
  return username;
}

export function isPanelRole(x: unknown): x is PanelRole {
  return x === 'curator' || x === 'viewer';
}

/** Creates the user or replaces its password and role. */
export function setPanelPassword(store: SkychoirStore, username: string, role: PanelRole, password: string): PanelUserRow {
  checkUsername(username);
  if (password.length < MIN_PASSWORD_LENGTH) throw new PanelUserError(`a panel password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 1024) throw new PanelUserError('a panel password has at most 1024 characters');
  return store.setPanelUser(username, role, hashPassword(password));
}

// Checked against when the user does not exist, so a wrong name costs the same scrypt time
// as a wrong password and response times do not tell which names exist. Made at the first
// login, not at start: an scrypt hash is ~80 ms of every cold start otherwise.
let dummyHash: string | undefined;
const dummy = (): string => (dummyHash ??= hashPassword('no such user, no such password'));

/** The user if name and password match; undefined otherwise (same cost either way). */
export function checkLogin(store: SkychoirStore, username: string, password: string): PanelUserRow | undefined {
  const user = USERNAME.test(username) && password.length <= 1024 ? store.getPanelUser(username) : undefined;
  const ok = verifyPassword(password.slice(0, 1024), user?.passwordHash ?? dummy());
  return ok && user ? user : undefined;
}
