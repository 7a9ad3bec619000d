/**
 * Solar elevation (NOAA GML "General Solar Position Calculations") at known points, and
 * local clock hours from Intl.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localHours, sunElevationDeg } from '../src/features/sunPosition.ts';

// Sister City, New York (config default).
const NY = { lat: 40.7217, lon: -73.9931 };
const elevationAt = (iso: string): number => sunElevationDeg(Date.parse(iso), NY.lat, NY.lon);

/** The sun's apparent disc centre is 0.833 degrees below the horizon at published sunrise/sunset (refraction + semi-diameter). */
const AT_PUBLISHED_HORIZON = -0.833;

describe('sunElevationDeg', () => {
  it('is near -0.8 degrees at New York published sunrise and sunset times', () => {
    // US Naval Observatory / timeanddate.com tables for New York (minute precision):
    // 2026-12-21 sunrise 07:16 EST, sunset 16:32 EST; 2026-06-21 sunrise 05:25 EDT, sunset 20:31 EDT.
    for (const iso of ['2026-12-21T12:16:30Z', '2026-12-21T21:31:30Z', '2026-06-21T09:25:30Z', '2026-06-22T00:30:30Z']) {
      const e = elevationAt(iso);
      // Near the horizon the sun moves ~0.15-0.2 degrees a minute at this latitude.
      assert.ok(Math.abs(e - AT_PUBLISHED_HORIZON) < 0.5, `${iso}: ${e.toFixed(2)} degrees`);
    }
  });

  it('peaks at 90 - latitude + declination at solar noon on the December solstice', () => {
    // Declination on 2026-12-21 is -23.44 degrees (solstice at 20:50 UTC that day):
    // 90 - 40.7217 - 23.44 = 25.84 degrees.
    const expected = 90 - NY.lat - 23.44;
    let best = -Infinity;
    let bestAt = 0;
    for (let t = Date.parse('2026-12-21T14:00:00Z'); t <= Date.parse('2026-12-21T20:00:00Z'); t += 30_000) {
      const e = sunElevationDeg(t, NY.lat, NY.lon);
      if (e > best) [best, bestAt] = [e, t];
    }
    assert.ok(Math.abs(best - expected) < 0.3, `peak ${best.toFixed(2)}, want ${expected.toFixed(2)}`);
    // Solar noon: 12:00 mean solar time at 73.99 W is 16:55.96 UTC, less the equation of
    // time (+1.9 min on 21 December): ~16:54 UTC.
    const noonMin = (bestAt - Date.parse('2026-12-21T00:00:00Z')) / 60_000;
    assert.ok(Math.abs(noonMin - (16 * 60 + 54)) <= 2, `solar noon at ${(noonMin / 60).toFixed(3)} h UTC`);
  });

  it('peaks at 90 - latitude + 23.44 at the June solstice', () => {
    const expected = 90 - NY.lat + 23.44;
    let best = -Infinity;
    for (let t = Date.parse('2026-06-21T14:00:00Z'); t <= Date.parse('2026-06-21T20:00:00Z'); t += 30_000) {
      best = Math.max(best, sunElevationDeg(t, NY.lat, NY.lon));
    }
    assert.ok(Math.abs(best - expected) < 0.3, `peak ${best.toFixed(2)}, want ${expected.toFixed(2)}`);
  });

  it('is well below the horizon at local midnight', () => {
    assert.ok(elevationAt('2026-12-22T05:00:00Z') < -60, 'midnight EST in December');
    assert.ok(elevationAt('2026-06-22T04:00:00Z') < -20, 'midnight EDT in June');
  });

  it('is about 90 degrees at the subsolar point and about 0 at the poles on an equinox', () => {
    // March equinox 2026: 20 March, 14:46 UTC.
    let peak = -Infinity;
    for (let t = Date.parse('2026-03-20T11:00:00Z'); t <= Date.parse('2026-03-20T13:00:00Z'); t += 30_000) {
      peak = Math.max(peak, sunElevationDeg(t, 0, 0));
    }
    assert.ok(peak > 89.5, `peak at 0N 0E: ${peak.toFixed(2)}`);
    assert.ok(Math.abs(sunElevationDeg(Date.parse('2026-03-20T14:46:00Z'), 90, 0)) < 0.5);
  });

  it('stays in -90..90 everywhere, always', () => {
    for (let i = 0; i < 2000; i++) {
      const t = Date.UTC(1970 + (i % 130), i % 12, 1 + (i % 28), i % 24, (i * 7) % 60);
      const lat = -90 + ((i * 37) % 181);
      const lon = -180 + ((i * 53) % 361);
      const e = sunElevationDeg(t, lat, lon);
      assert.ok(Number.isFinite(e) && e >= -90 && e <= 90, `${e} at ${new Date(t).toISOString()} ${lat},${lon}`);
    }
  });
});

describe('localHours', () => {
  it('reads the site clock, with daylight saving', () => {
    assert.equal(localHours(Date.parse('2026-12-21T17:30:00Z'), 'America/New_York'), 12.5);
    assert.equal(localHours(Date.parse('2026-06-21T17:30:00Z'), 'America/New_York'), 13.5);
    assert.equal(localHours(Date.parse('2026-06-21T04:00:00Z'), 'America/New_York'), 0);
    assert.ok(Math.abs(localHours(Date.parse('2026-01-01T00:00:45Z'), 'Asia/Kolkata') - (5.5 + 45 / 3600)) < 1e-12);
  });

  it('is always in [0, 24)', () => {
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2026-01-03T00:00:00Z'); t += 15 * 60_000) {
      const h = localHours(t, 'America/New_York');
      assert.ok(h >= 0 && h < 24, `${h}`);
    }
  });
});
