/**
 * What the live engine keeps of its days, in the store (through a HistoryWriter): every
 * sensor reading it accepts, folded into one row per quantity per minute, a few engine
 * measures sampled every 5 s (output level, short-term loudness, novelty, voices), and
 * the event log: sky events as they arrive, events the engine derives from the features
 * (sunrise, sunset, rain onset, pressure jump, cloud front), motifs sung, movement
 * changes, sensors going stale and coming back, model swaps, stream encoder restarts,
 * and what the curator does in the panel. The panel's 24 h charts and its event log
 * read from here, so they survive a restart.
 *
 * Everything is read from the engine on timers (1 s for events, 5 s for measures) or
 * handed over by ingest; nothing runs on the audio thread.
 */
import type { SensorMessage } from '../ingest/sensorMessage.ts';
import type { LiveLoudness } from '../analysis/liveLoudness.ts';
import { DerivedEventDetector } from '../features/derivedEvents.ts';
import { FEATURE_NAMES } from '../features/featureVector.ts';
import type { HistoryRow } from '../store/store.ts';
import type { HistoryWriter, HistoryWriterStats } from '../store/historyWriter.ts';
import type { HealthReport } from './liveEngine.ts';

export type LoggedEventKind = 'sky' | 'sensor' | 'music' | 'change' | 'model' | 'job' | 'fault';

export interface RecordedEvent {
  atMs: number;
  kind: LoggedEventKind | string;
  text: string;
}

/** One minute of the charts: each series' mean over the minute (null: nothing that minute). */
export interface HistorySample {
  atMs: number;
  values: Record<string, number | null>;
}

/** The engine measures kept beside the sensor quantities. */
export const ENGINE_SERIES = ['output_rms_dbfs', 'loudness_short_term_lufs', 'novelty', 'voices'] as const;

/** What the recorder reads of the engine. */
export interface RecordedEngine {
  health(): HealthReport;
  /** The live mix's loudness now. */
  loudness(): LiveLoudness;
  /** Motifs the conductor started, most recent last, at performance time `atS`. */
  motifsPlayed(): readonly { kind: string; motif: string; atS: number }[];
  /** The performance clock now, seconds (the time base of motifsPlayed). */
  audioTimeS(): number;
}

export interface LiveRecorderOptions {
  /** How often engine measures are sampled (default 5 s). */
  sampleEveryMs?: number;
  /** How often the engine is looked at for events (default 1 s). */
  observeEveryMs?: number;
  nowMs?: () => number;
}

/** Groups history rows (any order) into one chart sample per minute, oldest first. */
export function historySamples(rows: readonly HistoryRow[]): HistorySample[] {
  const byMinute = new Map<number, HistorySample>();
  for (const r of rows) {
    let s = byMinute.get(r.minuteMs);
    if (!s) {
      s = { atMs: r.minuteMs, values: {} };
      byMinute.set(r.minuteMs, s);
    }
    s.values[r.series] = Math.round(r.mean * 1000) / 1000;
  }
  return [...byMinute.values()].sort((a, b) => a.atMs - b.atMs);
}

/**
 * Records one accepted sensor message: its readings into the minute history, a sky event
 * into the event log (returned). The live recorder and tools that fill a store from a
 * recorded sky both use it.
 */
export function recordMessage(writer: HistoryWriter, message: SensorMessage, atMs: number): RecordedEvent | undefined {
  if (message.kind === 'state') {
    for (const r of message.readings) writer.add(r.quantity, r.value, atMs);
    return undefined;
  }
  if (message.kind !== 'event') return undefined;
  const event: RecordedEvent = { atMs, kind: 'sky', text: `${message.event}${message.count > 1 ? ` (${message.count})` : ''} seen by ${message.sensorId}` };
  writer.addEvent(event);
  return event;
}

export class LiveRecorder {
  readonly #writer: HistoryWriter;
  readonly #engine: RecordedEngine;
  readonly #now: () => number;
  readonly #sampleEveryMs: number;
  readonly #observeEveryMs: number;
  readonly #listeners = new Set<(event: RecordedEvent) => void>();
  readonly #derived = new DerivedEventDetector();
  readonly #timers: NodeJS.Timeout[] = [];
  #sensors = new Map<string, { stale: boolean }>();
  #movement: string | undefined;
  #model: string | undefined;
  #lastMotifAtS = -Infinity;
  #encoderRestarts = new Map<string, number>();

  constructor(writer: HistoryWriter, engine: RecordedEngine, options: LiveRecorderOptions = {}) {
    this.#writer = writer;
    this.#engine = engine;
    this.#now = options.nowMs ?? Date.now;
    this.#sampleEveryMs = options.sampleEveryMs ?? 5000;
    this.#observeEveryMs = options.observeEveryMs ?? 1000;
  }

  start(): void {
    this.#writer.start();
    this.#timers.push(
      setInterval(() => this.observe(), this.#observeEveryMs),
      setInterval(() => this.sample(), this.#sampleEveryMs),
    );
    for (const t of this.#timers) t.unref();
  }

  /** An accepted sensor message (not a broker's retained copy: that one was recorded when it was new). */
  heard(message: SensorMessage, atMs: number = this.#now()): void {
    const event = recordMessage(this.#writer, message, atMs);
    if (event) this.#tell(event);
  }

  /** Logs an event (stored with the next flush) and tells the listeners (the panel). */
  log(kind: LoggedEventKind, text: string, atMs: number = this.#now()): RecordedEvent {
    const event: RecordedEvent = { atMs, kind, text };
    this.#writer.addEvent(event);
    this.#tell(event);
    return event;
  }

  #tell(event: RecordedEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own (the panel logs its push errors)
      }
    }
  }

  onEvent(listener: (event: RecordedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells `listener` of the minutes each flush writes, as chart samples. */
  onMinutes(listener: (samples: HistorySample[]) => void): () => void {
    return this.#writer.onWritten((rows) => listener(historySamples(rows)));
  }

  /** The charts from `sinceMs`: stored minutes and those ended but not yet written. */
  history(sinceMs: number): HistorySample[] {
    return historySamples(this.#writer.history(sinceMs));
  }

  /** The newest `limit` events from `sinceMs`, oldest first. */
  events(sinceMs: number, limit = 300): RecordedEvent[] {
    return this.#writer.events(sinceMs, limit).map((e) => ({ atMs: e.atMs, kind: e.kind, text: e.text }));
  }

  stats(): HistoryWriterStats {
    return this.#writer.stats();
  }

  /** Samples the engine measures into the history. */
  sample(): void {
    const atMs = this.#now();
    try {
      const h = this.#engine.health();
      const loudness = this.#engine.loudness();
      if (h.audio.rmsDbfs !== null) this.#writer.add('output_rms_dbfs', h.audio.rmsDbfs, atMs);
      if (loudness.shortTermLufs !== null) this.#writer.add('loudness_short_term_lufs', Math.round(loudness.shortTermLufs * 100) / 100, atMs);
      if (h.features.novelty !== undefined) this.#writer.add('novelty', h.features.novelty, atMs);
      this.#writer.add('voices', h.audio.voices, atMs);
    } catch {
      // The engine is starting or stopping: the next sample will do.
    }
  }

  /** Looks at the engine for what changed since the last look, and logs it. */
  observe(): void {
    const atMs = this.#now();
    let h: HealthReport;
    try {
      h = this.#engine.health();
    } catch {
      return;
    }
    this.#observeSensors(h, atMs);
    if (this.#movement !== undefined && h.music.movement !== this.#movement) this.log('music', `movement: ${h.music.movement}`, atMs);
    this.#movement = h.music.movement;
    if (this.#model !== undefined && h.model.version !== this.#model) this.log('model', `now playing model ${h.model.version} (was ${this.#model})`, atMs);
    this.#model = h.model.version;
    this.#observeMotifs(atMs);
    // The events the performance derives from the features, seen again by a detector of
    // our own on the same features (the performance keeps its own to itself).
    const features = Float32Array.from(FEATURE_NAMES, (n) => h.features[n] ?? 0);
    if (h.audio.voicesStarted > 0) {
      for (const kind of this.#derived.update(features, atMs)) this.log('sky', `${kind.replace('_', ' ')} (derived from the features)`, atMs);
    }
    for (const e of h.stream?.encoders ?? []) {
      const before = this.#encoderRestarts.get(e.name) ?? 0;
      if (e.restarts > before) this.log('fault', `stream encoder ${e.name} restarted (${e.restarts} restarts${e.lastError ? `; ${e.lastError.slice(0, 120)}` : ''})`, atMs);
      this.#encoderRestarts.set(e.name, e.restarts);
    }
  }

  #observeSensors(h: HealthReport, atMs: number): void {
    const now = new Map<string, { stale: boolean }>();
    for (const s of h.sensors) {
      // As the engine judges it (config freshness.staleAfterS), as /healthz and the panel show it.
      const stale = !s.online || s.stale;
      now.set(s.id, { stale });
      const was = this.#sensors.get(s.id);
      if (!was) this.log('sensor', `sensor ${s.id} reporting`, atMs);
      else if (was.stale !== stale) {
        if (stale) this.log('fault', `sensor ${s.id} is stale (${s.online ? `${s.ageS ?? '?'} s since its last message` : 'offline'})`, atMs);
        else this.log('sensor', `sensor ${s.id} is fresh again`, atMs);
      }
    }
    this.#sensors = now;
  }

  #observeMotifs(atMs: number): void {
    const played = this.#engine.motifsPlayed();
    const audioNow = this.#engine.audioTimeS();
    for (const m of played) {
      if (m.atS <= this.#lastMotifAtS) continue;
      this.#lastMotifAtS = m.atS;
      // Motifs are planned up to 0.6 s ahead: logged at the moment they sound.
      this.log('music', `motif '${m.motif}' for ${m.kind.replace('_', ' ')}`, Math.round(atMs + (m.atS - audioNow) * 1000));
    }
  }

  /** Stops the timers and writes what is left (the current minute too). */
  stop(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.length = 0;
    this.#writer.stop();
  }
}
