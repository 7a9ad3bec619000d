/**
 * The panel's small parts alone: the login rate limiter (injected clock), the audit diff,
 * the origin check, composed skies, and `skychoir passwd` reading a password from stdin.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { LoginRateLimiter } from '../src/panel/loginRateLimiter.ts';
import { changedFields } from '../src/panel/auditLog.ts';
import { originProblem } from '../src/panel/originCheck.ts';
import { composedSkyLog, parseComposedSky } from '../src/panel/composedSky.ts';
import { parseSkyLog } from '../sensors/replay/skyLogReplay.ts';
import { SkychoirStore } from '../src/store/store.ts';
import { checkLogin } from '../src/panel/panelUsers.ts';
import { DEFAULT_CONFIG, PROJECT_ROOT } from '../src/config/config.ts';
import { sunMovementsToday } from '../src/panel/sunSchedule.ts';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers, socket: {} }) as unknown as IncomingMessage;

describe('panel parts', () => {
  it('limits failed logins per address for a minute', () => {
    let now = 0;
    const limiter = new LoginRateLimiter(5, 60_000, () => now);
    for (let i = 0; i < 5; i++) {
      assert.equal(limiter.retryAfterS('a'), 0);
      limiter.recordFailure('a');
    }
    assert.equal(limiter.retryAfterS('a'), 60);
    assert.equal(limiter.retryAfterS('b'), 0, 'another address is not affected');
    now = 45_000;
    assert.equal(limiter.retryAfterS('a'), 15);
    now = 60_000;
    assert.equal(limiter.retryAfterS('a'), 0);
  });

  it('lists changed settings as path: old -> new', () => {
    assert.deepEqual(changedFields({ a: 1, b: { c: [1, 2] }, d: true }, { a: 1, b: { c: [1, 3] }, d: false }), [
      { path: 'b.c.1', from: 2, to: 3 },
      { path: 'd', from: true, to: false },
    ]);
  });

  it('allows changes only from the panel own origin (or configured ones)', () => {
    const own = { host: 'lobby:8080' };
    assert.equal(originProblem(request({ ...own, origin: 'http://lobby:8080' }), []), undefined);
    assert.equal(originProblem(request({ ...own, referer: 'http://lobby:8080/panel' }), []), undefined);
    assert.match(originProblem(request({ ...own, origin: 'http://evil:8080' }), []) ?? '', /may not change/);
    assert.match(originProblem(request(own), []) ?? '', /no Origin/);
    assert.match(originProblem(request({ ...own, origin: 'null' }), []) ?? '', /no Origin/);
    assert.equal(originProblem(request({ host: '127.0.0.1:8080', origin: 'https://panel.example.org' }), ['https://panel.example.org']), undefined);
    assert.ok(originProblem(request({ ...own, origin: 'http://lobby:8080' }), ['https://panel.example.org']));
  });

  it('turns a composed sky into a valid sky log with its events', () => {
    const sky = parseComposedSky({ rainMmH: 10, flocksPerMin: 2, windMps: 12, gustMps: 4 });
    assert.equal(sky.gustMps, 12, 'gusts are at least the mean wind');
    const log = parseSkyLog(composedSkyLog(sky, { site: 'lobby', startMs: Date.UTC(2026, 9, 15, 12), durationS: 60 }), 'composed');
    assert.deepEqual(log.problems, []);
    assert.equal(log.entries.filter((e) => e.channel === 'event' && (e.payload as { kind: string }).kind === 'flock').length, 2);
    assert.throws(() => parseComposedSky({ windMps: 99 }), /sky.windMps: want a number in 0..30/);
    assert.throws(() => parseComposedSky({ hail: 1 }), /unknown field 'hail'/);
  });

  it("shows what 'sun' chooses hour by hour: dawn comes earlier in summer", () => {
    const nyc = DEFAULT_CONFIG.location;
    const june = sunMovementsToday(nyc, Date.UTC(2026, 5, 21, 16));
    const december = sunMovementsToday(nyc, Date.UTC(2026, 11, 21, 16));
    assert.equal(june.length, 24);
    assert.equal(june[5], 'dawn', '05:30 in June: the sun is just up');
    assert.equal(december[5], 'night', '05:30 in December: still dark');
    assert.equal(june[12], 'noon');
    assert.equal(december[17], 'dusk');
    assert.equal(june[20], 'dusk', 'summer evenings are long');
  });

  it('skychoir passwd stores a scrypt hash read from stdin', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-passwd-'));
    try {
      const storePath = join(dir, 's.db');
      const out = execFileSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'skychoir.js'), 'passwd', 'ada', '--role', 'viewer', '--store', storePath], {
        input: 'correct horse battery\n',
        encoding: 'utf8',
      });
      assert.match(out, /created panel user 'ada' \(viewer\)/);
      const store = SkychoirStore.open(storePath);
      try {
        assert.match(store.getPanelUser('ada')?.passwordHash ?? '', /^scrypt\$/);
        assert.equal(checkLogin(store, 'ada', 'correct horse battery')?.role, 'viewer');
        assert.equal(checkLogin(store, 'ada', 'wrong'), undefined);
        assert.equal(store.listAuditEntries()[0]?.action, 'user.add');
      } finally {
        store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
