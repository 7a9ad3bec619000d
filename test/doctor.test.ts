import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDoctor, formatVerdicts } from '../src/ops/doctor.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { skipUnlessProgram } from './support/programs.ts';

it('checks the machine and says how to fix what fails', { skip: skipUnlessProgram('ffmpeg') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-doctor-'));
  try {
    const config = structuredClone(DEFAULT_CONFIG);
    config.broker = { embedded: false, host: '127.0.0.1', port: 1, url: 'mqtt://127.0.0.1:1', usersFile: undefined };
    const verdicts = await runDoctor(config, join(dir, 'var'));
    assert.deepEqual(verdicts.map((v) => v.check), ['audio device', 'serial ports', 'broker', 'ffmpeg', 'disk', 'clock']);
    const byName = new Map(verdicts.map((v) => [v.check, v]));
    assert.equal(byName.get('ffmpeg')?.ok, true);
    assert.equal(byName.get('disk')?.ok, true);
    const broker = byName.get('broker');
    assert.equal(broker?.ok, false, 'nothing listens on port 1');
    assert.match(broker?.fix ?? '', /broker\.url/);
    for (const v of verdicts) if (!v.ok) assert.ok(v.fix, `${v.check} fails without saying how to fix it`);
    assert.match(formatVerdicts(verdicts), /FAIL {2}broker/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
