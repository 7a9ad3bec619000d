/**
 * The `skychoir` command as a user runs it, including from an older system Node: the
 * bin script must hand over to the pinned Node 24.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ENGINE_V8_FLAGS } from '../bin/engineFlags.js';

const bin = resolve('bin/skychoir.js');

/** A Node on PATH that is not the project's pinned one (the machine's own), if any. */
function systemNode(): string | undefined {
  const all = spawnSync('sh', ['-c', 'which -a node'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return all.find((p) => !p.includes('node_modules'));
}

describe('skychoir command', () => {
  it('prints its usage', () => {
    const out = execFileSync(process.execPath, [bin, 'help'], { encoding: 'utf8' });
    assert.match(out, /skychoir <command>/);
    assert.match(out, /render/);
    const bad = spawnSync(process.execPath, [bin, 'sing-badly'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown command 'sing-badly'/);
  });

  it('renders a sky to a WAV file, the same bytes for the same seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-cli-'));
    try {
      const render = (out: string): Record<string, unknown> => {
        const stdout = execFileSync(process.execPath, [bin, 'render', '--sky', 'night', '--duration', '6s', '--seed', '5', '--out', out], {
          encoding: 'utf8',
        });
        return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
      };
      const a = render(join(dir, 'a.wav'));
      render(join(dir, 'b.wav'));
      const wav = readFileSync(join(dir, 'a.wav'));
      assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
      assert.equal(wav.toString('ascii', 8, 12), 'WAVE');
      assert.equal(wav.readUInt32LE(24), 48000);
      assert.equal(wav.readUInt16LE(22), 2);
      assert.equal(wav.length, 44 + 6 * 48000 * 2 * 3);
      assert.ok(readFileSync(join(dir, 'b.wav')).equals(wav), 'same sky and seed, same bytes');
      assert.ok((a.peakDbfs as number) <= -1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with a message', () => {
    const r = spawnSync(process.execPath, [bin, 'render', '--duration', 'soon'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /duration 'soon' is not like/);
    const sky = spawnSync(process.execPath, [bin, 'render', '--sky', 'hurricane-of-frogs', '--duration', '1s'], { encoding: 'utf8' });
    assert.equal(sky.status, 1);
    assert.match(sky.stderr, /neither a preset/);
  });

  const older = systemNode();
  const olderMajor = older ? Number(execFileSync(older, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) : 0;
  it(
    'runs from an older system Node by handing over to the pinned Node 24',
    { skip: older && olderMajor < 24 ? false : 'no older system Node on this machine' },
    () => {
      const out = execFileSync(older ?? 'node', [bin, 'help'], { encoding: 'utf8' });
      assert.match(out, /skychoir <command>/);
      // ...with the engine's V8 flags (bin/engineFlags.js, test/engineFlags.test.ts).
      const version = execFileSync(older ?? 'node', [bin, 'version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      assert.match(version, /Node v24\./);
      assert.match(version, new RegExp(`V8 flags: .*${ENGINE_V8_FLAGS[0]}`));
    },
  );
});
