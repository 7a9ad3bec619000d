/** The curator's settings: validated, and heard in what the conductor decides. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applySettingsChange, DEFAULT_CURATOR_SETTINGS, inQuietHours, masterDbAt, SettingsError } from '../src/engine/curatorSettings.ts';
import { Conductor } from '../src/conductor/conductor.ts';
import { controlsFrom, SHIPPED_SAMPLES } from './support/conductorRun.ts';
import type { Decision, LayerTarget, VoiceStart } from '../src/conductor/decisions.ts';

function run(settings = DEFAULT_CURATOR_SETTINGS, events = false): Decision[] {
  const c = new Conductor({ seed: 6, samples: SHIPPED_SAMPLES });
  c.settings = settings;
  const out: Decision[] = [];
  for (let t = 0; t < 240; t += 0.5) {
    const heard = events && t % 20 === 0 ? [{ kind: 'flock' as const, confidence: 1, count: 40, headingDeg: 90 }] : [];
    out.push(...c.plan({ fromS: t, toS: t + 0.5, controls: controlsFrom({}, 0.6), events: heard, rain: 0 }));
  }
  return out;
}
const starts = (ds: Decision[]): VoiceStart[] => ds.filter((d): d is VoiceStart => d.type === 'start');
const targets = (ds: Decision[], layer: string): LayerTarget[] => ds.filter((d): d is LayerTarget => d.type === 'layer' && d.layer === layer);

describe('curator settings', () => {
  it('refuse bad values with a message naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ masterDb: 3 }, /masterDb: want a number in -60\.\.0/],
      [{ layers: { tenors: { enabled: false } } }, /unknown layer 'tenors'/],
      [{ layers: { pad: { trimDb: 20 } } }, /layers\.pad\.trimDb/],
      [{ register: { min: 0.8, max: 0.2 } }, /min 0\.8 is above max 0\.2/],
      [{ quietHours: { from: '25:00' } }, /quietHours\.from: want a time/],
      [{ volumeByHourDb: [0, 0] }, /want 24 numbers/],
      [{ motifs: { dragons: false } }, /unknown event 'dragons'/],
      [{ volume: 1 }, /unknown field 'volume'/],
      ['loud', /want an object/],
    ];
    for (const [change, message] of bad) assert.throws(() => applySettingsChange(DEFAULT_CURATOR_SETTINGS, change), (e: unknown) => e instanceof SettingsError && message.test((e as Error).message));
    const ok = applySettingsChange(DEFAULT_CURATOR_SETTINGS, { masterDb: -10, layers: { solo: { enabled: false } } });
    assert.equal(ok.masterDb, -10);
    assert.equal(ok.layers.solo.enabled, false);
    assert.equal(ok.layers.pad.enabled, true, 'the rest is kept');
    assert.equal(DEFAULT_CURATOR_SETTINGS.masterDb, -3, 'the defaults are not touched');
  });

  it('quiet hours span midnight and lower the master; the hour offsets add; never above 0 dB', () => {
    const s = applySettingsChange(DEFAULT_CURATOR_SETTINGS, { masterDb: -2, quietHours: { enabled: true, from: '22:30', to: '06:00', volumeDb: -15 } });
    assert.ok(inQuietHours(s, 23) && inQuietHours(s, 2) && !inQuietHours(s, 6.5) && !inQuietHours(s, 22.4));
    assert.equal(masterDbAt(s, 3), -17);
    assert.equal(masterDbAt(s, 12), -2);
    const byHour = applySettingsChange(s, { volumeByHourDb: Array.from({ length: 24 }, (_, h) => (h === 12 ? -6 : 0)) });
    assert.equal(masterDbAt(byHour, 12.5), -8);
    assert.ok(masterDbAt(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { masterDb: 0 }), 12) <= 0);
  });

  it('a layer switched off sings nothing and its bus fades out; trims move its target', () => {
    const off = run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { layers: { solo: { enabled: false }, pad: { trimDb: -6 } } }));
    const on = run();
    assert.equal(starts(off).filter((s) => s.layer === 'solo').length, 0);
    assert.ok(starts(on).filter((s) => s.layer === 'solo').length > 0);
    assert.ok(targets(off, 'solo').every((t) => t.gainDb === -80 && t.rampS > 1));
    const padOff = targets(off, 'pad')[10];
    const padOn = targets(on, 'pad')[10];
    assert.ok(padOff && padOn && Math.abs(padOff.gainDb - (padOn.gainDb - 6)) < 1e-9);
  });

  it('register range, density and reverb scale shape the music; switched-off motifs are not sung', () => {
    const low = run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { register: { min: 0, max: 0.2 } }));
    const high = run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { register: { min: 0.8, max: 1 } }));
    const mean = (ds: Decision[]): number => starts(ds).reduce((a, s) => a + s.midi, 0) / starts(ds).length;
    assert.ok(mean(low) < mean(high) - 4, `low ${mean(low).toFixed(1)} high ${mean(high).toFixed(1)}`);
    const sparse = run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { densityScale: 0.2 }));
    assert.ok(starts(sparse).length < starts(run()).length);
    const dry = run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { reverbScale: 0 }));
    assert.ok(targets(dry, 'pad').every((t) => t.reverbSend === 0));
    const flocks = (ds: Decision[]): number => starts(ds).filter((s) => s.layer === 'events').length;
    assert.ok(flocks(run(DEFAULT_CURATOR_SETTINGS, true)) > 0);
    assert.equal(flocks(run(applySettingsChange(DEFAULT_CURATOR_SETTINGS, { motifs: { flock: false } }), true)), 0);
  });

  it('a day schedule holds a movement for chosen hours; the sun chooses the rest', () => {
    assert.throws(() => applySettingsChange(DEFAULT_CURATOR_SETTINGS, { movementByHour: ['night'] }), /want 24 entries/);
    assert.throws(
      () => applySettingsChange(DEFAULT_CURATOR_SETTINGS, { movementByHour: Array.from({ length: 24 }, (_, h) => (h === 5 ? 'siesta' : 'sun')) }),
      /movementByHour\[5\]: want one of sun, night/,
    );
    const schedule = applySettingsChange(DEFAULT_CURATOR_SETTINGS, { movementByHour: Array.from({ length: 24 }, (_, h) => (h === 12 ? 'night' : 'sun')) });
    const noon = { sunElevationDeg: 45, localHour: 12.5, season: 0 };
    const afternoon = { sunElevationDeg: 35, localHour: 15, season: 0 };
    const c = new Conductor({ seed: 1, samples: SHIPPED_SAMPLES });
    c.settings = schedule;
    for (let t = 0; t < 1200; t += 0.5) c.plan({ fromS: t, toS: t + 0.5, controls: controlsFrom({}, 0.5), events: [], rain: 0, moment: noon });
    assert.equal(c.currentMovement.name, 'night', 'held at noon by the schedule');
    for (let t = 1200; t < 2400; t += 0.5) c.plan({ fromS: t, toS: t + 0.5, controls: controlsFrom({}, 0.5), events: [], rain: 0, moment: afternoon });
    assert.equal(c.currentMovement.name, 'afternoon', 'the sun chooses again at 15:00, after the transition');
  });
});
