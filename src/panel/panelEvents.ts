/**
 * The panel's event log: what happened, newest last, bounded. Fed by comparing each live
 * view with the one before (sky events, sensors going stale or offline and back, motifs
 * sung, movement changes) and by the panel itself (changes, training, models).
 */
import type { LiveView } from './liveView.ts';

export interface PanelEvent {
  atMs: number;
  kind: 'sky' | 'sensor' | 'music' | 'change' | 'model' | 'job';
  text: string;
}

export class PanelEventLog {
  readonly #capacity: number;
  readonly #events: PanelEvent[] = [];
  readonly #listeners = new Set<(event: PanelEvent) => void>();
  #previous: LiveView | undefined;
  #lastSkyEventAtMs = 0;

  constructor(capacity = 300) {
    this.#capacity = capacity;
  }

  add(kind: PanelEvent['kind'], text: string, atMs = Date.now()): PanelEvent {
    const event = { atMs, kind, text };
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.splice(0, this.#events.length - this.#capacity);
    for (const listener of this.#listeners) listener(event);
    return event;
  }

  recent(): readonly PanelEvent[] {
    return this.#events;
  }

  onEvent(listener: (event: PanelEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Notes what changed since the last view. */
  observe(view: LiveView): void {
    const before = this.#previous;
    this.#previous = view;
    for (const e of view.events) {
      const atMs = view.atMs - e.agoS * 1000;
      if (atMs <= this.#lastSkyEventAtMs) continue;
      this.#lastSkyEventAtMs = atMs;
      this.add('sky', `${e.kind}${e.count > 1 ? ` (${e.count})` : ''} seen by ${e.sensorId}`, atMs);
    }
    if (!before) return;
    const was = new Map(before.sensors.map((s) => [s.id, s]));
    for (const s of view.sensors) {
      const old = was.get(s.id);
      if (!old) this.add('sensor', `sensor ${s.id} reporting`, view.atMs);
      else if (old.stale !== s.stale) this.add('sensor', s.stale ? `sensor ${s.id} is stale (${s.online ? `${s.ageS ?? '?'} s since its last message` : 'offline'})` : `sensor ${s.id} is fresh again`, view.atMs);
    }
    const music = view.health.music;
    if (music.movement !== before.health.music.movement) this.add('music', `movement: ${music.movement}`, view.atMs);
    const lastMotif = music.motifs.at(-1);
    const beforeMotif = before.health.music.motifs.at(-1);
    const changed = lastMotif && (lastMotif.motif !== beforeMotif?.motif || lastMotif.kind !== beforeMotif.kind || lastMotif.agoS < beforeMotif.agoS);
    if (lastMotif && changed && lastMotif.agoS < 5) {
      this.add('music', `motif '${lastMotif.motif}' for ${lastMotif.kind}`, view.atMs);
    }
  }
}
