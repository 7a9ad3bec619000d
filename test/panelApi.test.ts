/**
 * The curator panel's API over plain HTTP against a real headless engine: sessions,
 * roles, origin and CSRF checks, validation messages, the audit log, presets, examples,
 * the WebSocket's authentication and the login rate limit.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { SkychoirStore } from '../src/store/store.ts';
import { SETTINGS_KEY } from '../src/panel/panelApi.ts';
import { CURATOR, VIEWER, call, signIn, startPanelRig, type PanelClient, type PanelRig } from './support/panelRig.ts';

function wsOpen(url: string, headers: Record<string, string>): Promise<{ ws: WebSocket; first: Record<string, unknown> } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type === 'live') resolve({ ws, first: message });
    });
    ws.on('error', () => undefined);
  });
}

describe('curator panel API', () => {
  let rig: PanelRig;
  let base: string;
  let curator: PanelClient;
  let viewer: PanelClient;

  before(async () => {
    rig = await startPanelRig();
    base = rig.base;
    curator = await signIn(base, CURATOR);
    viewer = await signIn(base, VIEWER);
  });

  after(async () => {
    await rig.stop();
  });

  it('serves the page with a strict content security policy and no external resources', async () => {
    const page = await call(`${base}/panel`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
    assert.doesNotMatch(page.body, /(src|href)=["']https?:/);
    const put = await call(`${base}/panel`, { method: 'PUT', body: {} });
    assert.equal(put.status, 405);
  });

  it('sets a secure session cookie on login and refuses a wrong password', async () => {
    const login = await call(`${base}/panel/api/login`, { body: CURATOR, headers: { origin: base } });
    assert.equal(login.status, 200);
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    assert.match(cookie, /^skychoir_panel=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=\d+$/);
    assert.equal(login.json.role, 'curator');
    const wrong = await call(`${base}/panel/api/login`, { body: { username: 'ada', password: 'not it at all' }, headers: { origin: base } });
    assert.equal(wrong.status, 401);
    const foreign = await call(`${base}/panel/api/login`, { body: CURATOR, headers: { origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
  });

  it('refuses reads and changes without a session', async () => {
    assert.equal((await call(`${base}/panel/api/state`)).status, 401);
    const change = await call(`${base}/panel/api/settings`, { body: { masterDb: -10 }, headers: { origin: base } });
    assert.equal(change.status, 401);
    const forged = await call(`${base}/panel/api/state`, { headers: { cookie: 'skychoir_panel=forged-token' } });
    assert.equal(forged.status, 401);
  });

  it('gives a viewer everything to read and nothing to change', async () => {
    const state = await viewer.get('/panel/api/state');
    assert.equal(state.status, 200);
    const live = state.json.live as { health: { status: string }; sensors: unknown[]; layers: unknown[] };
    assert.ok(live.health.status);
    assert.equal(live.layers.length, 4);
    const refused = await viewer.post('/panel/api/settings', { masterDb: -10 });
    assert.equal(refused.status, 403);
    assert.match(String(refused.json.error), /viewer/);
    assert.notEqual(rig.engine.settings.masterDb, -10);
  });

  it("shows each layer's measured level, and it moves while the choir sings", async () => {
    type Layer = { layer: string; measuredDbfs: number | null; plannedDb: number | null };
    const drone = async (): Promise<Layer> => {
      const layers = ((await viewer.get('/panel/api/state')).json.live as { layers: Layer[] }).layers;
      return layers.find((l) => l.layer === 'drone') as Layer;
    };
    const seen: number[] = [];
    const end = Date.now() + 20_000;
    // The drone sings from the first window (its gain never falls below 0.3): its meter
    // reads a level, and successive reads differ (a live measure, not a held number).
    // Readings from its entrance (a fade from silence over seconds) are passed over.
    while (Date.now() < end && new Set(seen).size < 3) {
      const d = await drone();
      if (d.measuredDbfs !== null && d.measuredDbfs > -60) seen.push(d.measuredDbfs);
      assert.equal(typeof d.plannedDb, 'number', 'the plan is kept beside the measure');
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(new Set(seen).size >= 3, `drone meter readings ${JSON.stringify(seen)}`);
    for (const db of seen) assert.ok(db > -60 && db < 0, `drone at ${db} dBFS`);
    const health = (await call(`${base}/healthz`)).json as { audio: { layerRmsDbfs: Record<string, number | null> } };
    assert.equal(typeof health.audio.layerRmsDbfs.drone, 'number');
  });

  it('refuses a change from another origin, without an origin, or without the CSRF token', async () => {
    const before = rig.engine.settings.masterDb;
    const foreign = await curator.post('/panel/api/settings', { masterDb: -20 }, { origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    assert.match(String(foreign.json.error), /origin/);
    const noCsrf = await call(`${base}/panel/api/settings`, { body: { masterDb: -20 }, headers: { cookie: curator.cookie, origin: base } });
    assert.equal(noCsrf.status, 403);
    assert.match(String(noCsrf.json.error), /CSRF/);
    const noOrigin = await call(`${base}/panel/api/settings`, { body: { masterDb: -20 }, headers: { cookie: curator.cookie, 'x-csrf-token': curator.csrf } });
    assert.equal(noOrigin.status, 403);
    const otherCsrf = await curator.post('/panel/api/settings', { masterDb: -20 }, { 'x-csrf-token': viewer.csrf });
    assert.equal(otherCsrf.status, 403);
    assert.equal(rig.engine.settings.masterDb, before);
  });

  it('applies a valid change, persists it and records who changed what', async () => {
    const res = await curator.post('/panel/api/settings', { masterDb: -9, layers: { solo: { trimDb: -4 } }, motifs: { aircraft: false } });
    assert.equal(res.status, 200, res.body);
    assert.equal(rig.engine.settings.masterDb, -9);
    assert.equal(rig.engine.settings.layers.solo.trimDb, -4);
    assert.equal(rig.engine.settings.motifs.aircraft, false);
    const state = await curator.get('/panel/api/state');
    const audit = state.json.audit as { who: string; action: string; detail: { path: string; from: unknown; to: unknown }[] }[];
    const entry = audit.find((a) => a.action === 'settings');
    assert.ok(entry);
    assert.equal(entry.who, 'ada');
    assert.deepEqual(
      entry.detail.map((d) => [d.path, d.from, d.to]),
      [
        ['masterDb', -3, -9],
        ['layers.solo.trimDb', 0, -4],
        ['motifs.aircraft', true, false],
      ],
    );
    // Persisted: the store (read from a second connection, as another process would).
    const store = SkychoirStore.open(rig.storePath);
    try {
      assert.equal((JSON.parse(store.getSetting(SETTINGS_KEY) ?? '{}') as { masterDb: number }).masterDb, -9);
      assert.ok(store.listAuditEntries().some((a) => a.action === 'settings' && a.who === 'ada'));
    } finally {
      store.close();
    }
  });

  it('refuses bad values with the validator message, and bad bodies with a clear 4xx', async () => {
    const loud = await curator.post('/panel/api/settings', { masterDb: 6 });
    assert.equal(loud.status, 400);
    assert.equal(loud.json.error, 'masterDb: want a number in -60..0, got 6');
    const typo = await curator.post('/panel/api/settings', { masterdb: -3 });
    assert.equal(typo.status, 400);
    assert.equal(typo.json.error, "settings: unknown field 'masterdb'");
    const register = await curator.post('/panel/api/settings', { register: { min: 0.8, max: 0.2 } });
    assert.equal(register.json.error, 'register: min 0.8 is above max 0.2');
    const notJson = await curator.post('/panel/api/settings', '{"masterDb": ');
    assert.equal(notJson.status, 400);
    assert.match(String(notJson.json.error), /^body is not JSON/);
    const form = await curator.post('/panel/api/settings', 'masterDb=-3', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    const huge = await curator.post('/panel/api/settings', JSON.stringify({ note: 'x'.repeat(70 * 1024) }));
    assert.equal(huge.status, 413);
    assert.equal(rig.engine.settings.masterDb, -9);
  });

  it('saves and recalls presets', async () => {
    assert.equal((await curator.post('/panel/api/presets', { action: 'save', name: 'winter nights' })).status, 200);
    await curator.post('/panel/api/settings', { masterDb: -30 });
    const recall = await curator.post('/panel/api/presets', { action: 'recall', name: 'winter nights' });
    assert.equal(recall.status, 200, recall.body);
    assert.equal(rig.engine.settings.masterDb, -9);
    const missing = await curator.post('/panel/api/presets', { action: 'recall', name: 'nope' });
    assert.equal(missing.status, 404);
    const badName = await curator.post('/panel/api/presets', { action: 'save', name: '<script>' });
    assert.equal(badName.status, 400);
  });

  it('adds examples from the sky now and from a composed sky, with validation', async () => {
    const controls = Object.fromEntries(((await curator.get('/panel/api/state')).json.vocabulary as { controls: string[] }).controls.map((c) => [c, 0.5]));
    const now = await curator.post('/panel/api/examples', { sky: 'current', controls, note: 'flock at noon' });
    assert.equal(now.status, 200, now.body);
    const storm = await curator.post('/panel/api/examples', { sky: { rainMmH: 12, windMps: 18, gustMps: 28, cloudCover: 1, brightness: 0.2, localHour: 16 }, controls });
    assert.equal(storm.status, 200, storm.body);
    const features = (storm.json.example as { features: number[] }).features;
    assert.ok((features[6] ?? 0) > 0.9, `precipitation feature ${features[6]}`);
    const bad = await curator.post('/panel/api/examples', { sky: 'current', controls: { ...controls, 'pad.gain': 2 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error, 'example.controls.pad.gain: want a number in 0..1, got 2');
    const badSky = await curator.post('/panel/api/examples', { sky: { rainMmH: -1 }, controls });
    assert.equal(badSky.json.error, 'sky.rainMmH: want a number in 0..50, got -1');
    const noModel = await curator.post('/panel/api/models', { action: 'activate', version: 'nope' });
    assert.equal(noModel.status, 400);
  });

  it('pushes live state over a WebSocket only to a session from the panel origin', async () => {
    const wsUrl = `${base.replace('http', 'ws')}/panel/ws`;
    assert.deepEqual(await wsOpen(wsUrl, { origin: base }), { status: 401 });
    assert.deepEqual(await wsOpen(wsUrl, { origin: 'http://evil.example', cookie: viewer.cookie }), { status: 403 });
    const open = await wsOpen(wsUrl, { origin: base, cookie: viewer.cookie });
    assert.ok('ws' in open);
    assert.equal(open.first.type, 'live');
    open.ws.close();
  });

  it('ends a session on logout', async () => {
    const other = await signIn(base, VIEWER);
    assert.equal((await other.post('/panel/api/logout', {})).status, 200);
    assert.equal((await other.get('/panel/api/state')).status, 401);
  });

  it('rate-limits failed logins per address: 429 with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | string[] | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await call(`${base}/panel/api/login`, { body: { username: 'ada', password: `guess number ${i}` }, headers: { origin: base } });
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429]);
    assert.ok(Number(retryAfter) > 0 && Number(retryAfter) <= 60, `retry-after ${String(retryAfter)}`);
    // Even the right password waits out the minute.
    assert.equal((await call(`${base}/panel/api/login`, { body: CURATOR, headers: { origin: base } })).status, 429);
  });
});
