/** Watches an in-process engine's output level every 200 ms: the longest stretch under -60 dBFS. */
import type { LiveEngine } from '../../src/engine/liveEngine.ts';

export interface SilenceWatch {
  /** The longest silence seen since the start (or the last reset), in seconds. */
  readonly longestS: number;
  /** Forgets what was seen so far (e.g. the engine's own entrance). */
  reset(): void;
  stop(): void;
}

export function watchSilence(engine: Pick<LiveEngine, 'health'>): SilenceWatch {
  let longestS = 0;
  let silentSince: number | undefined;
  const timer = setInterval(() => {
    const rms = engine.health().audio.rmsDbfs;
    if (rms === null || rms < -60) {
      silentSince ??= Date.now();
      longestS = Math.max(longestS, (Date.now() - silentSince) / 1000);
    } else silentSince = undefined;
  }, 200);
  return {
    get longestS() {
      return longestS;
    },
    reset: () => {
      longestS = 0;
      silentSince = undefined;
    },
    stop: () => clearInterval(timer),
  };
}
