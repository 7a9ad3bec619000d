/**
 * A headless engine with the curator panel on port 0, a temporary store with a curator
 * and a viewer, and a small HTTP client that keeps cookies, for the panel tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { LiveEngine } from '../../src/engine/liveEngine.ts';
import { DEFAULT_CONFIG, type Config } from '../../src/config/config.ts';
import { createLogger } from '../../src/log/logger.ts';
import { SkychoirStore } from '../../src/store/store.ts';
import { setPanelPassword } from '../../src/panel/panelUsers.ts';
import { HistoryWriter } from '../../src/store/historyWriter.ts';
import { recordMessage } from '../../src/engine/liveRecorder.ts';
import { parseSensorMessage } from '../../src/ingest/sensorMessage.ts';
import { SkySimulator } from '../../sensors/simulator/skySimulator.ts';

export const CURATOR = { username: 'ada', password: 'a long curator password' };
export const VIEWER = { username: 'vic', password: 'a long viewer password' };

export interface PanelRig {
  engine: LiveEngine;
  base: string;
  dir: string;
  storePath: string;
  logLines: string[];
  /** Stops the engine and starts a new one on the same config and store file (a new port). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `prepare` may fill the store before the engine starts (e.g. a past day of sky with
 * recordPastSky).
 */
export async function startPanelRig(tweak: (config: Config) => void = () => undefined, prepare: (store: SkychoirStore) => void = () => undefined): Promise<PanelRig> {
  const dir = mkdtempSync(join(tmpdir(), 'skychoir-panel-'));
  const storePath = join(dir, 'skychoir.db');
  const store = SkychoirStore.open(storePath);
  setPanelPassword(store, CURATOR.username, 'curator', CURATOR.password);
  setPanelPassword(store, VIEWER.username, 'viewer', VIEWER.password);
  prepare(store);
  store.close();
  const config: Config = structuredClone(DEFAULT_CONFIG);
  config.http.port = 0;
  config.broker.port = 0;
  config.audio.device = 'none';
  config.paths.store = storePath;
  config.sky = { source: 'simulator', scenario: 'flock', file: undefined };
  tweak(config);
  const logLines: string[] = [];
  const startEngine = async (): Promise<LiveEngine> => {
    const engine = new LiveEngine(config, createLogger('test', { write: (l) => logLines.push(l) }));
    await engine.start();
    return engine;
  };
  const engine = await startEngine();
  const rig: PanelRig = {
    engine,
    base: engine.httpUrl ?? '',
    dir,
    storePath,
    logLines,
    restart: async () => {
      await rig.engine.stop();
      rig.engine = await startEngine();
      rig.base = rig.engine.httpUrl ?? '';
    },
    stop: async () => {
      await rig.engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

/** One HTTP request; `body` is sent as JSON unless it is a string. */
export function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...(text !== undefined && !options.headers?.['content-type'] ? { 'content-type': 'application/json' } : {}), ...options.headers };
    const req = request(url, { method: options.method ?? (text === undefined ? 'GET' : 'POST'), headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // not JSON (the page)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** A signed-in client: its cookie, CSRF token and origin go with every change. */
export interface PanelClient {
  cookie: string;
  csrf: string;
  get(path: string): Promise<Reply>;
  post(path: string, body: unknown, extra?: Record<string, string>): Promise<Reply>;
}

export async function signIn(base: string, who: { username: string; password: string }): Promise<PanelClient> {
  const login = await call(`${base}/panel/api/login`, { body: who, headers: { origin: base } });
  if (login.status !== 200) throw new Error(`login ${who.username}: ${login.status} ${login.body}`);
  const setCookie = login.headers['set-cookie']?.[0] ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const csrf = String(login.json.csrfToken);
  return {
    cookie,
    csrf,
    get: (path) => call(`${base}${path}`, { headers: { cookie } }),
    post: (path, body, extra = {}) => call(`${base}${path}`, { body, headers: { cookie, origin: base, 'x-csrf-token': csrf, ...extra } }),
  };
}

/**
 * Fills a store with the sensor history and sky events of a simulated past (the
 * simulator's messages for `hours` before `endMs`, through the engine's own parser and
 * history writer), as a live engine would have recorded it.
 */
export function recordPastSky(store: SkychoirStore, options: { scenario: string; hours: number; endMs: number; site?: string }): void {
  const site = options.site ?? DEFAULT_CONFIG.site;
  const startMs = options.endMs - options.hours * 3600_000;
  const sky = new SkySimulator({ scenario: options.scenario, seed: 7, site, startMs, latitudeDeg: DEFAULT_CONFIG.location.latitudeDeg, longitudeDeg: DEFAULT_CONFIG.location.longitudeDeg });
  const writer = new HistoryWriter(store, { log: createLogger('past-sky', { write: () => undefined }), nowMs: () => options.endMs });
  const encoder = new TextEncoder();
  for (const p of sky.publicationsBetween(startMs, options.endMs)) {
    const parsed = parseSensorMessage(p.topic, encoder.encode(p.payload));
    if (parsed.ok) recordMessage(writer, parsed.message, p.atMs);
  }
  writer.stop();
}
