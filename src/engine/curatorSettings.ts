/**
 * What the curator sets (from the panel or a file), validated in one place. The settings
 * sit after the model: they shape and cap what it asks for, and no model output can get
 * past them. Every change is applied with ramps by the engine.
 */
import { LAYERS, type LayerName } from '../model/controlVector.ts';
import { SKY_EVENT_KINDS, type SkyEventKind } from '../ingest/sensorMessage.ts';
import { MAX_MASTER_DB } from '../config/config.ts';
import { MOVEMENTS, type MovementName } from '../conductor/piece.ts';

export interface LayerSetting {
  enabled: boolean;
  /** Level trim in dB on top of what the model asks, -24..+6. */
  trimDb: number;
}

export interface CuratorSettings {
  /** Master volume, -60..MAX_MASTER_DB dB; the -1 dBFS ceiling sits after it regardless. */
  masterDb: number;
  layers: Record<LayerName, LayerSetting>;
  /** The register controls are squeezed into this range (0..1, min <= max). */
  register: { min: number; max: number };
  /** Multiplies every density control, 0..2. */
  densityScale: number;
  /** Multiplies every reverb send, 0..2. */
  reverbScale: number;
  /** Quiet hours (local time, "HH:MM"), during which the master drops by volumeDb. */
  quietHours: { enabled: boolean; from: string; to: string; volumeDb: number };
  /** A volume offset in dB for each local hour 0..23, -40..0. */
  volumeByHourDb: number[];
  /** Which sky events the choir answers. */
  motifs: Record<SkyEventKind, boolean>;
  /**
   * The day's movements by local hour: 'sun' lets the sun choose (dawn comes earlier in
   * summer); a movement name holds that movement for the hour, e.g. night from 23:00.
   */
  movementByHour: (MovementName | 'sun')[];
}

export const DEFAULT_CURATOR_SETTINGS: CuratorSettings = {
  masterDb: -3,
  layers: Object.fromEntries(LAYERS.map((l) => [l, { enabled: true, trimDb: 0 }])) as Record<LayerName, LayerSetting>,
  register: { min: 0, max: 1 },
  densityScale: 1,
  reverbScale: 1,
  quietHours: { enabled: false, from: '23:00', to: '07:00', volumeDb: -12 },
  volumeByHourDb: Array.from({ length: 24 }, () => 0),
  motifs: Object.fromEntries(SKY_EVENT_KINDS.map((k) => [k, true])) as Record<SkyEventKind, boolean>,
  movementByHour: Array.from({ length: 24 }, () => 'sun' as const),
};

export class SettingsError extends Error {}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function num(v: unknown, where: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new SettingsError(`${where}: want a number in ${lo}..${hi}, got ${JSON.stringify(v)?.slice(0, 30)}`);
  }
  return v;
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new SettingsError(`${where}: want true or false`);
  return v;
}

/**
 * Applies a partial change (as sent by the panel) over `base`, validating every field it
 * sets; unknown fields are refused, so a typo never silently does nothing.
 */
export function applySettingsChange(base: CuratorSettings, change: unknown): CuratorSettings {
  if (!isRecord(change)) throw new SettingsError('settings: want an object');
  const known = Object.keys(DEFAULT_CURATOR_SETTINGS);
  for (const k of Object.keys(change)) if (!known.includes(k)) throw new SettingsError(`settings: unknown field '${k.slice(0, 40)}'`);
  const s: CuratorSettings = structuredClone(base);
  if (change.masterDb !== undefined) s.masterDb = num(change.masterDb, 'masterDb', -60, MAX_MASTER_DB);
  if (change.layers !== undefined) {
    if (!isRecord(change.layers)) throw new SettingsError('layers: want an object by layer name');
    for (const [name, v] of Object.entries(change.layers)) {
      if (!(LAYERS as readonly string[]).includes(name)) throw new SettingsError(`layers: unknown layer '${name.slice(0, 30)}' (${LAYERS.join(', ')})`);
      if (!isRecord(v)) throw new SettingsError(`layers.${name}: want {enabled, trimDb}`);
      const layer = s.layers[name as LayerName];
      if (v.enabled !== undefined) layer.enabled = bool(v.enabled, `layers.${name}.enabled`);
      if (v.trimDb !== undefined) layer.trimDb = num(v.trimDb, `layers.${name}.trimDb`, -24, 6);
    }
  }
  if (change.register !== undefined) {
    if (!isRecord(change.register)) throw new SettingsError('register: want {min, max}');
    const min = change.register.min === undefined ? s.register.min : num(change.register.min, 'register.min', 0, 1);
    const max = change.register.max === undefined ? s.register.max : num(change.register.max, 'register.max', 0, 1);
    if (min > max) throw new SettingsError(`register: min ${min} is above max ${max}`);
    s.register = { min, max };
  }
  if (change.densityScale !== undefined) s.densityScale = num(change.densityScale, 'densityScale', 0, 2);
  if (change.reverbScale !== undefined) s.reverbScale = num(change.reverbScale, 'reverbScale', 0, 2);
  if (change.quietHours !== undefined) {
    const q = change.quietHours;
    if (!isRecord(q)) throw new SettingsError('quietHours: want {enabled, from, to, volumeDb}');
    if (q.enabled !== undefined) s.quietHours.enabled = bool(q.enabled, 'quietHours.enabled');
    for (const key of ['from', 'to'] as const) {
      if (q[key] === undefined) continue;
      if (typeof q[key] !== 'string' || !HHMM.test(q[key])) throw new SettingsError(`quietHours.${key}: want a time like 22:30`);
      s.quietHours[key] = q[key];
    }
    if (q.volumeDb !== undefined) s.quietHours.volumeDb = num(q.volumeDb, 'quietHours.volumeDb', -60, 0);
  }
  if (change.volumeByHourDb !== undefined) {
    const v = change.volumeByHourDb;
    if (!Array.isArray(v) || v.length !== 24) throw new SettingsError('volumeByHourDb: want 24 numbers (hours 0..23)');
    s.volumeByHourDb = v.map((x, h) => num(x, `volumeByHourDb[${h}]`, -40, 0));
  }
  if (change.movementByHour !== undefined) {
    const v = change.movementByHour;
    const allowed = ['sun', ...MOVEMENTS];
    if (!Array.isArray(v) || v.length !== 24) throw new SettingsError('movementByHour: want 24 entries (hours 0..23)');
    s.movementByHour = v.map((m, h) => {
      if (typeof m !== 'string' || !allowed.includes(m)) throw new SettingsError(`movementByHour[${h}]: want one of ${allowed.join(', ')}`);
      return m as MovementName | 'sun';
    });
  }
  if (change.motifs !== undefined) {
    if (!isRecord(change.motifs)) throw new SettingsError('motifs: want an object by event kind');
    for (const [kind, on] of Object.entries(change.motifs)) {
      if (!(SKY_EVENT_KINDS as readonly string[]).includes(kind)) throw new SettingsError(`motifs: unknown event '${kind.slice(0, 30)}'`);
      s.motifs[kind as SkyEventKind] = bool(on, `motifs.${kind}`);
    }
  }
  return s;
}

const minutes = (hhmm: string): number => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** Is a local time (hours 0..24) inside the quiet hours? Handles spans across midnight. */
export function inQuietHours(settings: CuratorSettings, localHour: number): boolean {
  const q = settings.quietHours;
  if (!q.enabled) return false;
  const t = Math.floor(localHour * 60) % 1440;
  const from = minutes(q.from);
  const to = minutes(q.to);
  return from <= to ? t >= from && t < to : t >= from || t < to;
}

/** The master level in dB at a local hour: master, the hour's offset and quiet hours. */
export function masterDbAt(settings: CuratorSettings, localHour: number): number {
  const hour = Math.min(23, Math.max(0, Math.floor(localHour)));
  const db = settings.masterDb + (settings.volumeByHourDb[hour] ?? 0) + (inQuietHours(settings, localHour) ? settings.quietHours.volumeDb : 0);
  return Math.min(MAX_MASTER_DB, Math.max(-80, db));
}
