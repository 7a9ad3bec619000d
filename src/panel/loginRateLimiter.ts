/**
 * Failed logins per client address: after `limit` failures within a minute, every login
 * from that address is refused (429, Retry-After) until the minute has passed.
 */
export class LoginRateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, { windowStartMs: number; count: number }>();

  constructor(limit: number, windowMs = 60_000, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Seconds to wait before trying again; 0 when a login may be tried now. */
  retryAfterS(address: string): number {
    const entry = this.#failures.get(address);
    if (!entry) return 0;
    const left = entry.windowStartMs + this.#windowMs - this.#now();
    if (left <= 0) {
      this.#failures.delete(address);
      return 0;
    }
    return entry.count >= this.#limit ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(address: string): void {
    const now = this.#now();
    let entry = this.#failures.get(address);
    if (!entry || now - entry.windowStartMs >= this.#windowMs) {
      // Bounded: a flood from many addresses cannot grow the map without end.
      if (this.#failures.size >= 10_000) this.#sweep(now);
      entry = { windowStartMs: now, count: 0 };
      this.#failures.set(address, entry);
    }
    entry.count++;
  }

  recordSuccess(address: string): void {
    this.#failures.delete(address);
  }

  #sweep(now: number): void {
    for (const [address, e] of this.#failures) if (now - e.windowStartMs >= this.#windowMs) this.#failures.delete(address);
    if (this.#failures.size >= 10_000) this.#failures.clear();
  }
}
