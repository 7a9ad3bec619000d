/**
 * `skychoir passwd <user> [--role curator|viewer] [--store file.db]`: creates a panel user
 * or sets its password (scrypt-hashed in the store). The password is read from stdin when
 * it is a pipe (`echo -n '...' | skychoir passwd ada`), or asked twice on the terminal
 * without echo.
 */
import { parseArgs } from 'node:util';
import { SkychoirStore } from '../store/store.ts';
import type { Config } from '../config/config.ts';
import { isPanelRole, setPanelPassword } from '../panel/panelUsers.ts';

export const PASSWD_USAGE = `skychoir passwd <user> [--role curator|viewer] [--store file.db]
  sets a curator panel user's password (read from stdin, or asked on the terminal)
  --role   curator (may change settings, teach, deploy) or viewer (read-only); default:
           the user's current role, or curator for a new user
  --store  the SQLite store (default: the config's paths.store)`;

/** Reads one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    let text = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('new password: ');
    const again = await promptHidden('again: ');
    if (first !== again) throw new Error('the two passwords differ; nothing changed');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function passwdCommand(args: string[], config: Config, out: (line: string) => void = console.log): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { role: { type: 'string' }, store: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    out(PASSWD_USAGE);
    return 0;
  }
  const [username, ...extra] = positionals;
  if (!username || extra.length > 0) throw new Error(`want one user name\n${PASSWD_USAGE}`);
  if (values.role !== undefined && !isPanelRole(values.role)) throw new Error(`--role must be curator or viewer, got '${values.role}'`);
  const store = SkychoirStore.open(values.store ?? config.paths.store);
  try {
    const existing = store.getPanelUser(username);
    const role = isPanelRole(values.role) ? values.role : (existing?.role ?? 'curator');
    const password = await readPassword();
    const user = setPanelPassword(store, username, role, password);
    store.addAuditEntry({ who: 'skychoir passwd', action: existing ? 'user.password' : 'user.add', detail: { user: user.username, role: user.role } });
    out(`${existing ? 'updated' : 'created'} panel user '${user.username}' (${user.role}) in ${store.path}`);
    return 0;
  } finally {
    store.close();
  }
}
