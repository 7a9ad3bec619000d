/**
 * The engine's V8 flags (bin/engineFlags.js): every way the engine is started carries them,
 * and they do what they are for, a young generation that stops growing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENGINE_V8_FLAGS, missingEngineFlags } from '../bin/engineFlags.js';
import { PROJECT_ROOT } from '../src/config/config.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'skychoir.js');

/** Young generation (MiB) after a burst of short-lived garbage with some survivors, in a fresh Node with `flags`. */
function youngGenerationMiB(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    const keep = [];
    for (let round = 0; round < 120; round++) {
      for (let i = 0; i < 200000; i++) { const o = { a: i, b: [i, i + 1] }; if (i % 50 === 0) keep.push(o); }
      if (keep.length > 200000) keep.splice(0, 100000);
    }
    const young = v8.getHeapSpaceStatistics().filter((s) => s.space_name.startsWith('new')).reduce((a, s) => a + s.space_size, 0);
    console.log(young / 2 ** 20);`;
  return Number(
    execFileSync(process.execPath, [...flags, '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    }).trim(),
  );
}

describe("the engine's V8 flags", () => {
  it('tells which flags a process lacks, from its arguments or NODE_OPTIONS', () => {
    assert.deepEqual(missingEngineFlags([], ''), [...ENGINE_V8_FLAGS]);
    assert.deepEqual(missingEngineFlags([...ENGINE_V8_FLAGS], ''), []);
    assert.deepEqual(missingEngineFlags(['--expose-gc'], ENGINE_V8_FLAGS.join(' ')), []);
    // V8 reads underscores as dashes, and any value counts as the operator's choice.
    assert.deepEqual(missingEngineFlags(['--max_semi_space_size=32'], ''), []);
  });

  it('bounds the young generation, which V8 otherwise widens to 128 MiB under a steady allocation rate', () => {
    const bounded = youngGenerationMiB(ENGINE_V8_FLAGS);
    const free = youngGenerationMiB([]);
    assert.ok(bounded <= 48, `young generation with the flags: ${bounded} MiB`);
    assert.ok(free > bounded, `young generation without them: ${free} MiB, with: ${bounded} MiB`);
  });

  it('is carried by the systemd unit and npm start, and `skychoir version` tells when it is missing (the hand-over from an older Node: cli.test.ts)', () => {
    const unit = readFileSync(join(PROJECT_ROOT, 'install', 'systemd', 'skychoir.service'), 'utf8');
    const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart=')) ?? '';
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    for (const flag of ENGINE_V8_FLAGS) {
      assert.ok(
        execStart.includes(` ${flag} `),
        `the unit starts the engine with ${flag}: ${execStart}`,
      );
      assert.ok(
        pkg.scripts.start?.includes(` ${flag} `),
        `npm start passes ${flag}: ${pkg.scripts.start}`,
      );
    }
    const withFlags = execFileSync(process.execPath, [...ENGINE_V8_FLAGS, BIN, 'version'], {
      encoding: 'utf8',
    });
    assert.match(withFlags, new RegExp(`V8 flags: .*${ENGINE_V8_FLAGS[0]}`));
    assert.doesNotMatch(withFlags, /not started with/);
    const without = execFileSync(process.execPath, [BIN, 'version'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    assert.match(without, /not started with the engine's V8 flags/);
  });
});
