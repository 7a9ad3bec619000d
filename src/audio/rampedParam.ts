/**
 * A declarative target for an AudioParam: "be at v, arriving over r seconds from t".
 * It remembers the ramps it set, so a new target starts from exactly where the old one
 * was at that moment (no jump, no click) without asking the param for its value, which
 * the render thread only knows after the fact; and so the same trajectory can be carried
 * onto a param of another context (a long render's next segment, a new device).
 *
 * Every change re-issues the planned trajectory from the context's present moment
 * (scheduleCorners): node-web-audio-api's cancelAndHoldAtTime at a future time does not
 * hold (measured: a ramp issued after it starts at once, and the held value is lost), and
 * cancelScheduledValues under a running ramp steps back to the ramp's start (as the spec
 * says it may). Cancelling from "now" and setting the value it has now is exact in both.
 *
 * Times are the caller's (performance time); `origin` is the caller's time at the param's
 * context time 0, and `now()` the caller's present.
 */
interface Ramp {
  at: number;
  from: number;
  to: number;
  until: number;
}

/** Ramps kept for carrying: enough for a pre-roll of a minute at two targets a second. */
const KEEP_RAMPS = 256;

export class RampedParam {
  private param: AudioParam;
  private origin: number;
  private readonly now: () => number;
  private readonly initial: number;
  private ramps: Ramp[] = [];

  constructor(param: AudioParam, initial: number, now: () => number = () => 0, origin = 0) {
    this.param = param;
    this.initial = initial;
    this.now = now;
    this.origin = origin;
    param.setValueAtTime(initial, 0);
  }

  /** The value this param has at time t, by the ramps we scheduled. */
  valueAt(t: number): number {
    return valueOfCorners(this.corners(), t, this.initial);
  }

  /** The trajectory as corners (time, value), linear between them, held after the last. */
  private corners(): [number, number][] {
    const out: [number, number][] = [];
    this.ramps.forEach((r, i) => {
      const next = this.ramps[i + 1];
      out.push([r.at, r.from]);
      if (!next || r.until < next.at) out.push([r.until, r.to]);
      // (else the next ramp starts on this one's line: its own first corner is that point)
    });
    return out;
  }

  /**
   * Ramps linearly from the value at `time` to `value`, arriving at time + rampS. A target
   * within `tolerance` (relative) of the one already set is left alone: an automated
   * param costs the render thread, and a 1 % change is below what anyone hears.
   */
  rampTo(value: number, time: number, rampS: number, tolerance = 0): void {
    const current = this.target;
    if (Math.abs(value - current) <= tolerance * Math.max(Math.abs(current), 1e-6)) return;
    const start = this.valueAt(time);
    const last = this.ramps.at(-1);
    if (Math.abs(start - value) < 1e-6 && (!last || last.until <= time)) return;
    // A later target replaces what was planned from `time` on.
    while ((this.ramps.at(-1)?.at ?? -Infinity) >= time) this.ramps.pop();
    const tail = this.ramps.at(-1);
    if (tail && tail.until > time) tail.until = time; // cut where the new one takes over...
    if (tail && tail.until === time) tail.to = start; // ...at the value it has there
    this.ramps.push({ at: time, from: start, to: value, until: time + Math.max(0, rampS) });
    if (this.ramps.length > KEEP_RAMPS) this.ramps.splice(0, this.ramps.length - KEEP_RAMPS);
    scheduleCorners(this.param, this.corners(), Math.max(this.now(), this.origin), this.origin, 1, this.initial);
  }

  /** Carries the trajectory onto `param`, of a context whose time 0 is the caller's `origin`. */
  carryTo(param: AudioParam, origin: number): void {
    this.param = param;
    this.origin = origin;
    scheduleCorners(param, this.corners(), origin, origin, 1, this.initial);
  }

  get target(): number {
    return this.ramps.at(-1)?.to ?? this.initial;
  }
}

/** The value of corners (linear between, held before the first and after the last) at t. */
export function valueOfCorners(corners: readonly [number, number][], t: number, before = corners[0]?.[1] ?? 0): number {
  const first = corners[0];
  if (!first || t < first[0]) return before;
  for (let i = 1; i < corners.length; i++) {
    const [t1, v1] = corners[i] as [number, number];
    if (t <= t1) {
      const [t0, v0] = corners[i - 1] as [number, number];
      return t1 > t0 ? v0 + ((v1 - v0) * (t - t0)) / (t1 - t0) : v1;
    }
  }
  return corners.at(-1)?.[1] ?? before;
}

/**
 * Plans a param from `fromS` on (caller's time; the param's context starts at `origin`):
 * whatever was scheduled from then is cancelled, the value it has then is set, and it
 * ramps linearly through every later corner. Values are multiplied by `scale`.
 */
export function scheduleCorners(
  param: AudioParam,
  corners: readonly [number, number][],
  fromS: number,
  origin: number,
  scale: number,
  before?: number,
): void {
  const at = Math.max(0, fromS - origin);
  param.cancelScheduledValues(at);
  param.setValueAtTime(valueOfCorners(corners, fromS, before) * scale, at);
  for (const [t, v] of corners) {
    if (t > fromS) param.linearRampToValueAtTime(v * scale, t - origin);
  }
}
