/**
 * How long a sensor reading takes to move the music: for each accepted sensor message,
 * the time from its timestamp (`ts`, set by the sensor when it measured and published)
 * to the moment the layer targets computed with it were handed to the audio graph (the
 * AudioParam scheduling calls). Kept for the last RECENT messages, for /healthz, /metrics
 * and bench/control-latency.ts.
 */
const RECENT = 4096;

export interface LatencySummary {
  /** Messages measured since start-up. */
  count: number;
  /** Over the last RECENT messages, in ms. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class ControlLatencyLog {
  private readonly ring = new Float64Array(RECENT);
  /** Messages measured since start-up (the ring holds the last RECENT of them). */
  count = 0;

  record(ms: number): void {
    this.ring[this.count % RECENT] = ms;
    this.count++;
  }

  /** The latencies (ms) of the messages measured after the first `since` of them, oldest first (at most RECENT). */
  since(since: number): number[] {
    const from = Math.max(since, this.count - RECENT);
    const out: number[] = [];
    for (let i = from; i < this.count; i++) out.push(this.ring[i % RECENT] ?? 0);
    return out;
  }

  summary(): LatencySummary | null {
    const recent = this.since(0).sort((a, b) => a - b);
    if (recent.length === 0) return null;
    return {
      count: this.count,
      p50: quantile(recent, 0.5),
      p95: quantile(recent, 0.95),
      p99: quantile(recent, 0.99),
      max: recent.at(-1) ?? 0,
    };
  }
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}
