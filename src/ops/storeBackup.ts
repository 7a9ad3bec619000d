/**
 * An online backup of the store: SQLite's backup API (node:sqlite `backup`, Node 24)
 * copies the database page by page from its own read-only connection while the engine
 * goes on writing (WAL: readers never block the writer, and the copy is one consistent
 * moment). The copy is written beside its destination, checked (integrity_check, the
 * schema version) and only then renamed into place, so a half-written or corrupt
 * backup never carries the destination's name.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { DatabaseSync, backup } from 'node:sqlite';

export interface StoreBackupResult {
  file: string;
  pages: number;
  bytes: number;
  /** The copy's migration level (the store's schema version). */
  schemaVersion: number;
}

export class StoreBackupError extends Error {}

export async function backupStore(storePath: string, file: string, options: { overwrite?: boolean } = {}): Promise<StoreBackupResult> {
  if (!existsSync(storePath)) throw new StoreBackupError(`no store at ${storePath} (set paths.store in the config, or --store)`);
  if (existsSync(file) && !options.overwrite) throw new StoreBackupError(`${file} exists; choose another name (or --force to replace it)`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  const source = new DatabaseSync(storePath, { readOnly: true });
  let pages: number;
  try {
    // Wait for a writer's lock rather than failing at once (the engine's writes are short).
    source.exec('PRAGMA busy_timeout = 10000');
    pages = await backup(source, partial);
  } finally {
    source.close();
  }
  let schemaVersion = 0;
  const copy = new DatabaseSync(partial);
  try {
    const integrity = copy.prepare('PRAGMA integrity_check').get()?.integrity_check;
    if (integrity !== 'ok') throw new StoreBackupError(`the copy failed its integrity check (${String(integrity)}); ${storePath} itself may be damaged: run sqlite3 ${storePath} 'PRAGMA integrity_check'`);
    const row = copy.prepare('SELECT max(id) AS v FROM migrations').get();
    schemaVersion = Number(row?.v ?? 0);
    // One self-contained file: no -wal beside it.
    copy.exec('PRAGMA journal_mode = DELETE');
  } catch (err) {
    copy.close();
    rmSync(partial, { force: true });
    throw err instanceof StoreBackupError ? err : new StoreBackupError(`the copy is not a skychoir store: ${(err as Error).message}`);
  }
  copy.close();
  renameSync(partial, file);
  return { file, pages, bytes: statSync(file).size, schemaVersion };
}
