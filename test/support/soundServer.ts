/**
 * A sound device that can vanish and come back, without sound hardware: a private
 * PulseAudio server (Debian package `pulseaudio`) with one null sink, and an ALSA
 * configuration (`.asoundrc` in a HOME of its own) that makes ALSA's `default` PCM go to
 * it through the pulse plugin (`libasound2-plugins`). node-web-audio-api opens `default`
 * through cpal and ALSA exactly as it opens a sound card; killing the server is, for the
 * engine, the device disappearing (the PCM errors, its stream dies); starting it again on
 * the same socket is the device coming back. `monitorRms` records what reached the sink.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface SoundServer {
  /** Environment for a process whose ALSA `default` is this server's null sink. */
  env: Record<string, string>;
  running: boolean;
  /** Kills the server at once (SIGKILL): the device is gone. */
  vanish(): Promise<void>;
  /** Starts it again on the same socket: the device is back. */
  restore(): Promise<void>;
  /** Playback streams connected to the sink now. */
  sinkInputs(): Promise<number>;
  /**
   * RMS (dBFS) of `ms` of what the sink played, from its monitor source: recorded until
   * that much audio has arrived (a loaded machine starts parec slowly), at most 10 s.
   */
  monitorRms(ms: number): Promise<number>;
  stop(): Promise<void>;
}

const SINK = 'lobby';

export async function startSoundServer(dir: string): Promise<SoundServer> {
  const home = join(dir, 'home');
  const run = join(dir, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(run, { recursive: true });
  const socket = join(run, 'native');
  writeFileSync(join(home, '.asoundrc'), `pcm.!default { type pulse server "unix:${socket}" }\nctl.!default { type pulse server "unix:${socket}" }\n`);
  const serverEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: run, PULSE_RUNTIME_PATH: run };
  const clientEnv = { PULSE_SERVER: `unix:${socket}`, HOME: home };
  let child: ChildProcess | undefined;
  let log = '';

  const pactl = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile('pactl', args, { env: { ...process.env, ...clientEnv }, timeout: 5000 }, (err, out) => (err ? reject(err) : resolve(out))),
    );

  const start = async (): Promise<void> => {
    if (existsSync(socket)) rmSync(socket); // left by a killed server
    log = '';
    child = spawn(
      'pulseaudio',
      [
        '-n', // no default script: only the modules below
        '--daemonize=no',
        '--exit-idle-time=-1',
        '--use-pid-file=no',
        '--disable-shm=yes',
        `--load=module-null-sink sink_name=${SINK} rate=48000`,
        `--load=module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
        '--log-target=stderr',
      ],
      { env: serverEnv, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const started = Date.now();
    for (;;) {
      try {
        if ((await pactl(['list', 'short', 'sinks'])).includes(SINK)) return;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null || Date.now() - started > 10000) throw new Error(`pulseaudio did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    env: clientEnv,
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    vanish: kill,
    restore: start,
    sinkInputs: async () => (await pactl(['list', 'short', 'sink-inputs'])).split('\n').filter((l) => l.trim() !== '').length,
    monitorRms: (ms) =>
      new Promise((resolve, reject) => {
        const rec = spawn('parec', ['-d', `${SINK}.monitor`, '--format=s16le', '--rate=48000', '--channels=2', '--latency-msec=50'], {
          env: { ...process.env, ...clientEnv },
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const chunks: Buffer[] = [];
        const wantBytes = Math.round((ms / 1000) * 48000) * 4;
        let got = 0;
        rec.stdout.on('data', (d: Buffer) => {
          chunks.push(d);
          got += d.length;
          if (got >= wantBytes) rec.kill('SIGTERM');
        });
        rec.on('error', reject);
        setTimeout(() => rec.kill('SIGTERM'), 10_000);
        rec.on('exit', () => {
          const pcm = Buffer.concat(chunks);
          let sum = 0;
          const n = Math.floor(pcm.length / 2);
          for (let i = 0; i < n; i++) sum += (pcm.readInt16LE(i * 2) / 32768) ** 2;
          resolve(n > 0 && sum > 0 ? 10 * Math.log10(sum / n) : -Infinity);
        });
      }),
    stop: kill,
  };
}
