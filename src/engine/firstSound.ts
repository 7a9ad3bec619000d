/**
 * When the engine is first heard (issue 9: cold start to first sound <= 3 s): from
 * start-up, the output level /healthz reports is read every 20 ms until it first exceeds
 * FIRST_SOUND_DBFS; that moment, in seconds since the process started, is kept and logged.
 * The meter averages the last ~43 ms of output, so the moment is late by at most that
 * plus one poll.
 */

/** Below this the lobby is silent (the same threshold as the silence alert, docs/operations.md). */
export const FIRST_SOUND_DBFS = -60;
const POLL_MS = 20;

export class FirstSoundWatch {
  /** Seconds from the process's start to the first sound; null until heard. */
  firstSoundS: number | null = null;
  private timer: NodeJS.Timeout | undefined;

  /** `levelDbfs` reads the output level (null or -Infinity when silent). */
  constructor(levelDbfs: () => number | null, onFirstSound: (firstSoundS: number) => void) {
    this.timer = setInterval(() => {
      const level = levelDbfs();
      if (level === null || !(level > FIRST_SOUND_DBFS)) return;
      this.firstSoundS = Number(process.uptime().toFixed(3));
      this.stop();
      onFirstSound(this.firstSoundS);
    }, POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
