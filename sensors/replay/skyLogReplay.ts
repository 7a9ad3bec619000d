/**
 * Replays a recorded sky log: JSON Lines, one MQTT message a line,
 *   {"at": "2026-10-15T10:00:00.000Z", "topic": "skychoir/<site>/sensor/<id>/state",
 *    "payload": {...} | "online", "retain": true}
 * (docs/contracts.md, "Sky log"). Topics are moved to the replaying site; times can be
 * shifted to start at a given moment (payload timestamps move with them) and the log can
 * loop, so a recorded day plays on for as long as the engine runs.
 */
import { readFileSync } from 'node:fs';
import type { Publication, SkySource } from '../skySource.ts';

export interface SkyLogEntry {
  atMs: number;
  sensorId: string;
  channel: string;
  payload: unknown;
  retain: boolean;
}

export interface SkyLogParse {
  entries: SkyLogEntry[];
  problems: string[];
}

const TOPIC = /^skychoir\/[A-Za-z0-9_-]{1,64}\/sensor\/([A-Za-z0-9_-]{1,64})\/(state|event|availability)$/;
const MAX_LINE = 64 * 1024;

export function parseSkyLog(text: string, origin: string): SkyLogParse {
  const entries: SkyLogEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${origin}:${i + 1}`;
    if (line.trim() === '') return;
    if (line.length > MAX_LINE) return void problems.push(`${where}: line longer than ${MAX_LINE} characters, skipped`);
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      return void problems.push(`${where}: not JSON, skipped`);
    }
    if (typeof obj !== 'object' || obj === null) return void problems.push(`${where}: not an object, skipped`);
    const { at, topic, payload, retain } = obj as Record<string, unknown>;
    const atMs = typeof at === 'string' ? Date.parse(at) : NaN;
    if (!Number.isFinite(atMs)) return void problems.push(`${where}: 'at' is not an ISO 8601 time, skipped`);
    const m = typeof topic === 'string' ? TOPIC.exec(topic) : null;
    if (!m) return void problems.push(`${where}: topic is not skychoir/<site>/sensor/<id>/<channel>, skipped`);
    if (payload === undefined) return void problems.push(`${where}: no payload, skipped`);
    entries.push({ atMs, sensorId: m[1] ?? '', channel: m[2] ?? '', payload, retain: retain === true });
  });
  entries.sort((a, b) => a.atMs - b.atMs);
  return { entries, problems };
}

export interface ReplayOptions {
  site: string;
  /** Shift the log so its first message falls here; by default it plays at its own times. */
  startMs?: number | undefined;
  loop?: boolean;
}

export class SkyLogReplay implements SkySource {
  readonly sensorIds: readonly string[];
  readonly startMs: number;
  readonly problems: string[];
  private readonly entries: SkyLogEntry[];
  private readonly site: string;
  private readonly shiftMs: number;
  private readonly spanMs: number;
  private readonly loop: boolean;
  private readonly origin: string;

  constructor(parsed: SkyLogParse, origin: string, options: ReplayOptions) {
    if (parsed.entries.length === 0) {
      throw new Error(`sky log ${origin}: no usable messages (${parsed.problems.slice(0, 3).join('; ') || 'empty'})`);
    }
    this.entries = parsed.entries;
    this.problems = parsed.problems;
    this.origin = origin;
    this.site = options.site;
    const first = parsed.entries[0]?.atMs ?? 0;
    const last = parsed.entries.at(-1)?.atMs ?? first;
    this.startMs = options.startMs ?? first;
    this.shiftMs = this.startMs - first;
    // One extra second so the first message of a loop never lands on the last one.
    this.spanMs = last - first + 1000;
    this.loop = options.loop ?? false;
    this.sensorIds = [...new Set(parsed.entries.map((e) => e.sensorId))];
  }

  static fromFile(path: string, options: ReplayOptions): SkyLogReplay {
    return new SkyLogReplay(parseSkyLog(readFileSync(path, 'utf8'), path), path, options);
  }

  describe(): string {
    return `replayed sky log ${this.origin} (${this.entries.length} messages${this.loop ? ', looping' : ''})`;
  }

  publicationsBetween(fromMs: number, toMs: number): Publication[] {
    const out: Publication[] = [];
    const firstCycle = this.loop ? Math.max(0, Math.floor((fromMs - this.startMs) / this.spanMs)) : 0;
    const lastCycle = this.loop ? Math.floor((toMs - this.startMs) / this.spanMs) : 0;
    for (let cycle = firstCycle; cycle <= lastCycle; cycle++) {
      const shift = this.shiftMs + cycle * this.spanMs;
      for (const e of this.entries) {
        const atMs = e.atMs + shift;
        if (atMs <= fromMs || atMs > toMs) continue;
        out.push({
          atMs,
          topic: `skychoir/${this.site}/sensor/${e.sensorId}/${e.channel}`,
          payload: typeof e.payload === 'string' ? e.payload : JSON.stringify(withTimestamp(e.payload, atMs)),
          retain: e.retain,
        });
      }
    }
    return out;
  }
}

/** The payload with its `ts` moved to the replay time (other fields untouched). */
function withTimestamp(payload: unknown, atMs: number): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  return { ...payload, ts: new Date(atMs).toISOString() };
}
