/**
 * The panel's HTTP API under /panel/api/. Reading needs a session (curator or viewer);
 * every change needs a curator's session, a request from the panel's own origin and the
 * session's CSRF token in a header, a JSON body under 64 KiB, and passes the same
 * validation as everything else (applySettingsChange); each change is audited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type MethodRoute, type RouteHandler } from '../http/httpServer.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { PanelSessionRow, SkychoirStore } from '../store/store.ts';
import { SettingsError, type CuratorSettings } from '../engine/curatorSettings.ts';
import { FEATURE_NAMES, FEATURE_VERSION } from '../features/featureVector.ts';
import { CONTROL_NAMES, CONTROL_VERSION } from '../model/controlVector.ts';
import { SCENARIOS } from '../../sensors/simulator/scenarios.ts';
import { SKY_EVENT_KINDS } from '../ingest/sensorMessage.ts';
import { LAYERS } from '../model/controlVector.ts';
import { checkLogin } from './panelUsers.ts';
import { hasCsrfToken, sessionCookie, type PanelSessions } from './panelSessions.ts';
import { originProblem, servedOverHttps } from './originCheck.ts';
import type { LoginRateLimiter } from './loginRateLimiter.ts';
import { AuditLog, changedFields } from './auditLog.ts';
import { PanelHttpError, readJsonBody } from './requestBody.ts';
import { liveView, type PanelEngine } from './liveView.ts';
import type { LiveRecorder } from '../engine/liveRecorder.ts';
import { JobBusyError, type PanelJobs } from './panelJobs.ts';
import { PREVIEW_SECONDS, parsePreviewRequest, type PreviewRenderer } from './previewRenderer.ts';
import { COMPOSED_SKY_FIELDS, ComposedSkyError, composedSkyFeatures, parseComposedSky } from './composedSky.ts';
import { panelPageHtml } from './panelPage.ts';
import { sunMovementsToday } from './sunSchedule.ts';
import { MOVEMENTS } from '../conductor/piece.ts';

export const SETTINGS_KEY = 'curator.settings';
/** The charts cover the last 24 h; the event log shows the newest 300 events, however old. */
const HISTORY_SPAN_MS = 24 * 3600_000;
const EVENTS_SHOWN = 300;

export interface PanelApiParts {
  engine: PanelEngine;
  store: SkychoirStore;
  config: Config;
  log: Logger;
  sessions: PanelSessions;
  limiter: LoginRateLimiter;
  audit: AuditLog;
  /** The engine's record in the store: the 24 h charts and the event log. */
  record: LiveRecorder;
  jobs: PanelJobs;
  previews: PreviewRenderer;
  /** Starts a training job (trainJob.ts) and returns it. */
  train(who: string): ReturnType<PanelJobs['start']>;
  /** The model version playing (or the shipped default). */
  playing(): string;
  /** Makes a stored version active (or rolls back) and swaps the engine to it. */
  activate(version: string | undefined, who: string): Promise<string>;
  /** Announces new settings (to WebSocket clients). */
  settingsChanged(settings: CuratorSettings): void;
}

type Session = PanelSessionRow & { token: string };
type Handler = (req: IncomingMessage, res: ServerResponse, session: Session) => Promise<void> | void;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const PRESET_NAME = /^[\p{L}\p{N} _.-]{1,60}$/u;

function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function fail(res: ServerResponse, error: unknown, log: Logger): void {
  if (res.headersSent) return void res.destroy();
  if (error instanceof PanelHttpError) {
    if (error.status === 413) res.setHeader('connection', 'close');
    return sendJson(res, error.status, { error: error.message });
  }
  if (error instanceof SettingsError || error instanceof ComposedSkyError) return sendJson(res, 400, { error: error.message });
  if (error instanceof JobBusyError) return sendJson(res, 409, { error: error.message });
  log.error(`panel: ${(error as Error).message}`);
  sendJson(res, 500, { error: (error as Error).message });
}

export function panelRoutes(p: PanelApiParts): Record<string, RouteHandler | MethodRoute> {
  const allowed = p.config.panel.allowedOrigins;

  /** A route for anyone signed in (GET). */
  const read = (handler: Handler): RouteHandler => (req, res) => {
    const session = p.sessions.fromRequest(req);
    if (!session) return sendJson(res, 401, { error: 'sign in first' });
    Promise.resolve(handler(req, res, session)).catch((error: unknown) => fail(res, error, p.log));
  };

  /** A route that changes something (POST): curator, own origin, CSRF token. */
  const change = (handler: Handler): MethodRoute => ({
    methods: ['POST'],
    handler: (req, res) => {
      const session = p.sessions.fromRequest(req);
      if (!session) return sendJson(res, 401, { error: 'sign in first' });
      const problem = originProblem(req, allowed);
      if (problem) return sendJson(res, 403, { error: problem });
      if (!hasCsrfToken(req, session)) return sendJson(res, 403, { error: 'missing or wrong CSRF token (reload the panel)' });
      if (session.role !== 'curator') return sendJson(res, 403, { error: `${session.username} is a viewer: only a curator may change things` });
      Promise.resolve(handler(req, res, session)).catch((error: unknown) => fail(res, error, p.log));
    },
  });

  const login: MethodRoute = {
    methods: ['POST'],
    handler: (req, res) => {
      const problem = originProblem(req, allowed);
      if (problem) return sendJson(res, 403, { error: problem });
      const address = clientAddress(req);
      const wait = p.limiter.retryAfterS(address);
      if (wait > 0) {
        res.setHeader('retry-after', String(wait));
        return sendJson(res, 429, { error: `too many failed logins; try again in ${wait} s` });
      }
      readJsonBody(req)
        .then((body) => {
          const username = isRecord(body) && typeof body.username === 'string' ? body.username : '';
          const password = isRecord(body) && typeof body.password === 'string' ? body.password : '';
          const user = checkLogin(p.store, username, password);
          if (!user) {
            p.limiter.recordFailure(address);
            p.log.warn('panel login failed', { user: username.slice(0, 64), address });
            return sendJson(res, 401, { error: 'wrong user name or password' });
          }
          p.limiter.recordSuccess(address);
          const session = p.sessions.create(user.username);
          res.setHeader('set-cookie', sessionCookie(session.token, p.sessions.lifetimeMs / 1000, servedOverHttps(req, allowed)));
          p.log.info('panel login', { user: user.username, role: user.role });
          sendJson(res, 200, { user: user.username, role: user.role, csrfToken: session.csrfToken, expiresMs: session.expiresMs });
        })
        .catch((error: unknown) => fail(res, error, p.log));
    },
  };

  const settingsChange = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const body = await readJsonBody(req);
    const before = p.engine.settings;
    const after = p.engine.updateSettings(body);
    const fields = changedFields(before, after);
    if (fields.length > 0) {
      p.store.setSetting(SETTINGS_KEY, JSON.stringify(after));
      p.audit.record(session.username, 'settings', fields);
      p.record.log('change', `${session.username} changed ${fields.map((f) => f.path).join(', ')}`);
      p.settingsChanged(after);
    }
    sendJson(res, 200, { settings: after, changed: fields });
  };

  const presets = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const body = await readJsonBody(req);
    if (!isRecord(body) || typeof body.name !== 'string') throw new PanelHttpError(400, 'preset: want {action: save, recall or delete, name}');
    if (!PRESET_NAME.test(body.name)) throw new PanelHttpError(400, 'preset name: use 1-60 letters, digits, spaces, _ . or -');
    const name = body.name;
    if (body.action === 'save') {
      p.store.savePreset(name, p.engine.settings, session.username);
      p.audit.record(session.username, 'preset.save', { name });
    } else if (body.action === 'recall') {
      const preset = p.store.getPreset(name);
      if (!preset) throw new PanelHttpError(404, `no preset '${name}'`);
      const before = p.engine.settings;
      const after = p.engine.updateSettings(preset.settings);
      p.store.setSetting(SETTINGS_KEY, JSON.stringify(after));
      p.audit.record(session.username, 'preset.recall', { name, changed: changedFields(before, after) });
      p.record.log('change', `${session.username} recalled preset '${name}'`);
      p.settingsChanged(after);
    } else if (body.action === 'delete') {
      if (!p.store.deletePreset(name)) throw new PanelHttpError(404, `no preset '${name}'`);
      p.audit.record(session.username, 'preset.delete', { name });
    } else {
      throw new PanelHttpError(400, 'preset.action: want save, recall or delete');
    }
    sendJson(res, 200, { presets: p.store.listPresets(), settings: p.engine.settings });
  };

  const addExample = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const body = await readJsonBody(req);
    if (!isRecord(body)) throw new PanelHttpError(400, 'example: want {sky: "current" or a composed sky, controls, note?}');
    let features: number[];
    let skyLabel: unknown;
    if (body.sky === 'current') {
      const f = p.engine.health().features;
      features = FEATURE_NAMES.map((n) => f[n] ?? 0);
      skyLabel = 'current';
    } else {
      const sky = parseComposedSky(body.sky);
      features = Array.from(composedSkyFeatures(sky, { site: p.config.site, location: p.config.location }));
      skyLabel = sky;
    }
    if (!isRecord(body.controls)) throw new PanelHttpError(400, `example.controls: want the mix by control name (${CONTROL_NAMES.join(', ')})`);
    const given = body.controls;
    for (const k of Object.keys(given)) if (!CONTROL_NAMES.includes(k)) throw new PanelHttpError(400, `example.controls: unknown control '${k.slice(0, 40)}'`);
    const controls = CONTROL_NAMES.map((name) => {
      const v = given[name];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw new PanelHttpError(400, `example.controls.${name}: want a number in 0..1, got ${JSON.stringify(v)?.slice(0, 30)}`);
      return v;
    });
    const note = typeof body.note === 'string' ? body.note.slice(0, 200) : '';
    const row = p.store.addExample({ features, controls, featureVersion: FEATURE_VERSION, controlVersion: CONTROL_VERSION, who: session.username, note });
    p.audit.record(session.username, 'example.add', { id: row.id, sky: skyLabel, note });
    p.record.log('change', `${session.username} added example #${row.id}${note ? ` (${note})` : ''}`);
    sendJson(res, 200, { example: row, examples: p.store.listExamples().length });
  };

  const deleteExample = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const body = await readJsonBody(req);
    const id = isRecord(body) ? body.id : undefined;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new PanelHttpError(400, 'example: want {id}');
    if (!p.store.deleteExample(id)) throw new PanelHttpError(404, `no example #${id}`);
    p.audit.record(session.username, 'example.delete', { id });
    sendJson(res, 200, { ok: true });
  };

  const train = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    await readJsonBody(req);
    if (p.store.listExamples({ featureVersion: FEATURE_VERSION, controlVersion: CONTROL_VERSION }).length === 0) {
      throw new PanelHttpError(400, 'no curator examples yet: add one (capture or compose a sky, set its mix) before training');
    }
    const job = p.train(session.username);
    p.audit.record(session.username, 'train', { job: job.id });
    p.record.log('job', `${session.username} started training`);
    sendJson(res, 202, { job });
  };

  const preview = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const request = parsePreviewRequest(await readJsonBody(req));
    const job = p.previews.start(request, p.playing(), p.engine.settings, session.username);
    p.record.log('job', `${session.username} asked for a preview of ${'preset' in request.sky ? request.sky.preset : 'a composed sky'}`);
    sendJson(res, 202, { job });
  };

  const models = async (req: IncomingMessage, res: ServerResponse, session: Session): Promise<void> => {
    const body = await readJsonBody(req);
    if (!isRecord(body) || (body.action !== 'activate' && body.action !== 'rollback')) throw new PanelHttpError(400, 'models: want {action: activate, version} or {action: rollback}');
    if (body.action === 'activate' && (typeof body.version !== 'string' || !p.store.getModelVersion(body.version))) {
      throw new PanelHttpError(400, `models.version: no model version '${String(body.version).slice(0, 60)}'`);
    }
    const before = p.playing();
    const now = await p.activate(body.action === 'activate' ? (body.version as string) : undefined, session.username);
    p.audit.record(session.username, body.action === 'activate' ? 'model.activate' : 'model.rollback', { from: before, to: now });
    p.record.log('model', `${session.username}: model ${before} -> ${now}`);
    sendJson(res, 200, { playing: now, models: modelList() });
  };

  const modelList = (): unknown[] =>
    p.store.listModelVersions().map((m) => ({ version: m.version, createdAt: m.createdAt, active: m.active, onnxBytes: m.onnxBytes }));

  const state: Handler = (_req, res, session) => {
    sendJson(res, 200, {
      session: { user: session.username, role: session.role, csrfToken: session.csrfToken },
      live: liveView(p.engine),
      settings: p.engine.settings,
      history: p.record.history(Date.now() - HISTORY_SPAN_MS),
      events: p.record.events(0, EVENTS_SHOWN),
      audit: p.audit.recent(50),
      presets: p.store.listPresets(),
      examples: p.store.listExamples().slice(-50).map((e) => ({ id: e.id, who: e.who, createdAt: e.createdAt, note: e.note })),
      models: modelList(),
      playing: p.playing(),
      jobs: p.jobs.list(),
      vocabulary: {
        scenarios: Object.keys(SCENARIOS),
        composedSky: COMPOSED_SKY_FIELDS,
        controls: CONTROL_NAMES,
        layers: LAYERS,
        motifs: SKY_EVENT_KINDS,
        movements: MOVEMENTS,
        sunMovementByHour: sunMovementsToday(p.config.location, Date.now()),
        timeZone: p.config.location.timeZone,
        loudnessTargetLufs: p.config.audio.loudnessTargetLufs,
        previewSeconds: PREVIEW_SECONDS,
      },
    });
  };

  return {
    '/panel': (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'same-origin',
        // Everything is inline and same-origin; nothing is fetched from elsewhere.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; media-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      });
      res.end(panelPageHtml({ site: p.config.site }));
    },
    '/panel/api/login': login,
    '/panel/api/logout': {
      methods: ['POST'],
      handler: (req, res) => {
        const session = p.sessions.fromRequest(req);
        if (session && !originProblem(req, allowed) && hasCsrfToken(req, session)) p.sessions.end(session.token);
        res.setHeader('set-cookie', sessionCookie('', 0, servedOverHttps(req, allowed)));
        sendJson(res, 200, { ok: true });
      },
    },
    '/panel/api/session': read((_req, res, s) => sendJson(res, 200, { user: s.username, role: s.role, csrfToken: s.csrfToken, expiresMs: s.expiresMs })),
    '/panel/api/state': read(state),
    '/panel/api/settings': change(settingsChange),
    '/panel/api/presets': change(presets),
    '/panel/api/examples': change(addExample),
    '/panel/api/examples/delete': change(deleteExample),
    '/panel/api/train': change(train),
    '/panel/api/preview': change(preview),
    '/panel/api/models': change(models),
    '/panel/api/preview.wav': read((req, res) => {
      const file = new URL(req.url ?? '', 'http://x').searchParams.get('file') ?? '';
      if (!p.previews.serve(file, res, req.headers.range)) sendJson(res, 404, { error: 'no such preview' });
    }),
  };
}
