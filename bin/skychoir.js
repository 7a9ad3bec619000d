#!/usr/bin/env node
// The `skychoir` command. The project pins its runtime (the npm package `node`, Node 24 LTS)
// because node-web-audio-api 2.x and node:sqlite need it; a machine's system Node may be
// older. If we were started by another Node, re-run ourselves under the pinned one, with
// the engine's V8 flags (bin/engineFlags.js). Started by Node 24 directly, we run as we
// are: the systemd unit passes the flags itself, and a re-exec would put a second process
// between a supervisor's signals and the engine.
import { spawn } from 'node:child_process';
import module from 'node:module';
import { constants } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingEngineFlags } from './engineFlags.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(
      `skychoir needs Node 24 (this is ${process.version}); run 'npm install' in ${root} to fetch the pinned runtime`,
    );
    process.exit(1);
  }
  const child = spawn(
    pinned,
    [...missingEngineFlags([]), fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) =>
    process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)),
  );
} else {
  // Keep what Node compiles (TypeScript stripped, V8 code) on disk between runs: a start
  // then skips most of its ~1 s of module loading (issue 9: cold start to first sound <= 3 s).
  // Entries are keyed by each file's content, so changed code is never served stale. The
  // directory is $NODE_COMPILE_CACHE, else <tmpdir>/node-compile-cache;
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache?.();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
}
