/**
 * Every change made from the panel, recorded in the store: who, when, what, and for
 * settings each changed field as old -> new. Listeners (the WebSocket push) hear each
 * entry as it is written.
 */
import type { AuditEntry, SkychoirStore } from '../store/store.ts';

export interface FieldChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** The leaves that differ between two JSON-like values, as dotted paths. */
export function changedFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => changedFields(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path: path || '(value)', from: before, to: after }];
}

export class AuditLog {
  readonly #store: SkychoirStore;
  readonly #listeners = new Set<(entry: AuditEntry) => void>();

  constructor(store: SkychoirStore) {
    this.#store = store;
  }

  record(who: string, action: string, detail: unknown): AuditEntry {
    const entry = this.#store.addAuditEntry({ who, action, detail });
    for (const listener of this.#listeners) listener(entry);
    return entry;
  }

  recent(limit = 100): AuditEntry[] {
    return this.#store.listAuditEntries(limit);
  }

  onEntry(listener: (entry: AuditEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
