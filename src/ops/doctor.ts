/**
 * `skychoir doctor`: checks what the installation needs from its machine and says how to
 * fix what is wrong. Each check is a small function returning a verdict; nothing here
 * changes the machine.
 */
import { execFile } from 'node:child_process';
import { statfs, mkdir, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import type { Config } from '../config/config.ts';

const run = promisify(execFile);

export interface Verdict {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function audioDevice(): Promise<Verdict> {
  const { AudioContext } = await import('node-web-audio-api');
  try {
    const context = new AudioContext({ latencyHint: 'playback' });
    const detail = `default output opens at ${context.sampleRate} Hz`;
    await context.close();
    return { check: 'audio device', ok: true, detail };
  } catch (err) {
    return {
      check: 'audio device',
      ok: false,
      detail: (err as Error).message,
      fix: "no sound card: the engine will run headless. Connect one, check 'aplay -l', and add the service user to the 'audio' group",
    };
  }
}

async function serialPorts(): Promise<Verdict> {
  try {
    const { SerialPort } = await import('serialport');
    const ports = await SerialPort.list();
    const names = ports.map((p) => p.path + (p.serialNumber ? ` (${p.manufacturer ?? ''} ${p.serialNumber})` : ''));
    return {
      check: 'serial ports',
      ok: true,
      detail: ports.length > 0 ? names.join(', ') : 'none found (fine if every sensor publishes over the network)',
      fix: ports.length > 0 ? 'use the stable /dev/serial/by-id/... names in the sensor config (install/udev/)' : undefined,
    };
  } catch {
    // SerialPort.list() asks udevadm, which minimal systems lack: look at /dev instead.
    const byId = await readdir('/dev/serial/by-id').catch(() => [] as string[]);
    const ttys = (await readdir('/dev').catch(() => [] as string[])).filter((n) => /^tty(USB|ACM|AMA)\d+$/.test(n));
    const found = [...byId.map((n) => `/dev/serial/by-id/${n}`), ...ttys.map((n) => `/dev/${n}`)];
    return {
      check: 'serial ports',
      ok: true,
      detail: found.length > 0 ? found.join(', ') : 'none found (fine if every sensor publishes over the network)',
      fix: 'install udev (apt-get install udev) for full port details and stable /dev/serial/by-id names',
    };
  }
}

async function broker(config: Config): Promise<Verdict> {
  const url = config.broker.embedded ? undefined : config.broker.url;
  if (!url) return { check: 'broker', ok: true, detail: `embedded (aedes) on ${config.broker.host}:${config.broker.port}` };
  try {
    const client = await mqtt.connectAsync(url, { connectTimeout: 4000, reconnectPeriod: 0 });
    await client.endAsync();
    return { check: 'broker', ok: true, detail: `${url} answers` };
  } catch (err) {
    return { check: 'broker', ok: false, detail: `${url}: ${(err as Error).message}`, fix: "start it ('systemctl status mosquitto') or fix broker.url" };
  }
}

async function program(name: string, args: string[], why: string, pkg: string): Promise<Verdict> {
  try {
    const { stdout, stderr } = await run(name, args, { timeout: 5000 });
    return { check: name, ok: true, detail: (stdout || stderr).split('\n')[0]?.slice(0, 80) ?? '' };
  } catch {
    return { check: name, ok: false, detail: `not found (${why})`, fix: `sudo apt-get install ${pkg} (or: bash install/system-packages.sh)` };
  }
}

async function disk(dir: string): Promise<Verdict> {
  try {
    await mkdir(dir, { recursive: true });
    const s = await statfs(dir);
    const freeMiB = (s.bavail * s.bsize) / 2 ** 20;
    const ok = freeMiB > 500;
    return {
      check: 'disk',
      ok,
      detail: `${freeMiB.toFixed(0)} MiB free under ${dir}`,
      fix: ok ? undefined : 'free space: the store and logs need a few hundred MiB (journalctl --vacuum-size=200M)',
    };
  } catch (err) {
    return { check: 'disk', ok: false, detail: (err as Error).message, fix: `create ${dir} writable by the service user` };
  }
}

async function clock(): Promise<Verdict> {
  const year = new Date().getUTCFullYear();
  if (year < 2025) {
    return { check: 'clock', ok: false, detail: `the clock says ${year}`, fix: 'set the time and enable NTP (timedatectl set-ntp true): the day and the sun follow the clock' };
  }
  try {
    const { stdout } = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 3000 });
    const synced = stdout.trim() === 'yes';
    return {
      check: 'clock',
      ok: synced,
      detail: synced ? `${new Date().toISOString()}, NTP synchronised` : `${new Date().toISOString()}, NTP not synchronised`,
      fix: synced ? undefined : 'timedatectl set-ntp true',
    };
  } catch {
    return { check: 'clock', ok: true, detail: `${new Date().toISOString()} (no timedatectl here to check NTP)` };
  }
}

export async function runDoctor(config: Config, varDir: string): Promise<Verdict[]> {
  return Promise.all([
    audioDevice(),
    serialPorts(),
    broker(config),
    program('ffmpeg', ['-version'], 'the web stream and the sky camera need it', 'ffmpeg'),
    disk(varDir),
    clock(),
  ]);
}

export function formatVerdicts(verdicts: readonly Verdict[]): string {
  return verdicts
    .map((v) => `${v.ok ? 'ok  ' : 'FAIL'}  ${v.check.padEnd(13)} ${v.detail}${v.fix && !v.ok ? `\n      fix: ${v.fix}` : v.fix ? `\n      tip: ${v.fix}` : ''}`)
    .join('\n');
}
