/**
 * `skychoir backup <file>`: an online copy of the store taken while another connection
 * keeps writing (as the engine does), checked and complete; refused over an existing
 * file and for a missing store, with messages that say what to do.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config/config.ts';
import { SkychoirStore } from '../src/store/store.ts';

const NODE = join(PROJECT_ROOT, 'node_modules', '.bin', 'node');
const BIN = join(PROJECT_ROOT, 'bin', 'skychoir.js');

function skychoir(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(NODE, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('skychoir backup', () => {
  it('copies the store while it is being written, checked and complete', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-backup-'));
    const storePath = join(dir, 'skychoir.db');
    const store = SkychoirStore.open(storePath);
    try {
      store.setSetting('curator.settings', JSON.stringify({ masterDb: -7 }));
      store.savePreset('dawn', { masterDb: -20 }, 'ada');
      for (let i = 0; i < 200; i++) store.addExample({ features: Array.from({ length: 19 }, () => i / 200), controls: Array.from({ length: 22 }, () => 0.5), featureVersion: 2, controlVersion: 1, who: 'ada', note: `example ${i}` });
      // A writer that keeps going during the backup, as the engine does.
      let written = 0;
      const writer = setInterval(() => store.setSetting(`tick.${written++ % 10}`, String(Date.now())), 5);
      const out = join(dir, 'copy.db');
      const run = await skychoir(['backup', out, '--store', storePath]);
      clearInterval(writer);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^backed up .*skychoir\.db to .*copy\.db: \d+ pages, \d+ bytes, schema version \d+, integrity ok$/m);
      assert.ok(written > 0, 'the store was written during the backup');
      assert.ok(!existsSync(`${out}.partial`), 'no partial file left');
      assert.ok(!existsSync(`${out}-wal`), 'one self-contained file');
      const copy = SkychoirStore.open(out);
      try {
        assert.equal(copy.integrityCheck(), 'ok');
        assert.equal(copy.schemaVersion, store.schemaVersion);
        assert.equal(JSON.parse(copy.getSetting('curator.settings') ?? '{}').masterDb, -7);
        assert.equal(copy.listPresets()[0]?.name, 'dawn');
        assert.equal(copy.listExamples().length, 200);
      } finally {
        copy.close();
      }

      const again = await skychoir(['backup', out, '--store', storePath]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /copy\.db exists; choose another name \(or --force to replace it\)/);
      assert.equal((await skychoir(['backup', out, '--store', storePath, '--force'])).code, 0);

      const missing = await skychoir(['backup', join(dir, 'x.db'), '--store', join(dir, 'nope.db')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /no store at .*nope\.db/);

      writeFileSync(join(dir, 'junk.db'), 'not a database at all, just text that is long enough');
      const junk = await skychoir(['backup', join(dir, 'junk-copy.db'), '--store', join(dir, 'junk.db')]);
      assert.equal(junk.code, 1, junk.stdout);
      assert.ok(!existsSync(join(dir, 'junk-copy.db')), 'nothing carries the name of a failed backup');
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
