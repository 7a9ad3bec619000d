/**
 * The AudioContext the choir sings into, kept alive for months: the venue's device when
 * it works, a headless context (no device, same clock, same metering, same stream) when
 * it does not, and back to the device when it returns.
 *
 * How a lost device shows itself, measured on node-web-audio-api 2.2 (cpal on ALSA, here
 * through PulseAudio's ALSA plugin with the sound server killed, test/audioDevice.test.ts):
 * the context's `currentTime` stops advancing while its `state` stays 'running' and no
 * event fires. So the watch is on the clock: a clock that has not moved for `stallS`
 * means the device is gone, whatever the reason (unplugged, sound server gone, driver
 * error, a frozen render thread).
 *
 * Such a context is dead for good: `setSinkId()` and `close()` on it never resolve, and
 * `setSinkId()` towards a device that fails to open kills even a healthy context. So a
 * lost context is abandoned (dropped, never closed) and replaced by a new one; the
 * owner rebuilds its graph on each new context (`onContext`).
 *
 * Worse, the dead stream's output thread (cpal's `cpal_alsa_out`) spins on its error at
 * 70-95 % of a core (measured), which on a 2-core box starves the headless context that
 * replaces it. Nothing in the API stops that thread, so it is quarantined: Linux nice
 * values are per thread, and at nice 19 it only gets CPU nobody else wants. The process
 * still carries it (counted in stats().quarantinedThreads) until it restarts.
 *
 * And opening a device that is not there can block the opening thread for good (seen once
 * in the engine while the sound server was down). So while the device is missing, each
 * retry asks a child process to open it and hear its clock (probeDeviceInChild); the
 * engine opens the device itself only once a child has, and a probe that hangs is killed.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { AudioContext } from 'node-web-audio-api';
import { openWithAudioPriority } from './audioThreads.ts';
import type { Logger } from '../log/logger.ts';

export type OutputDevice = 'default' | 'none';

export interface AudioOutputOptions {
  /** 'default': the system's default output device, headless while it is missing; 'none': always headless. */
  device: OutputDevice;
  log: Logger;
  /**
   * Called with each new context once it runs, before the previous one is released:
   * build the graph on it. `resumeAtS` is the previous context's last advancing time (its
   * clock when the music stopped reaching the device), or undefined at start.
   */
  onContext: (context: AudioContext, change: ContextChange) => void;
  /** A clock still for this long means the device is gone. */
  stallS?: number;
  /** How often the clock is looked at. */
  checkEveryMs?: number;
  /** The device is retried after this long, doubling up to maxRetryMs. */
  firstRetryMs?: number;
  maxRetryMs?: number;
  /** How the contexts are made (tests give headless ones and inject faults). */
  openDevice?: () => AudioContext;
  openHeadless?: () => AudioContext;
  /** Whether the device opens and runs now, asked away from this thread (default: probeDeviceInChild). */
  probeDevice?: () => Promise<DeviceProbe>;
}

export type DeviceProbe = { ok: true } | { ok: false; reason: string };

export interface ContextChange {
  reason: 'start' | 'device lost' | 'device back';
  /**
   * False when the previous context is dead ('device lost'): send it nothing more, not
   * even a dispose (its render thread's message channel never empties; see
   * src/audio/relocatableGraph.ts), and keep its nodes referenced so no finalizer runs.
   */
  previousAlive: boolean;
  /** The previous context's clock when the music last reached its output. */
  previousTimeS: number | undefined;
}

export interface AudioOutputStats {
  /** What plays now: 'default', 'none (headless)' or 'none (headless: device lost, retrying)'. */
  device: string;
  /** True while the context's clock advances (false from a stall until a new context runs). */
  clockAdvancing: boolean;
  deviceLosses: number;
  deviceReturns: number;
  /** Contexts given up for dead and never closed (each holds its native resources). */
  abandonedContexts: number;
  /** Output threads of dead devices moved to nice 19 (they spin; see the top of this file). */
  quarantinedThreads: number;
}

/**
 * Long enough for a loaded machine's render hiccups (through PulseAudio with both cores
 * busy, 1.5 s stalls were common: 1.5 s made the device flap), short enough that the
 * music is back within 5 s when building the new graph takes up to 2 s. A context that
 * was only slow is closed once its clock moves again, and a device that keeps failing is
 * retried less and less often, so a false alarm costs a fade.
 */
const DEFAULT_STALL_S = 2;
const DEFAULT_CHECK_MS = 250;
const DEFAULT_FIRST_RETRY_MS = 1000;
const DEFAULT_MAX_RETRY_MS = 60_000;
/** A clock still for this long gets no param changes until it moves (the watch looks every 250 ms). */
const STILL_MS = 600;
/** A loss this soon after the device came back is flapping: the retries keep backing off. */
const FLAP_WINDOW_MS = 60_000;
/** A probe context on the returned device must show a moving clock within this. */
const PROBE_WAIT_MS = 1500;
/** cpal's ALSA output thread: one per device stream (its name in /proc/self/task/<tid>/comm). */
const DEVICE_OUTPUT_THREAD = 'cpal_alsa_out';
/** Closing a live context takes milliseconds; a dead one never finishes. */
const CLOSE_WAIT_MS = 2000;

/** 48 kHz with the `playback` hint: larger buffers, fewer underruns (docs/operations.md). */
export function openDeviceContext(): AudioContext {
  return new AudioContext({ latencyHint: 'playback', sampleRate: 48000 });
}

export function openHeadlessContext(): AudioContext {
  // node-web-audio-api renders to no device with sinkId {type: 'none'} (Audio Output
  // Devices API); its typings do not list sinkId in the options yet.
  return new AudioContext({ sinkId: { type: 'none' }, latencyHint: 'playback', sampleRate: 48000 } as AudioContextOptions);
}

export class AudioOutput {
  private readonly options: AudioOutputOptions;
  private readonly stallMs: number;
  private current: AudioContext | undefined;
  private onDevice = false;
  private lastTimeS = -1;
  private lastAdvanceMs = 0;
  private advancing = false;
  private retryMs: number;
  private nextRetryAtMs = 0;
  private probe: { context: AudioContext; openedMs: number; startS: number } | undefined;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;
  private losses = 0;
  private returns = 0;
  private abandoned = 0;
  private lostDevice = false;
  private lastReturnMs: number | undefined;
  private readonly quarantined = new Set<number>();
  /** Contexts given up for dead, watched in case one was only slow (then it is closed). */
  private readonly given: { context: AudioContext; lastTimeS: number }[] = [];
  private stopped = false;

  constructor(options: AudioOutputOptions) {
    this.options = options;
    this.stallMs = (options.stallS ?? DEFAULT_STALL_S) * 1000;
    this.retryMs = options.firstRetryMs ?? DEFAULT_FIRST_RETRY_MS;
  }

  /** Opens the device (or headless) and starts watching. Never throws for a missing device. */
  start(): AudioContext {
    let context: AudioContext | undefined;
    if (this.options.device === 'default') {
      try {
        context = this.openDevice();
        this.onDevice = true;
      } catch (err) {
        this.options.log.warn(`no audio device (${(err as Error).message}); rendering headless, /healthz still meters the mix; retrying the device`);
        this.scheduleRetry();
      }
    }
    context ??= this.openHeadless();
    this.current = context;
    this.markFresh();
    this.options.onContext(context, { reason: 'start', previousTimeS: undefined, previousAlive: true });
    this.timer = setInterval(() => this.check(), this.options.checkEveryMs ?? DEFAULT_CHECK_MS);
    return context;
  }

  /**
   * The clock has not moved for a while (more than a render hiccup): send the context
   * nothing that can wait (see ContextChange.previousAlive).
   */
  get still(): boolean {
    return Date.now() - this.lastAdvanceMs > STILL_MS;
  }

  get context(): AudioContext {
    if (!this.current) throw new Error('AudioOutput: start() first');
    return this.current;
  }

  stats(): AudioOutputStats {
    return {
      device: this.onDevice ? 'default' : this.lostDevice ? 'none (headless: device lost, retrying)' : 'none (headless)',
      clockAdvancing: this.advancing,
      deviceLosses: this.losses,
      deviceReturns: this.returns,
      abandonedContexts: this.abandoned,
      quarantinedThreads: this.quarantined.size,
    };
  }

  /** Stops watching and closes the context (a dead one is abandoned, not waited for). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.probe) void closeWithin(this.probe.context, CLOSE_WAIT_MS);
    this.probe = undefined;
    const context = this.current;
    this.current = undefined;
    if (context) await closeWithin(context, CLOSE_WAIT_MS);
  }

  private openDevice(): AudioContext {
    return this.withAudioPriority(this.options.openDevice ?? openDeviceContext);
  }

  private openHeadless(): AudioContext {
    return this.withAudioPriority(this.options.openHeadless ?? openHeadlessContext);
  }

  /** Opens a context whose render thread runs ahead of the rest of the engine (audioThreads.ts). */
  private withAudioPriority(open: () => AudioContext): AudioContext {
    const { context, priority } = openWithAudioPriority(open);
    if (priority.refused) {
      this.options.log.warnRepeated(
        'audio-priority',
        `could not raise the audio thread's priority (${priority.refused}): it keeps the engine's niceness, ` +
          'and a busy machine may make it underrun; allow it with LimitNICE=-15 or CAP_SYS_NICE (docs/operations.md)',
      );
    }
    return context;
  }

  private markFresh(): void {
    this.lastTimeS = this.current?.currentTime ?? -1;
    this.lastAdvanceMs = Date.now();
    this.advancing = true;
  }

  private check(): void {
    if (this.stopped || !this.current) return;
    this.closeRevived();
    const now = Date.now();
    const t = this.current.currentTime;
    if (t > this.lastTimeS) {
      this.lastTimeS = t;
      this.lastAdvanceMs = now;
      this.advancing = true;
    } else if (now - this.lastAdvanceMs > this.stallMs || this.current.state === 'closed') {
      this.advancing = false;
      this.replaceLost(now);
      return;
    } else if (now - this.lastAdvanceMs > Math.min(this.stallMs, 1000)) {
      // Still for a second: not yet declared lost (a loaded machine hiccups), but not singing either.
      this.advancing = false;
    }
    if (this.options.device === 'default' && !this.onDevice) this.tryDevice(now);
  }

  /** The clock stopped: sing on a headless context now, and look for the device again. */
  private replaceLost(now: number): void {
    const dead = this.current as AudioContext;
    const stalledS = ((now - this.lastAdvanceMs) / 1000).toFixed(1);
    const wasDevice = this.onDevice;
    if (wasDevice) {
      this.losses++;
      this.lostDevice = true;
    }
    this.options.log.error(
      `audio ${wasDevice ? 'device' : 'context'} stopped (clock still at ${this.lastTimeS.toFixed(2)} s for ${stalledS} s); ` +
        `singing headless so the stream and the meters go on${this.options.device === 'default' ? ', retrying the device' : ''}`,
    );
    let next: AudioContext;
    try {
      next = this.openHeadless();
    } catch (err) {
      // Nothing to sing into at all: keep the dead one and try again at the next check.
      this.options.log.warnRepeated('audio-headless', `cannot open a headless audio context: ${(err as Error).message}`);
      return;
    }
    const previousTimeS = this.lastTimeS;
    this.current = next;
    this.onDevice = false;
    this.markFresh();
    // A device that fails again soon after it came back is flapping: keep backing off
    // rather than hopping between it and headless every second.
    const flapping = this.lastReturnMs !== undefined && now - this.lastReturnMs < FLAP_WINDOW_MS;
    if (!flapping) this.retryMs = this.options.firstRetryMs ?? DEFAULT_FIRST_RETRY_MS;
    this.nextRetryAtMs = now + this.retryMs;
    if (flapping) this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS);
    this.options.onContext(next, { reason: 'device lost', previousTimeS, previousAlive: false });
    this.abandon(dead);
  }

  /** Opens the device beside the headless context; moves to it once its clock runs. */
  private tryDevice(now: number): void {
    const probe = this.probe;
    if (probe) {
      if (probe.context.currentTime > probe.startS) {
        this.probe = undefined;
        const headless = this.current as AudioContext;
        const previousTimeS = headless.currentTime;
        this.current = probe.context;
        this.onDevice = true;
        this.lostDevice = false;
        this.returns++;
        this.lastReturnMs = now;
        this.markFresh();
        this.options.log.info('audio device is back; singing to it again');
        this.options.onContext(probe.context, { reason: 'device back', previousTimeS, previousAlive: true });
        void closeWithin(headless, CLOSE_WAIT_MS);
      } else if (now - probe.openedMs > PROBE_WAIT_MS) {
        // Opened but silent: perhaps alive and slow, so closed (a live one must not run on
        // unseen); a dead one's close never finishes, and is not waited for.
        this.probe = undefined;
        void closeWithin(probe.context, CLOSE_WAIT_MS);
        this.quarantineDeadOutputThreads();
        this.scheduleRetry();
      }
      return;
    }
    if (now < this.nextRetryAtMs || this.probing) return;
    this.probing = true;
    void (this.options.probeDevice ?? probeDeviceInChild)().then((verdict) => {
      this.probing = false;
      if (this.stopped || this.onDevice || this.probe) return;
      if (!verdict.ok) {
        this.options.log.warnRepeated('audio-device-retry', `audio device still missing (${verdict.reason}); next try in ${Math.round(this.retryMs / 1000)} s`);
        this.scheduleRetry();
        return;
      }
      try {
        const context = this.openDevice();
        this.probe = { context, openedMs: Date.now(), startS: context.currentTime };
      } catch (err) {
        this.options.log.warnRepeated('audio-device-retry', `audio device opened in a probe but not here (${(err as Error).message}); next try in ${Math.round(this.retryMs / 1000)} s`);
        this.scheduleRetry();
      }
    });
  }

  private scheduleRetry(): void {
    this.nextRetryAtMs = Date.now() + this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? DEFAULT_MAX_RETRY_MS);
  }

  /**
   * A dead context's close() never resolves (its render thread is gone), and a pending
   * close would hold a native worker for good, so it is not even asked: the context is
   * dropped and its native resources stay until the process ends (a few MB per lost
   * device; counted in stats().abandonedContexts).
   */
  private abandon(context: AudioContext): void {
    this.abandoned++;
    context.onstatechange = null;
    this.given.push({ context, lastTimeS: context.currentTime });
    this.quarantineDeadOutputThreads();
  }

  /**
   * A context given up for dead whose clock moves again was only slow (a loaded machine):
   * alive, it would go on rendering and hold its device, so it is closed (a live one
   * closes at once). Its graph is still never touched: the owner keeps it as it was.
   */
  private closeRevived(): void {
    for (let i = this.given.length - 1; i >= 0; i--) {
      const g = this.given[i] as { context: AudioContext; lastTimeS: number };
      if (g.context.currentTime <= g.lastTimeS) continue;
      this.given.splice(i, 1);
      this.abandoned--;
      this.options.log.warn(`audio: a context given up for lost runs again (it was only slow); closing it`);
      void closeWithin(g.context, CLOSE_WAIT_MS);
    }
  }

  /**
   * Called only when no device context is alive (the music is on a headless one), so
   * every device output thread there is belongs to a dead stream.
   */
  private quarantineDeadOutputThreads(): void {
    let tasks: string[];
    try {
      tasks = readdirSync('/proc/self/task');
    } catch {
      return; // not Linux: nothing known to spin
    }
    for (const task of tasks) {
      const tid = Number(task);
      if (this.quarantined.has(tid)) continue;
      try {
        if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== DEVICE_OUTPUT_THREAD) continue;
        setPriority(tid, 19);
        this.quarantined.add(tid);
        this.options.log.warn(`audio: the lost device's output thread ${tid} spins; moved to nice 19`);
      } catch {
        // gone meanwhile, or not ours to change
      }
    }
  }
}

/** A probe that has not answered by then is hung in the device's open: killed, and the device counts as missing. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Opens the default device in a child process (the same Node, environment and ALSA
 * configuration), waits for its clock to run, and says whether it did. A child that
 * hangs is killed; the engine's own thread never waits on a missing device.
 */
export function probeDeviceInChild(): Promise<DeviceProbe> {
  const module = import.meta.resolve('node-web-audio-api');
  const script = `
    const { AudioContext } = await import(${JSON.stringify(module)});
    let c;
    try { c = new AudioContext({ latencyHint: 'playback', sampleRate: 48000 }); }
    catch (e) { process.stdout.write(String(e && e.message || e)); process.exit(2); }
    const until = Date.now() + ${PROBE_WAIT_MS};
    while (c.currentTime <= 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const ran = c.currentTime > 0;
    await c.close();
    if (!ran) process.stdout.write('opened, but its clock did not run');
    process.exit(ran ? 0 : 3);`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout) => {
      if (!err) resolve({ ok: true });
      else if ((err as { killed?: boolean }).killed) resolve({ ok: false, reason: `a probe hung opening it for ${PROBE_TIMEOUT_MS / 1000} s` });
      else resolve({ ok: false, reason: stdout.trim().slice(0, 300) || err.message });
    });
  });
}

/** Closes a context, waiting at most `ms` (a dead context never finishes closing). */
export async function closeWithin(context: AudioContext, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = context.close().then(
    () => true,
    () => true,
  );
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  return done;
}
