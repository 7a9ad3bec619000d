/**
 * A token bucket (the traffic policer's classic, e.g. RFC 2697's committed burst): up to
 * `burst` spent at once, `perSecond` sustained. The immediate control path spends one per
 * layer-target update, so a burst of readings is heard as it arrives while a flood is held
 * to a steady rate.
 */
export class UpdateBudget {
  private readonly burst: number;
  private readonly perSecond: number;
  private tokens: number;
  private atMs: number;

  constructor(burst: number, perSecond: number, nowMs: number) {
    if (!(burst >= 1) || !(perSecond > 0))
      throw new RangeError(`a budget of ${burst} at once and ${perSecond}/s`);
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.atMs = nowMs;
  }

  /** Milliseconds until one may be spent (0: now). */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  /** Spends one (never below nothing: a clock that steps back costs no debt). */
  spend(nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.max(0, this.tokens - 1);
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.atMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.atMs = Math.max(this.atMs, nowMs);
  }
}
