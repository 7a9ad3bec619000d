/** `skychoir backup <file>`: an online, checked copy of the store (docs/operations.md). */
import { parseArgs } from 'node:util';
import { DEFAULT_STORE_PATH } from '../store/store.ts';
import { backupStore } from '../ops/storeBackup.ts';

export const BACKUP_USAGE = `skychoir backup <file.db> [--store file.db] [--force]
  Copies the store while the engine runs (SQLite's online backup), checks the copy
  (integrity, schema version) and only then gives it <file.db>. --force replaces an
  existing file. Restore: stop the engine, put the copy at paths.store (removing any
  -wal and -shm beside it), start the engine (docs/operations.md).`;

export async function backupCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { store: { type: 'string', default: DEFAULT_STORE_PATH }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  const [file] = positionals;
  if (values.help || file === undefined || positionals.length > 1) {
    out(BACKUP_USAGE);
    return values.help ? 0 : 2;
  }
  const result = await backupStore(values.store, file, { overwrite: values.force === true });
  out(`backed up ${values.store} to ${result.file}: ${result.pages} pages, ${result.bytes} bytes, schema version ${result.schemaVersion}, integrity ok`);
  return 0;
}
