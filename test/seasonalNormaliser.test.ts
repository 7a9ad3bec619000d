/**
 * The seasonal normaliser: a replayed synthetic year moves its medians with the seasons,
 * the same reading is heard differently in winter and summer, the state survives the
 * store, and the controls of the shipped model move the expected way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeasonalNormaliser, SEASONAL_CHANNELS, bucketOf } from '../src/features/seasonalNormaliser.ts';
import { SkychoirStore } from '../src/store/store.ts';
import { featureVectorFrom } from '../src/features/featureVector.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { DEFAULT_MODEL_PATHS } from '../src/model/buildDefaultModel.ts';
import { readControls } from '../src/model/controlVector.ts';

const DAY_MS = 86_400_000;
const YEAR_START = Date.UTC(2026, 0, 1);
/** Day of year of the summer peak (about 20 July). */
const PEAK_DAY = 200;

/**
 * A synthetic site: pressure higher in summer (1020 hPa) than winter (1006 hPa) with a
 * weather wobble; temperature 0 C in winter to 24 C in summer plus 8 C of day/night; the
 * sky brighter at noon, and brighter in summer.
 */
function syntheticSky(atMs: number): { pressure: number; temperature: number; brightness: number; hours: number } {
  const day = (atMs - YEAR_START) / DAY_MS;
  const season = Math.cos((2 * Math.PI * (day - PEAK_DAY)) / 365); // +1 summer, -1 winter
  const hours = ((atMs - YEAR_START) / 3600_000) % 24;
  const daylight = Math.max(0, Math.cos((2 * Math.PI * (hours - 12)) / 24));
  return {
    pressure: 1013 + 7 * season + 6 * Math.sin((2 * Math.PI * day) / 5.3),
    temperature: 12 + 12 * season + 4 * Math.cos((2 * Math.PI * (hours - 15)) / 24),
    brightness: Math.min(1, daylight * (0.65 + 0.3 * season)),
    hours,
  };
}

/** Replays from `fromDay` to `toDay`, a sample every 10 minutes; calls `at` at each whole day. */
function replay(n: SeasonalNormaliser, fromDay: number, toDay: number, at?: (day: number) => void): void {
  for (let t = YEAR_START + fromDay * DAY_MS; t < YEAR_START + toDay * DAY_MS; t += 600_000) {
    const s = syntheticSky(t);
    n.observe('pressure', s.pressure, t);
    n.observe('temperature', s.temperature, t, s.hours);
    n.observe('brightness', s.brightness, t, s.hours);
    if ((t - YEAR_START) % DAY_MS === 0) at?.((t - YEAR_START) / DAY_MS);
  }
}

describe('seasonal normaliser: a synthetic year', () => {
  const n = new SeasonalNormaliser();
  const medians = new Map<number, { pressure: number; noonT: number; nightT: number; noonB: number }>();
  replay(n, 0, 365 + PEAK_DAY + 60, (day) => {
    if (day % 10 === 0)
      medians.set(day, { pressure: n.median('pressure'), noonT: n.median('temperature', 13), nightT: n.median('temperature', 2), noonB: n.median('brightness', 12) });
  });
  const winter = medians.get(370)!; // 6 January of the second year
  const summer = medians.get(PEAK_DAY + 20)!; // early August, a month after the peak

  it('medians track the season (summer above winter) and lag it by about the forgetting time', () => {
    console.log(`pressure median: winter ${winter.pressure.toFixed(1)} hPa, summer ${summer.pressure.toFixed(1)} hPa; noon temperature winter ${winter.noonT.toFixed(1)} C, summer ${summer.noonT.toFixed(1)} C; noon brightness winter ${winter.noonB.toFixed(2)}, summer ${summer.noonB.toFixed(2)}`);
    assert.ok(summer.pressure - winter.pressure > 8, 'pressure');
    assert.ok(summer.noonT - winter.noonT > 15, 'temperature');
    assert.ok(summer.noonB - winter.noonB > 0.3, 'brightness');
    // The largest median of the year comes after the peak (30-day memory), not before it.
    let best = { day: 0, p: -Infinity };
    for (const [day, m] of medians) if (day >= 365 && m.noonT > best.p) best = { day, p: m.noonT };
    const lag = best.day - 365 - PEAK_DAY;
    assert.ok(lag >= 0 && lag <= 45, `peak of the noon temperature median ${lag} days after the season's`);
  });

  it('time-of-day buckets: the night median is colder than the noon median', () => {
    assert.ok(summer.noonT - summer.nightT > 4, `noon ${summer.noonT} night ${summer.nightT}`);
  });

  it('the same 1013 hPa is low in summer and high in winter', () => {
    const inWinter = new SeasonalNormaliser();
    replay(inWinter, 330, 365 + 15);
    const inSummer = new SeasonalNormaliser();
    replay(inSummer, PEAK_DAY - 40, PEAK_DAY + 5);
    const w = inWinter.relative('pressure', 1013);
    const s = inSummer.relative('pressure', 1013);
    console.log(`1013 hPa heard as ${w.toFixed(2)} in winter, ${s.toFixed(2)} in summer`);
    assert.ok(w > 0.3, `winter ${w}`);
    assert.ok(s < -0.3, `summer ${s}`);
  });

  it('... and the shipped model answers the summer reading with more tension and a darker pad', async () => {
    const inWinter = new SeasonalNormaliser();
    replay(inWinter, 330, 365 + 15);
    const inSummer = new SeasonalNormaliser();
    replay(inSummer, PEAK_DAY - 40, PEAK_DAY + 5);
    const sky = { pressure: (1013 - 1013.25) / 30, cloud_cover: 0.4, brightness: 0.7, wind_mean: 0.15, sun_elevation: 0.4, time_of_day_cos: -1 };
    const model = await MappingModel.load(DEFAULT_MODEL_PATHS.onnx);
    try {
      const w = readControls(await model.run(featureVectorFrom({ ...sky, pressure_seasonal: inWinter.relative('pressure', 1013) })));
      const s = readControls(await model.run(featureVectorFrom({ ...sky, pressure_seasonal: inSummer.relative('pressure', 1013) })));
      console.log(`tension winter ${w.tension.toFixed(3)} summer ${s.tension.toFixed(3)}; pad brightness ${w.layers.pad.brightness.toFixed(3)} / ${s.layers.pad.brightness.toFixed(3)}`);
      assert.ok(s.tension > w.tension + 0.03);
      assert.ok(s.layers.pad.brightness < w.layers.pad.brightness - 0.02);
    } finally {
      await model.dispose();
    }
  });
});

describe('seasonal normaliser: basics', () => {
  it('a fresh normaliser hears readings against its climatological prior', () => {
    const n = new SeasonalNormaliser();
    assert.ok(Math.abs(n.median('pressure') - 1013.25) < 0.01);
    assert.ok(Math.abs(n.relative('pressure', 1013.25)) < 0.01);
    assert.ok(n.relative('pressure', 990) < -0.9);
    assert.equal(n.observations('pressure'), 0);
  });

  it('relative is in -1..1, monotone in the reading, and quantile inverts the CDF (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 950, max: 1050, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 850, max: 1100, noNaN: true }), fc.double({ min: 0, max: 30, noNaN: true }), (values, a, d) => {
        const n = new SeasonalNormaliser();
        values.forEach((v, i) => n.observe('pressure', v, i * 60_000));
        const ra = n.relative('pressure', a);
        const rb = n.relative('pressure', a + d);
        assert.ok(ra >= -1 && ra <= 1 && rb >= ra - 1e-12);
        const q = n.quantile('pressure', 0.3);
        assert.ok(Math.abs((n.relative('pressure', q) + 1) / 2 - 0.3) < 1e-6);
      }),
      { numRuns: 100 },
    );
  });

  it('forgets with a 30-day time constant of sample time, however irregular the samples', () => {
    const n = new SeasonalNormaliser();
    for (let i = 0; i < 2000; i++) n.observe('pressure', 1000, i * 60_000);
    const before = n.relative('pressure', 1010);
    n.observe('pressure', 1020, 2000 * 60_000 + 60 * DAY_MS); // two months later
    // 2000 samples decayed by e^-2 ~ 271 against one new one: still mostly the old month.
    assert.ok(n.relative('pressure', 1010) > 0.9 * before - 0.01);
    for (let i = 1; i < 4000; i++) n.observe('pressure', 1020, 2000 * 60_000 + 60 * DAY_MS + i * 60_000);
    assert.ok(n.median('pressure') > 1019, 'the new weather wins once it outweighs the memory');
  });

  it('time-of-day buckets split the local day evenly', () => {
    assert.equal(bucketOf(0, 6), 0);
    assert.equal(bucketOf(3.99, 6), 0);
    assert.equal(bucketOf(4, 6), 1);
    assert.equal(bucketOf(23.99, 6), 5);
    assert.equal(bucketOf(-1, 6), 5);
    assert.equal(bucketOf(13, 1), 0);
  });

  it('is saved to the store and restored from it; a broken row keeps the prior with a message', () => {
    const n = new SeasonalNormaliser();
    replay(n, 150, 180);
    const store = SkychoirStore.open(':memory:');
    store.saveNormaliserStates(n.exportStates());
    const rows = store.loadNormaliserStates();
    assert.equal(rows.length, SEASONAL_CHANNELS.reduce((a, c) => a + c.buckets, 0));
    const back = new SeasonalNormaliser();
    assert.deepEqual(back.importStates(rows), []);
    for (const p of [0.1, 0.5, 0.9]) assert.ok(Math.abs(back.quantile('pressure', p) - n.quantile('pressure', p)) < 1e-3);
    assert.ok(Math.abs(back.median('temperature', 13) - n.median('temperature', 13)) < 1e-3);
    const broken = new SeasonalNormaliser();
    const problems = broken.importStates([{ feature: 'pressure', bucket: 0, state: { v: 1, min: 900, max: 1080, binWidth: 0.5, lastMs: 0, weights: [1, 2] } }]);
    assert.match(problems[0] ?? '', /seasonal normaliser pressure\/0: want 360 finite non-negative weights; starting from the prior/);
    assert.ok(Math.abs(broken.median('pressure') - 1013.25) < 0.01);
    store.close();
  });
});
