/**
 * The push to a real Icecast2 server: the engine connects as a source (raw-socket PUT),
 * ffmpeg reads the mount as a listener would, and the push survives both an encoder
 * killed mid-stream (a new Ogg chain on the same connection) and Icecast dropping the
 * source (a reconnect).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessProgram } from './support/programs.ts';
import { startStreamRig, type StreamRig } from './support/streamRig.ts';
import { decodeStream, analysePcm } from './support/streamAnalysis.ts';

const skip = skipUnlessProgram('ffmpeg') || skipUnlessProgram('icecast2');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

function icecastConfig(dir: string, port: number): string {
  // Icecast refuses to run as root unless it changes to another user.
  const asRoot = process.getuid?.() === 0;
  return `<icecast>
  <limits><clients>100</clients><sources>4</sources><source-timeout>10</source-timeout><burst-size>32768</burst-size></limits>
  <authentication><source-password>hackme-src</source-password><admin-user>admin</admin-user><admin-password>hackme-adm</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>${port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>0</fileserve>
  <paths><logdir>${dir}</logdir><webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot><pidfile>${dir}/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot>${asRoot ? '<changeowner><user>nobody</user><group>nogroup</group></changeowner>' : ''}</security>
</icecast>`;
}

async function mountStatus(base: string): Promise<{ listeners: number; title: string | undefined } | undefined> {
  const res = await fetch(`${base}/status-json.xsl`).catch(() => undefined);
  if (!res?.ok) return undefined;
  const text = await res.text();
  // Icecast 2.4 writes invalid JSON ("title": - ) for some fields; read what we need by pattern.
  if (!text.includes('/skychoir.ogg')) return undefined;
  const listeners = /"listeners":\s*(\d+)/.exec(text);
  const title = /"title":\s*"([^"]*)"/.exec(text);
  return { listeners: Number(listeners?.[1] ?? 0), title: title?.[1] };
}

describe('push to Icecast2', { skip }, () => {
  let icecast: ChildProcess;
  let rig: StreamRig;
  let dir: string;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skychoir-icecast-'));
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'icecast.xml'), icecastConfig(dir, port));
    icecast = spawn('icecast2', ['-c', join(dir, 'icecast.xml')], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      if ((await fetch(`${base}/status-json.xsl`).catch(() => undefined))?.ok) break;
      await sleep(100);
    }
    rig = await startStreamRig((c) => {
      c.icecast.url = base;
      c.icecast.password = 'hackme-src';
      c.icecast.mount = '/skychoir.ogg';
    });
  });

  after(async () => {
    await rig?.stop();
    icecast?.kill('SIGTERM');
    if (icecast && icecast.exitCode === null) await new Promise((r) => icecast.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitForMount(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await mountStatus(base)) return;
      await sleep(100);
    }
    assert.fail(`the mount never appeared; push: ${JSON.stringify(rig.stream.stats().icecast)}`);
  }

  it('receives the push; a client reads the mount; a killed encoder and a dropped source are recovered', { timeout: 50_000 }, async () => {
    await waitForMount();
    const first = await decodeStream(`${base}/skychoir.ogg`, 4);
    assert.equal(first.code, 0, first.stderr.slice(-400));
    assert.match(first.stderr, /Audio: opus[^\n]*48000 Hz, stereo/);
    const firstReport = analysePcm(first.pcm);
    console.log(`# from Icecast: ${JSON.stringify(firstReport)}`);
    assert.ok(Math.abs(firstReport.seconds - 4) < 0.05 && firstReport.gaps === 0 && Math.abs(firstReport.pitchHz - 440) < 3);

    // A listener on Icecast while the Ogg encoder is killed: the push goes on with a new chain.
    const during = decodeStream(`${base}/skychoir.ogg`, 8);
    await sleep(2000);
    const pid = rig.stream.encoderPids().ogg;
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const across = await during;
    assert.equal(across.code, 0, across.stderr.slice(-400));
    const acrossReport = analysePcm(across.pcm);
    console.log(`# across an encoder kill: ${JSON.stringify(acrossReport)}`);
    assert.ok(acrossReport.seconds > 6, `the Icecast listener heard on through the restart (${acrossReport.seconds} s)`);
    assert.equal(rig.stream.stats().icecast?.connects, 1, 'the same source connection carried the new chain');

    // Icecast drops the source (admin kill): the push reconnects.
    const kill = await fetch(`${base}/admin/killsource?mount=/skychoir.ogg`, { headers: { authorization: `Basic ${Buffer.from('admin:hackme-adm').toString('base64')}` } });
    assert.equal(kill.status, 200);
    for (let i = 0; i < 100 && (rig.stream.stats().icecast?.connects ?? 0) < 2; i++) await sleep(100);
    assert.equal(rig.stream.stats().icecast?.connects, 2, `reconnected: ${JSON.stringify(rig.stream.stats().icecast)}`);
    await waitForMount();
    const after = await decodeStream(`${base}/skychoir.ogg`, 3);
    assert.equal(after.code, 0);
    assert.equal(analysePcm(after.pcm).gaps, 0);
  });
});
