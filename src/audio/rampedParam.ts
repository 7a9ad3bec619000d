/**
 * A declarative target for an AudioParam: "be at v, arriving over r seconds from t".
 * It remembers the ramp it set, so a new target starts from exactly where the old one
 * was at that moment (no jump, no click) without asking the param for its value, which
 * the render thread only knows after the fact.
 */
export class RampedParam {
  private readonly param: AudioParam;
  private fromValue: number;
  private toValue: number;
  private t0 = 0;
  private t1 = 0;

  constructor(param: AudioParam, initial: number) {
    this.param = param;
    this.fromValue = initial;
    this.toValue = initial;
    param.setValueAtTime(initial, 0);
  }

  /** The value this param has at time t, by the ramps we scheduled. */
  valueAt(t: number): number {
    if (t >= this.t1) return this.toValue;
    if (t <= this.t0) return this.fromValue;
    return this.fromValue + ((this.toValue - this.fromValue) * (t - this.t0)) / (this.t1 - this.t0);
  }

  /**
   * Ramps linearly from the value at `time` to `value`, arriving at time + rampS. A target
   * within `tolerance` (relative) of the one already set is left alone: an automated
   * param costs the render thread per sample (a filter recomputes its coefficients), and
   * a 1 % change is below what anyone hears.
   */
  rampTo(value: number, time: number, rampS: number, tolerance = 0): void {
    if (Math.abs(value - this.toValue) <= tolerance * Math.max(Math.abs(this.toValue), 1e-6)) return;
    const start = this.valueAt(time);
    if (Math.abs(start - value) < 1e-6 && this.t1 <= time) return;
    this.param.cancelScheduledValues(time);
    this.param.setValueAtTime(start, time);
    this.param.linearRampToValueAtTime(value, time + rampS);
    this.fromValue = start;
    this.toValue = value;
    this.t0 = time;
    this.t1 = time + rampS;
  }

  get target(): number {
    return this.toValue;
  }
}
