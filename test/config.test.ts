/** The engine configuration: defaults, overrides, and a clear ConfigError per wrong field. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_CONFIG, loadConfigFile, parseConfig } from '../src/config/config.ts';

describe('parseConfig', () => {
  it('an empty object is the defaults, as a copy', () => {
    const c = parseConfig({});
    assert.deepEqual(c, DEFAULT_CONFIG);
    c.http.port = 1;
    assert.equal(DEFAULT_CONFIG.http.port, 8080, 'the defaults are not shared');
    assert.equal(DEFAULT_CONFIG.location.timeZone, 'America/New_York');
    assert.ok(DEFAULT_CONFIG.audio.masterDb <= 0);
  });

  it('overrides the fields given and keeps the rest', () => {
    const c = parseConfig(
      {
        site: 'reykjavik-roof',
        seed: 42,
        location: { latitudeDeg: 64.1466, longitudeDeg: -21.9426, timeZone: 'Atlantic/Reykjavik' },
        http: { port: 9000 },
        broker: { embedded: false, url: 'mqtts://broker.example:8883' },
        sky: { source: 'replay', file: 'skies/day.jsonl' },
        audio: { device: 'none', masterDb: -12 },
        paths: { samples: 'my-samples', model: 'models/x.onnx' },
        history: { retentionDays: 30 },
      },
      DEFAULT_CONFIG,
      '/srv/skychoir',
    );
    assert.equal(c.site, 'reykjavik-roof');
    assert.equal(c.seed, 42);
    assert.deepEqual(c.location, { latitudeDeg: 64.1466, longitudeDeg: -21.9426, timeZone: 'Atlantic/Reykjavik' });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 9000 });
    assert.deepEqual(c.broker, { embedded: false, host: '127.0.0.1', port: 1883, url: 'mqtts://broker.example:8883', usersFile: undefined });
    assert.deepEqual(c.sky, { source: 'replay', scenario: 'day', file: '/srv/skychoir/skies/day.jsonl' });
    assert.deepEqual(c.audio, { device: 'none', masterDb: -12, loudnessTargetLufs: -18, speakers: DEFAULT_CONFIG.audio.speakers });
    assert.deepEqual(c.paths, { samples: '/srv/skychoir/my-samples', model: '/srv/skychoir/models/x.onnx', store: DEFAULT_CONFIG.paths.store });
    assert.deepEqual(c.history, { retentionDays: 30, eventRetentionDays: 90 });
  });

  const wrong: [string, unknown, RegExp][] = [
    ['not an object', [], /config: want a JSON object/],
    ['an unknown field', { colour: 'blue' }, /config: unknown field 'colour' \(known: site, location/],
    ['a bad site name', { site: 'the lobby' }, /config config\.site: want letters, digits, _ or - \(1-64\), got "the lobby"/],
    ['a fractional seed', { seed: 1.5 }, /config config\.seed: want an integer, got 1\.5/],
    ['a section that is not an object', { http: 8080 }, /config http: want an object/],
    ['a port too large', { http: { port: 70000 } }, /config http\.port: want a port 0-65535, got 70000/],
    ['a port as a string', { broker: { port: '1883' } }, /config broker\.port: want a port 0-65535, got "1883"/],
    ['a latitude past the pole', { location: { latitudeDeg: 91 } }, /config location\.latitudeDeg: want degrees in -90\.\.90, got 91/],
    ['a bad time zone', { location: { timeZone: 'Mars/Olympus_Mons' } }, /config location\.timeZone: 'Mars\/Olympus_Mons' is not an IANA time zone \(e\.g\. Europe\/Reykjavik\)/],
    ['masterDb above 0', { audio: { masterDb: 3 } }, /config audio\.masterDb: want dB in -60\.\.0, got 3/],
    ['history kept for half a day', { history: { retentionDays: 0.5 } }, /config history\.retentionDays: want whole days 1\.\.3650, got 0\.5/],
    ['an unknown history field', { history: { keepDays: 9 } }, /config history: unknown field 'keepDays' \(retentionDays, eventRetentionDays\)/],
    ['masterDb not a number', { audio: { masterDb: 'loud' } }, /config audio\.masterDb: want dB in -60\.\.0/],
    ['an unknown audio device', { audio: { device: 'hdmi' } }, /config audio\.device: want 'default' or 'none', got "hdmi"/],
    ['a speaker with no place', { audio: { speakers: [{ name: 'lobby-1', x: 1 }] } }, /config audio\.speakers\[0\]\.y: want metres in -500\.\.500/],
    ['speakers that are not a list', { audio: { speakers: 8 } }, /config audio\.speakers: want a list of \{ name, x, y \}/],
    ['replay without a file', { sky: { source: 'replay' } }, /config sky: source 'replay' needs sky\.file/],
    ['an unknown sky source', { sky: { source: 'camera' } }, /config sky\.source: want 'simulator', 'replay' or 'sensors'/],
    ['an external broker without a url', { broker: { embedded: false } }, /config broker: with embedded false, set broker\.url \(e\.g\. mqtt:\/\/localhost:1883\)/],
    ['a broker url that is not mqtt', { broker: { embedded: false, url: 'http://x' } }, /config broker\.url: want an mqtt:\/\/ or mqtts:\/\/ URL/],
    ['an empty host', { http: { host: '' } }, /config http\.host: want a host name or address/],
  ];
  for (const [what, input, message] of wrong) {
    it(`refuses ${what} with a ConfigError naming the field`, () => {
      assert.throws(
        () => parseConfig(input),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('takes a ring of speakers, one output channel each', () => {
    const ring = [0, 90, 180, 270].map((deg, i) => ({ name: `s${i}`, x: Math.round(Math.sin((deg * Math.PI) / 180) * 3), y: Math.round(Math.cos((deg * Math.PI) / 180) * 3) }));
    assert.deepEqual(parseConfig({ audio: { speakers: ring } }).audio.speakers, ring);
  });

  it('accepts the edges of the ranges', () => {
    const c = parseConfig({ http: { port: 0 }, audio: { masterDb: 0 }, location: { latitudeDeg: -90, longitudeDeg: 180 } });
    assert.equal(c.http.port, 0);
    assert.equal(c.audio.masterDb, 0);
    assert.equal(c.location.latitudeDeg, -90);
  });
});

describe('loadConfigFile', () => {
  it('reads a file, resolving paths next to it, and explains unreadable or non-JSON files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-config-'));
    try {
      const path = join(dir, 'skychoir.json');
      writeFileSync(path, JSON.stringify({ sky: { source: 'replay', file: 'day.jsonl' } }));
      assert.equal(loadConfigFile(path).sky.file, join(dir, 'day.jsonl'));
      writeFileSync(path, '{ site: lobby }');
      assert.throws(() => loadConfigFile(path), (err: unknown) => err instanceof ConfigError && /skychoir\.json: not JSON/.test(err.message));
      assert.throws(() => loadConfigFile(join(dir, 'missing.json')), (err: unknown) => err instanceof ConfigError && /missing\.json: cannot read/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
