/**
 * The engine's configuration: embedded defaults, optionally overridden by a JSON file
 * and by command-line flags. Parsed and validated here, once; an invalid file is refused
 * with a message that names the field.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FreshnessPolicy, SiteLocation } from '../features/featureExtractor.ts';
import { speakerProblems, STEREO_SPEAKERS, type Speaker } from '../audio/speakerLayout.ts';
import { DEFAULT_WEB_STREAM_CONFIG, parseWebStreamConfig, StreamConfigError, type WebStreamConfig } from '../stream/streamConfig.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Config {
  site: string;
  location: SiteLocation;
  seed: number;
  http: { host: string; port: number };
  broker: { embedded: boolean; host: string; port: number; url: string | undefined; usersFile: string | undefined };
  sky: { source: 'simulator' | 'replay' | 'sensors'; scenario: string; file: string | undefined };
  /**
   * loudnessTargetLufs: the integrated loudness the piece is made to (the quality suite's
   * goal, within 1 LU over an hour). -18 LUFS: the quiet end of AES TD1004's streaming
   * range (-18 to -14), a background level for a lobby and the web stream alike.
   */
  /** `speakers`: one output channel each, placed in metres from the middle of the room (docs/architecture.md#space). */
  audio: { device: 'default' | 'none'; masterDb: number; loudnessTargetLufs: number; speakers: Speaker[] };
  paths: { samples: string; model: string; store: string };
  /**
   * A sensor's reading is held this long after its last report (staleAfterS), then drifts
   * to the season's typical value over driftS; /healthz and /metrics call it stale from
   * staleAfterS on (docs/operations.md).
   */
  freshness: FreshnessPolicy;
  /**
   * Sensor readers the engine runs itself, each given as the arguments of `skychoir sensor`
   * (e.g. ["wind", "--format", "nmea", "--port", "/dev/serial/by-id/...", "--id", "roof-wind"]
   * or ["camera", "--input", "/dev/video0", "--lat", "40.7", "--lon=-74"]); they publish on
   * the engine's broker and site.
   */
  readers: string[][];
  /** The web stream (docs/stream.md). */
  stream: WebStreamConfig;
  /** The curator panel at /panel (docs/panel.md). */
  panel: PanelConfig;
  /** Sensor history by the minute and the event log in the store (docs/operations.md). */
  history: HistoryConfig;
}

export interface HistoryConfig {
  /** Days of minute rows kept; older ones are deleted hourly. */
  retentionDays: number;
  /** Days of events kept. */
  eventRetentionDays: number;
}

export interface PanelConfig {
  enabled: boolean;
  /** A session lasts this long after login. */
  sessionHours: number;
  /** Origins (scheme://host[:port]) allowed to change things; empty: the panel's own origin only. */
  allowedOrigins: string[];
  /** Failed logins per IP per minute before 429. */
  loginAttemptsPerMinute: number;
}

/** Sister City hotel, New York, where Kórsafn sang (2020). */
export const DEFAULT_CONFIG: Config = {
  site: 'lobby',
  location: { latitudeDeg: 40.7217, longitudeDeg: -73.9931, timeZone: 'America/New_York' },
  seed: 1,
  http: { host: '127.0.0.1', port: 8080 },
  broker: { embedded: true, host: '127.0.0.1', port: 1883, url: undefined, usersFile: undefined },
  sky: { source: 'simulator', scenario: 'day', file: undefined },
  audio: { device: 'default', masterDb: -3, loudnessTargetLufs: -18, speakers: STEREO_SPEAKERS.map((s) => ({ ...s })) },
  paths: {
    samples: join(PROJECT_ROOT, 'samples'),
    model: join(PROJECT_ROOT, 'models', 'default.onnx'),
    store: join(PROJECT_ROOT, 'var', 'skychoir.db'),
  },
  readers: [],
  // The features' DEFAULT_FRESHNESS: three report intervals of the slowest reader, then 10 minutes.
  freshness: { staleAfterS: 60, driftS: 600 },
  stream: structuredClone(DEFAULT_WEB_STREAM_CONFIG),
  panel: { enabled: true, sessionHours: 12, allowedOrigins: [], loginAttemptsPerMinute: 5 },
  history: { retentionDays: 90, eventRetentionDays: 90 },
};

/** The master volume can never be set above this (the ceiling behind it is -1 dBFS). */
export const MAX_MASTER_DB = 0;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export class ConfigError extends Error {}

function field<T>(obj: Record<string, unknown>, key: string, where: string, check: (v: unknown) => v is T, want: string): T | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (!check(v)) throw new ConfigError(`config ${where}.${key}: want ${want}, got ${JSON.stringify(v)?.slice(0, 60)}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length < 4096;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;
const isSiteName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v);

/** Merges a parsed JSON object over the defaults, validating every field it sets. */
export function parseConfig(input: unknown, base: Config = DEFAULT_CONFIG, baseDir = process.cwd()): Config {
  if (!isRecord(input)) throw new ConfigError('config: want a JSON object');
  const known = ['site', 'location', 'seed', 'http', 'broker', 'sky', 'audio', 'paths', 'stream', 'panel', 'history', 'readers', 'freshness'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new ConfigError(`config: unknown field '${key.slice(0, 40)}' (known: ${known.join(', ')})`);
  }
  const c: Config = structuredClone(base);
  c.site = field(input, 'site', 'config', isSiteName, 'letters, digits, _ or - (1-64)') ?? c.site;
  c.seed = field(input, 'seed', 'config', (v): v is number => Number.isInteger(v), 'an integer') ?? c.seed;
  const section = (name: string): Record<string, unknown> => {
    const v = input[name];
    if (v === undefined) return {};
    if (!isRecord(v)) throw new ConfigError(`config ${name}: want an object`);
    return v;
  };
  const loc = section('location');
  c.location.latitudeDeg = field(loc, 'latitudeDeg', 'location', (v): v is number => isNumber(v) && Math.abs(v) <= 90, 'degrees in -90..90') ?? c.location.latitudeDeg;
  c.location.longitudeDeg = field(loc, 'longitudeDeg', 'location', (v): v is number => isNumber(v) && Math.abs(v) <= 180, 'degrees in -180..180') ?? c.location.longitudeDeg;
  const tz = field(loc, 'timeZone', 'location', isString, 'an IANA time zone');
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
    } catch {
      throw new ConfigError(`config location.timeZone: '${tz}' is not an IANA time zone (e.g. Europe/Reykjavik)`);
    }
    c.location.timeZone = tz;
  }
  const http = section('http');
  c.http.host = field(http, 'host', 'http', isString, 'a host name or address') ?? c.http.host;
  c.http.port = field(http, 'port', 'http', isPort, 'a port 0-65535') ?? c.http.port;
  const broker = section('broker');
  c.broker.embedded = field(broker, 'embedded', 'broker', isBoolean, 'true or false') ?? c.broker.embedded;
  c.broker.host = field(broker, 'host', 'broker', isString, 'a host name or address') ?? c.broker.host;
  c.broker.port = field(broker, 'port', 'broker', isPort, 'a port 0-65535') ?? c.broker.port;
  c.broker.url = field(broker, 'url', 'broker', (v): v is string => isString(v) && /^mqtts?:\/\//.test(v), 'an mqtt:// or mqtts:// URL') ?? c.broker.url;
  const usersFile = field(broker, 'usersFile', 'broker', isString, 'a path to the broker users JSON file');
  if (usersFile) c.broker.usersFile = resolve(baseDir, usersFile);
  if (!c.broker.embedded && !c.broker.url) throw new ConfigError('config broker: with embedded false, set broker.url (e.g. mqtt://localhost:1883)');
  const sky = section('sky');
  c.sky.source = field(sky, 'source', 'sky', (v): v is Config['sky']['source'] => v === 'simulator' || v === 'replay' || v === 'sensors', "'simulator', 'replay' or 'sensors'") ?? c.sky.source;
  c.sky.scenario = field(sky, 'scenario', 'sky', isString, 'a scenario name') ?? c.sky.scenario;
  const file = field(sky, 'file', 'sky', isString, 'a path to a sky log');
  if (file) c.sky.file = resolve(baseDir, file);
  if (c.sky.source === 'replay' && !c.sky.file) throw new ConfigError("config sky: source 'replay' needs sky.file");
  const audio = section('audio');
  c.audio.device = field(audio, 'device', 'audio', (v): v is 'default' | 'none' => v === 'default' || v === 'none', "'default' or 'none'") ?? c.audio.device;
  c.audio.masterDb = field(audio, 'masterDb', 'audio', (v): v is number => isNumber(v) && v <= MAX_MASTER_DB && v >= -60, `dB in -60..${MAX_MASTER_DB}`) ?? c.audio.masterDb;
  c.audio.loudnessTargetLufs = field(audio, 'loudnessTargetLufs', 'audio', (v): v is number => isNumber(v) && v >= -40 && v <= -6, 'LUFS in -40..-6') ?? c.audio.loudnessTargetLufs;
  if (audio.speakers !== undefined) {
    const problems = speakerProblems(audio.speakers);
    if (problems.length > 0) throw new ConfigError(`config audio.${problems.slice(0, 3).join('; ')}`);
    c.audio.speakers = (audio.speakers as Speaker[]).map((s) => ({ name: s.name, x: s.x, y: s.y }));
  }
  const readers = input.readers;
  if (readers !== undefined) {
    if (!Array.isArray(readers) || !readers.every((r) => Array.isArray(r) && r.length > 0 && r.every((a) => typeof a === 'string' && a.length < 4096))) {
      throw new ConfigError('config readers: want a list of argument lists, e.g. [["wind", "--format", "nmea", "--port", "/dev/ttyUSB0", "--id", "roof-wind"]]');
    }
    c.readers = readers as string[][];
  }
  const freshness = section('freshness');
  c.freshness.staleAfterS = field(freshness, 'staleAfterS', 'freshness', (v): v is number => isNumber(v) && v >= 1 && v <= 86_400, 'seconds in 1..86400') ?? c.freshness.staleAfterS;
  c.freshness.driftS = field(freshness, 'driftS', 'freshness', (v): v is number => isNumber(v) && v >= 1 && v <= 604_800, 'seconds in 1..604800') ?? c.freshness.driftS;
  const paths = section('paths');
  const samples = field(paths, 'samples', 'paths', isString, 'a folder');
  if (samples) c.paths.samples = resolve(baseDir, samples);
  const model = field(paths, 'model', 'paths', isString, 'an .onnx file');
  if (model) c.paths.model = resolve(baseDir, model);
  const store = field(paths, 'store', 'paths', isString, 'a SQLite file');
  if (store) c.paths.store = resolve(baseDir, store);
  const panel = section('panel');
  c.panel.enabled = field(panel, 'enabled', 'panel', isBoolean, 'true or false') ?? c.panel.enabled;
  c.panel.sessionHours = field(panel, 'sessionHours', 'panel', (v): v is number => isNumber(v) && v > 0 && v <= 720, 'hours in (0, 720]') ?? c.panel.sessionHours;
  c.panel.allowedOrigins =
    field(panel, 'allowedOrigins', 'panel', (v): v is string[] => Array.isArray(v) && v.every((o) => typeof o === 'string' && /^https?:\/\/[^/\s]+$/.test(o)), 'an array of origins like "https://panel.example.org"') ??
    c.panel.allowedOrigins;
  c.panel.loginAttemptsPerMinute = field(panel, 'loginAttemptsPerMinute', 'panel', (v): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 1000, 'an integer 1..1000') ?? c.panel.loginAttemptsPerMinute;
  const history = section('history');
  for (const key of Object.keys(history)) {
    if (key !== 'retentionDays' && key !== 'eventRetentionDays') throw new ConfigError(`config history: unknown field '${key.slice(0, 40)}' (retentionDays, eventRetentionDays)`);
  }
  const isDays = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 3650;
  c.history.retentionDays = field(history, 'retentionDays', 'history', isDays, 'whole days 1..3650') ?? c.history.retentionDays;
  c.history.eventRetentionDays = field(history, 'eventRetentionDays', 'history', isDays, 'whole days 1..3650') ?? c.history.eventRetentionDays;
  try {
    c.stream = parseWebStreamConfig(input.stream, c.stream, baseDir);
  } catch (err) {
    if (err instanceof StreamConfigError) throw new ConfigError(err.message);
    throw err;
  }
  return c;
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config ${path}: cannot read (${(err as Error).message})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config ${path}: not JSON (${(err as Error).message})`);
  }
  return parseConfig(body, DEFAULT_CONFIG, dirname(resolve(path)));
}
