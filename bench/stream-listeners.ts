/**
 * What listeners cost the engine: the web stream (a live headless AudioContext, the mix
 * tap, Ogg/Opus and MP3 encoders, the hubs) with 0 listeners, then 200 concurrent
 * listeners on loopback for each format, measured in the same run. The listeners live in
 * a child process so their own CPU is not counted; the engine's CPU is this process's
 * (tap + hubs + sockets) and, apart, its ffmpeg encoders' (read from /proc).
 *
 *   node_modules/.bin/node bench/stream-listeners.ts [listeners=200] [seconds=15]
 */
import { processCpuS } from './support/procStat.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startStreamRig } from '../test/support/streamRig.ts';



async function main(): Promise<void> {
  const listeners = Number(process.argv[2] ?? 200);
  const seconds = Number(process.argv[3] ?? 15);
  const rig = await startStreamRig((c) => {
    c.maxListeners = Math.max(c.maxListeners, listeners + 10);
  });
  await new Promise((r) => setTimeout(r, 3000));

  const measure = async (label: string, path: string | undefined) => {
    let child: ChildProcess | undefined;
    if (path) {
      child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--listeners', `${rig.http.url}${path}`, String(listeners)], { stdio: ['pipe', 'pipe', 'inherit'] });
      for (let i = 0; i < 100 && rig.stream.listeners() < listeners; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 2000)); // past the connect bursts
    }
    const pids = rig.stream.encoderPids();
    const enc0 = processCpuS(pids.ogg) + processCpuS(pids.mp3);
    const cpu0 = process.cpuUsage();
    const stats0 = rig.stream.stats();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const enc = processCpuS(pids.ogg) + processCpuS(pids.mp3) - enc0;
    const stats = rig.stream.stats();
    const sentBytes = stats.hubs.reduce((n, h) => n + h.bytesSent, 0) - stats0.hubs.reduce((n, h) => n + h.bytesSent, 0);
    const dropped = stats.hubs.reduce((n, h) => n + h.droppedSlow, 0);
    const connected = rig.stream.listeners();
    let received = '';
    if (child) {
      child.stdin?.write('report\n');
      received = await new Promise<string>((resolve) => child?.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
      child.stdin?.end();
      await new Promise((r) => child?.once('exit', r));
      for (let i = 0; i < 50 && rig.stream.listeners() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    }
    return {
      label,
      connected,
      enginePct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
      encoderPct: (enc / wallS) * 100,
      mbitOut: (sentBytes * 8) / wallS / 1e6,
      dropped,
      received,
      tapDrops: stats.encoders.reduce((n, e) => n + e.droppedBlocks, 0),
    };
  };

  const rows = [await measure('baseline: 0 listeners', undefined), await measure(`${listeners} x Ogg/Opus 96k`, '/live.ogg'), await measure(`${listeners} x MP3 128k`, '/live.mp3')];
  await rig.stop();
  const base = rows[0]?.enginePct ?? 0;
  console.log(`stream listeners, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, ${seconds} s a row`);
  console.log('| listeners | connected | engine CPU % | extra vs 0 | per listener | encoders CPU % | Mbit/s out | slow drops | PCM blocks dropped |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const extra = r.enginePct - base;
    const per = r.connected > 0 ? `${((extra / r.connected) * 1000).toFixed(1)} m%` : '';
    console.log(`| ${r.label} | ${r.connected} | ${r.enginePct.toFixed(1)} | ${r === rows[0] ? '' : `+${extra.toFixed(1)}`} | ${per} | ${r.encoderPct.toFixed(1)} | ${r.mbitOut.toFixed(1)} | ${r.dropped} | ${r.tapDrops} |`);
  }
  for (const r of rows) if (r.received) console.log(`${r.label}: listener process ${r.received}`);
}

if (process.argv[2] === '--listeners') {
  // Child mode: open N listeners on a stream URL and read everything; report bytes on stdin close.
  const url = new URL(process.argv[3] ?? '');
  const count = Number(process.argv[4]);
  let bytes = 0;
  let closed = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`));
    socket.on('data', (d: Buffer) => (bytes += d.length));
    socket.on('close', () => closed++);
    socket.on('error', () => undefined);
  }
  process.stdin.on('data', () => process.stdout.write(JSON.stringify({ bytes, closed }) + '\n'));
  process.stdin.on('end', () => process.exit(0));
} else {
  await main();
}
