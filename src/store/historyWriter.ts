/**
 * Sensor history and the event log, written to the store in batches. Values are folded
 * into one bucket per series per minute in memory (mean, min, max, count; wind direction
 * as a circular mean); every `flushEveryMs` the minutes that have ended and the events
 * logged since are written in one transaction, and once an hour rows and events older
 * than their retention are deleted.
 *
 * Off the audio path and never in its way: nothing is written from the audio callbacks,
 * a batch is a few hundred rows (measured: under 1 ms, 12 ms at worst with its fsync),
 * and a failed write (disk full, a lock held elsewhere past the store's busy timeout) is
 * counted and logged, its rows kept for the next flush (up to a day's worth; beyond
 * that the oldest are dropped and counted). The music never hears about it.
 */
import type { Logger } from '../log/logger.ts';
import { SERIES_NAME, type HistoryRow, type LoggedEvent, type NewLoggedEvent, type SkychoirStore } from './store.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A day of 13 series by the minute: kept while the store cannot be written, then the oldest go. */
const MAX_PENDING_ROWS = 20_000;
const MAX_PENDING_EVENTS = 5_000;
/** Series whose values are angles in degrees: averaged on the circle (350 and 10 make 0, not 180). */
const CIRCULAR_SERIES = new Set(['wind_direction']);

export interface HistoryWriterOptions {
  log: Logger;
  /** Minutes of history older than this are deleted (default 90 days). */
  historyRetentionDays?: number;
  /** Events older than this are deleted (default 90 days). */
  eventRetentionDays?: number;
  /** How often ended minutes and new events are written (default 30 s). */
  flushEveryMs?: number;
  /** How often old rows are deleted (default hourly). */
  pruneEveryMs?: number;
  nowMs?: () => number;
}

export interface HistoryWriterStats {
  rowsWritten: number;
  eventsWritten: number;
  writeErrors: number;
  /** Rows and events given up after the store could not be written for too long. */
  droppedRows: number;
  droppedEvents: number;
  prunedRows: number;
  prunedEvents: number;
  pendingRows: number;
  pendingEvents: number;
}

interface Bucket {
  minuteMs: number;
  series: string;
  sum: number;
  sin: number;
  cos: number;
  min: number;
  max: number;
  count: number;
}

function rowOf(b: Bucket): HistoryRow {
  // Min and max are the values seen; for an angle the mean may lie outside them (350 and
  // 10 degrees: 0). Otherwise rounding could put a mean of equal values a hair outside.
  const mean = CIRCULAR_SERIES.has(b.series)
    ? ((Math.atan2(b.sin, b.cos) * 180) / Math.PI + 360) % 360
    : Math.min(b.max, Math.max(b.min, b.sum / b.count));
  return { minuteMs: b.minuteMs, series: b.series, mean, min: b.min, max: b.max, count: b.count };
}

export class HistoryWriter {
  readonly #store: SkychoirStore;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #historyRetentionMs: number;
  readonly #eventRetentionMs: number;
  readonly #flushEveryMs: number;
  readonly #pruneEveryMs: number;
  /** Buckets by `${minuteMs}|${series}`, in the order they were opened. */
  readonly #buckets = new Map<string, Bucket>();
  #events: NewLoggedEvent[] = [];
  readonly #written = new Set<(rows: readonly HistoryRow[]) => void>();
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;
  readonly #stats: HistoryWriterStats = {
    rowsWritten: 0,
    eventsWritten: 0,
    writeErrors: 0,
    droppedRows: 0,
    droppedEvents: 0,
    prunedRows: 0,
    prunedEvents: 0,
    pendingRows: 0,
    pendingEvents: 0,
  };

  constructor(store: SkychoirStore, options: HistoryWriterOptions) {
    this.#store = store;
    this.#log = options.log;
    this.#now = options.nowMs ?? Date.now;
    this.#historyRetentionMs = (options.historyRetentionDays ?? 90) * DAY_MS;
    this.#eventRetentionMs = (options.eventRetentionDays ?? 90) * DAY_MS;
    this.#flushEveryMs = options.flushEveryMs ?? 30_000;
    this.#pruneEveryMs = options.pruneEveryMs ?? 3600_000;
  }

  /** Starts the flush and prune timers (prunes once at once: a long stop may have left old rows). */
  start(): void {
    this.prune();
    this.#timers.push(setInterval(() => this.flush(), this.#flushEveryMs), setInterval(() => this.prune(), this.#pruneEveryMs));
    for (const t of this.#timers) t.unref();
  }

  /** Folds a value into its series' bucket for the minute of `atMs`. Non-finite values are skipped. */
  add(series: string, value: number, atMs: number = this.#now()): void {
    if (this.#stopped || !Number.isFinite(value) || !SERIES_NAME.test(series)) return;
    const minuteMs = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
    const key = `${minuteMs}|${series}`;
    let b = this.#buckets.get(key);
    if (!b) {
      b = { minuteMs, series, sum: 0, sin: 0, cos: 0, min: value, max: value, count: 0 };
      this.#buckets.set(key, b);
      if (this.#buckets.size > MAX_PENDING_ROWS) this.#dropOldestBucket();
    }
    b.sum += value;
    if (CIRCULAR_SERIES.has(series)) {
      b.sin += Math.sin((value * Math.PI) / 180);
      b.cos += Math.cos((value * Math.PI) / 180);
    }
    if (value < b.min) b.min = value;
    if (value > b.max) b.max = value;
    b.count++;
  }

  #dropOldestBucket(): void {
    const oldest = this.#buckets.keys().next();
    if (oldest.done) return;
    this.#buckets.delete(oldest.value);
    this.#stats.droppedRows++;
  }

  /** Queues an event for the next flush. */
  addEvent(event: NewLoggedEvent): void {
    if (this.#stopped) return;
    this.#events.push(event);
    if (this.#events.length > MAX_PENDING_EVENTS) {
      this.#events.shift();
      this.#stats.droppedEvents++;
    }
  }

  /** Called with the rows of every successful flush (the panel pushes the new minutes). */
  onWritten(listener: (rows: readonly HistoryRow[]) => void): () => void {
    this.#written.add(listener);
    return () => this.#written.delete(listener);
  }

  /** Minutes that have ended but are not written yet, oldest first. */
  pendingRows(): HistoryRow[] {
    const now = this.#now();
    return [...this.#buckets.values()].filter((b) => b.minuteMs + MINUTE_MS <= now).map(rowOf);
  }

  /** Events logged but not written yet, oldest first. */
  pendingEvents(): readonly NewLoggedEvent[] {
    return this.#events;
  }

  /**
   * The stored rows from `fromMs` with the ended minutes not yet written, by minute. A
   * read failure is logged and gives what is in memory.
   */
  history(fromMs: number): HistoryRow[] {
    let stored: HistoryRow[] = [];
    try {
      stored = this.#store.listHistory(fromMs);
    } catch (error) {
      this.#log.warnRepeated('history-read', `history: cannot read the store (${(error as Error).message})`);
    }
    const pending = this.pendingRows().filter((r) => r.minuteMs >= fromMs);
    return pending.length === 0 ? stored : [...stored, ...pending].sort((a, b) => a.minuteMs - b.minuteMs || (a.series < b.series ? -1 : 1));
  }

  /** The newest `limit` events from `sinceMs` (stored and pending), oldest first. */
  events(sinceMs: number, limit: number): (NewLoggedEvent & { id?: number })[] {
    let stored: LoggedEvent[] = [];
    try {
      stored = this.#store.listEvents(sinceMs, limit);
    } catch (error) {
      this.#log.warnRepeated('history-read', `event log: cannot read the store (${(error as Error).message})`);
    }
    const pending = this.#events.filter((e) => e.atMs >= sinceMs);
    return [...stored, ...pending].sort((a, b) => a.atMs - b.atMs).slice(-limit);
  }

  /**
   * Writes the ended minutes (every minute with `all`, at stop) and the queued events in
   * one transaction. Returns true if it wrote (or had nothing to write).
   */
  flush(all = false): boolean {
    const now = this.#now();
    const due = [...this.#buckets.entries()].filter(([, b]) => all || b.minuteMs + MINUTE_MS <= now);
    const events = this.#events;
    if (due.length === 0 && events.length === 0) return true;
    const rows = due.map(([, b]) => rowOf(b));
    try {
      this.#store.recordHistory(rows, events);
    } catch (error) {
      this.#stats.writeErrors++;
      this.#log.warnRepeated('history-write', `history: could not write ${rows.length} rows and ${events.length} events (${(error as Error).message}); kept for the next try, the music goes on`);
      return false;
    }
    for (const [key] of due) this.#buckets.delete(key);
    this.#events = this.#events.slice(events.length);
    this.#stats.rowsWritten += rows.length;
    this.#stats.eventsWritten += events.length;
    if (rows.length > 0) {
      for (const listener of this.#written) {
        try {
          listener(rows);
        } catch (error) {
          this.#log.warnRepeated('history-listener', `history: a listener failed (${(error as Error).message})`);
        }
      }
    }
    return true;
  }

  /** Deletes history and events older than their retention. */
  prune(): void {
    const now = this.#now();
    try {
      this.#stats.prunedRows += this.#store.pruneHistory(now - this.#historyRetentionMs);
      this.#stats.prunedEvents += this.#store.pruneEvents(now - this.#eventRetentionMs);
    } catch (error) {
      this.#stats.writeErrors++;
      this.#log.warnRepeated('history-prune', `history: could not delete old rows (${(error as Error).message}); will try again`);
    }
  }

  stats(): HistoryWriterStats {
    return { ...this.#stats, pendingRows: this.#buckets.size, pendingEvents: this.#events.length };
  }

  /** Writes everything still in memory, the current minute too, and stops. Safe to call twice. */
  stop(): void {
    if (this.#stopped) return;
    for (const t of this.#timers) clearInterval(t);
    this.flush(true);
    this.#stopped = true;
  }
}
