/** A site's local clock time to an instant and back, across daylight-saving changes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { instantAtLocalTime, zoneOffsetMinutes } from '../src/features/localTime.ts';
import { localHours } from '../src/features/sunPosition.ts';

const NY = 'America/New_York';

describe('zoneOffsetMinutes', () => {
  it('knows standard and daylight time', () => {
    assert.equal(zoneOffsetMinutes(Date.parse('2026-01-15T12:00:00Z'), NY), -300);
    assert.equal(zoneOffsetMinutes(Date.parse('2026-07-15T12:00:00Z'), NY), -240);
    assert.equal(zoneOffsetMinutes(Date.parse('2026-07-15T12:00:00Z'), 'Asia/Kolkata'), 330);
    assert.equal(zoneOffsetMinutes(Date.parse('2026-07-15T12:00:00Z'), 'UTC'), 0);
  });
});

describe('instantAtLocalTime', () => {
  it('gives the instant the site clock shows the time, on either side of a change', () => {
    // 2026: clocks go forward on 8 March (02:00 EST -> 03:00 EDT), back on 1 November.
    assert.equal(instantAtLocalTime({ year: 2026, month: 3, day: 7 }, 12, NY), Date.parse('2026-03-07T17:00:00Z'));
    assert.equal(instantAtLocalTime({ year: 2026, month: 3, day: 8 }, 12, NY), Date.parse('2026-03-08T16:00:00Z'));
    assert.equal(instantAtLocalTime({ year: 2026, month: 3, day: 8 }, 1.5, NY), Date.parse('2026-03-08T06:30:00Z'));
    assert.equal(instantAtLocalTime({ year: 2026, month: 3, day: 8 }, 3.5, NY), Date.parse('2026-03-08T07:30:00Z'));
    assert.equal(instantAtLocalTime({ year: 2026, month: 11, day: 1 }, 12, NY), Date.parse('2026-11-01T17:00:00Z'));
    assert.equal(instantAtLocalTime({ year: 2026, month: 10, day: 31 }, 12, NY), Date.parse('2026-10-31T16:00:00Z'));
  });

  it('round-trips with localHours every quarter hour across both New York changes', () => {
    for (const date of [
      { year: 2026, month: 3, day: 7 },
      { year: 2026, month: 3, day: 8 },
      { year: 2026, month: 3, day: 9 },
      { year: 2026, month: 10, day: 31 },
      { year: 2026, month: 11, day: 1 },
      { year: 2026, month: 11, day: 2 },
    ]) {
      for (let hours = 0; hours < 24; hours += 0.25) {
        // 02:00-03:00 on 8 March does not exist on a New York clock.
        if (date.month === 3 && date.day === 8 && hours >= 2 && hours < 3) continue;
        const at = instantAtLocalTime(date, hours, NY);
        assert.equal(localHours(at, NY), hours, `${JSON.stringify(date)} ${hours} h -> ${new Date(at).toISOString()}`);
        const local = new Intl.DateTimeFormat('en-CA', { timeZone: NY, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
        assert.equal(local, `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`);
      }
    }
  });

  it('round-trips in any zone at any time that exists on its clock', () => {
    const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'Pacific/Chatham', 'UTC'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.record({ year: fc.integer({ min: 1990, max: 2060 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }) }),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        (zone, date, minute) => {
          const hours = minute / 60;
          const at = instantAtLocalTime(date, hours, zone);
          const back = localHours(at, zone);
          if (Math.abs(back - hours) < 1e-9) return;
          // Only a time skipped by a change (a gap) may fail to round-trip.
          const before = zoneOffsetMinutes(at - 3 * 3600_000, zone);
          const after = zoneOffsetMinutes(at + 3 * 3600_000, zone);
          assert.ok(after > before, `${zone} ${JSON.stringify(date)} ${hours} h came back as ${back} h`);
        },
      ),
      { numRuns: 300 },
    );
  });
});
