/**
 * The audio render thread's priority. node-web-audio-api renders on a native thread of its
 * own (one per context: cpal's device thread, or the headless sink's), which inherits the
 * process's niceness; on a small box it shares two or four cores with the JavaScript
 * thread, the stream's encoders and the camera. A render quantum is due every 2.7 ms, and
 * a thread kept waiting past that is an underrun: the lobby hears a click. So the threads
 * a context starts are given a higher priority than the rest of the engine, as sound
 * servers do (PipeWire and PulseAudio ask rtkit for the same), with setpriority(2) on the
 * thread (Linux: a thread id is a process id to it; os.setPriority passes it on).
 *
 * Lowering a niceness needs CAP_SYS_NICE or an RLIMIT_NICE that allows it: the systemd
 * unit sets `LimitNICE=` for it (install/systemd/skychoir.service). Refused, the thread
 * keeps the process's niceness and the engine says so once; the music is the same.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The render thread's niceness: well above the engine's -5 (the unit's Nice=), under the kernel's own. */
export const AUDIO_THREAD_NICE = -15;

/** The process's threads now (Linux: /proc/self/task); empty where there is no /proc. */
export function threadIds(): Set<number> {
  try {
    return new Set(readdirSync('/proc/self/task').map(Number));
  } catch {
    return new Set();
  }
}

export interface AudioThreadPriority {
  /** Threads given the audio priority. */
  raised: number[];
  /** Why it was refused, if it was (the threads after the refusal keep the process's niceness). */
  refused?: string;
}

/**
 * Opens a context (`open`) and gives the threads it started `nice`. Threads are started
 * by the context's constructor, so those new after it are its own.
 */
export function openWithAudioPriority<T>(
  open: () => T,
  nice = AUDIO_THREAD_NICE,
): { context: T; priority: AudioThreadPriority } {
  const before = threadIds();
  const context = open();
  const priority: AudioThreadPriority = { raised: [] };
  for (const tid of threadIds()) {
    if (before.has(tid)) continue;
    try {
      setPriority(tid, nice);
      priority.raised.push(tid);
    } catch (err) {
      priority.refused = (err as Error).message;
      break;
    }
  }
  return { context, priority };
}
