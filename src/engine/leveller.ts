/**
 * A slow loudness leveller: keeps the piece near the configured target
 * (`audio.loudnessTargetLufs`) over the long run, as broadcast loudness control does,
 * without flattening what the sky does to the music from minute to minute.
 *
 * It hears the graph's momentary loudness every window, takes its own offset back out
 * (so it averages the piece as it would be unlevelled, and cannot chase its own moves),
 * averages that energy over about three minutes (ignoring silence below -60 LUFS), and after
 * a minute of listening moves a master offset towards target minus that average by at most
 * 0.005 dB a window (0.6 dB a minute), within -6..+4 dB. A storm still arrives louder than the calm before it; an hour of a sky that
 * slowly builds is brought back (a frozen sky drifted from -16.8 to -15.9 LUFS over three
 * hours without it: bench/out/long-frozen-3h).
 */

/** Averaging time constant of the loudness heard. */
const AVERAGE_S = 180;
/** Listening before the first move. */
const WARM_UP_S = 60;
/** Largest move per update, in dB (an update per 0.5 s window). */
const STEP_DB = 0.005;
const MIN_OFFSET_DB = -6;
const MAX_OFFSET_DB = 4;
/** Moments below this are silence or near it, not the piece's level. */
const GATE_LUFS = -60;
/** Differences smaller than this are left alone (below what anyone hears over minutes). */
const DEADBAND_LU = 0.3;

export class Leveller {
  private readonly targetLufs: number;
  private energy: number | undefined;
  private heardS = 0;
  private lastS: number | undefined;
  /** The offset to add to the master, dB. */
  offsetDb = 0;
  /** Once started, a move goes all the way (the dead band only decides when to start). */
  private moving = false;

  constructor(targetLufs: number) {
    this.targetLufs = targetLufs;
  }

  /** The loudness of the averaged mix without the leveller's offset, LUFS, once heard. */
  get averageLufs(): number | undefined {
    return this.energy === undefined ? undefined : -0.691 + 10 * Math.log10(this.energy);
  }

  /** One reading of the mix's momentary loudness at audio time nowS; returns the offset. */
  hear(momentaryLufs: number, nowS: number): number {
    const dt = this.lastS === undefined ? 0 : Math.max(0, nowS - this.lastS);
    this.lastS = nowS;
    if (!Number.isFinite(momentaryLufs) || momentaryLufs < GATE_LUFS) return this.offsetDb;
    const e = 10 ** ((momentaryLufs - this.offsetDb + 0.691) / 10);
    const a = 1 - Math.exp(-dt / AVERAGE_S);
    this.energy = this.energy === undefined ? e : this.energy + (e - this.energy) * a;
    this.heardS += dt;
    const average = this.averageLufs;
    if (this.heardS < WARM_UP_S || average === undefined) return this.offsetDb;
    const wanted = Math.max(MIN_OFFSET_DB, Math.min(MAX_OFFSET_DB, this.targetLufs - average));
    const error = wanted - this.offsetDb;
    if (Math.abs(error) > DEADBAND_LU || (Math.abs(error) > STEP_DB && this.moving)) {
      this.offsetDb += Math.max(-STEP_DB, Math.min(STEP_DB, error));
      this.moving = Math.abs(wanted - this.offsetDb) > STEP_DB;
    } else {
      this.moving = false;
    }
    return this.offsetDb;
  }
}
