/**
 * Responsiveness (issue 8): does each sky factor move the music the way the docs say?
 * A frozen base sky (calm, a third cloudy, noon, mid-October, New York) is rendered
 * through the real pipeline, then the same sky with one factor added; each render is
 * measured from `skipS` on (entry, control smoothing and event activity settled) for
 * integrated loudness, spectral centroid, onset density and register. The baseline
 * row is the base sky with another seed: the size of a change that chance alone makes.
 *
 *   node_modules/.bin/node bench/quality/responsiveness.ts [durationS=150] [skipS=30]
 *
 * Prints a markdown table; writes bench/out/responsiveness.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  BASE_READINGS,
  renderFrozenSky,
  type FrozenEvents,
  type FrozenReadings,
} from '../../test/support/frozenSky.ts';
import { analyseChannels } from '../../src/analysis/qualityMeasures.ts';
import { instantAtLocalTime } from '../../src/features/localTime.ts';
import { RENDER_DATE } from '../../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';

const durationS = Number(process.argv[2] ?? 150);
const skipS = Number(process.argv[3] ?? 30);
const SEED = 1;

type Measure = 'loudnessLufs' | 'centroidHz' | 'onsetsPerMin' | 'registerMidi';
type Direction = 'up' | 'down';

interface Factor {
  name: string;
  change: string;
  readings?: Partial<FrozenReadings>;
  events?: FrozenEvents[];
  localHour?: number;
  expect: Partial<Record<Measure, Direction>>;
  /** Where the docs say so (docs/model.md: the notes of the training examples). */
  docs: string;
}

export const FACTORS: Factor[] = [
  {
    name: 'falling pressure',
    change: 'barometer falling 6 hPa in 3 h (tendency feature -1)',
    readings: { pressureTendencyHPa3h: -6 },
    expect: { centroidHz: 'down', registerMidi: 'down' },
    docs: 'pressure-falling-clear: "a hint of darkening and tension"; storm ladder: "denser, lower, darker, tenser"',
  },
  {
    name: 'wind',
    change: 'mean wind 2.5 -> 14 m/s, gusts 21 m/s',
    readings: { windMps: 14, gustMps: 21 },
    expect: { onsetsPerMin: 'up', loudnessLufs: 'up' },
    docs: 'windy-clear-noon: "bright and agitated, pace and density up, some tension; not low or dark"',
  },
  {
    name: 'cloud cover',
    change: 'cloud 0.3 -> 1.0 (brightness follows: 0.79 -> 0.30)',
    readings: { cloudCover: 1 },
    expect: { centroidHz: 'down', registerMidi: 'down' },
    docs: 'overcast-noon: "the pad thickens a little, colours duller, registers lower than a clear noon"',
  },
  {
    name: 'rain',
    change: 'rain 0 -> 6 mm/h',
    readings: { precipitationMmH: 6 },
    expect: { centroidHz: 'down', onsetsPerMin: 'up', loudnessLufs: 'up' },
    docs: 'rain-noon: "Pad dense, brightness lower, space up"; the event layer adds rain drops (eventLayer.ts)',
  },
  {
    name: 'flock',
    change: 'a flock of 120 every 40 s',
    events: [{ kind: 'flock', everyS: 40, count: 120, confidence: 0.9 }],
    expect: { loudnessLufs: 'up', onsetsPerMin: 'up', registerMidi: 'up' },
    docs: 'flock-noon: "events loud, dense and high (quick rising figures), solo more active, pace up"',
  },
  {
    name: 'aircraft',
    change: 'an aircraft every 60 s',
    events: [{ kind: 'aircraft', everyS: 60, count: 1, confidence: 0.9 }],
    expect: { loudnessLufs: 'up', registerMidi: 'down', onsetsPerMin: 'down' },
    docs: 'aircraft-noon: "events swell up, lower and wide, more space; pace slows"',
  },
  {
    name: 'time of day',
    change: 'noon -> midnight (brightness 0.79 -> 0)',
    localHour: 0,
    expect: {
      loudnessLufs: 'down',
      onsetsPerMin: 'down',
      centroidHz: 'down',
      registerMidi: 'down',
    },
    docs: 'clear-midnight: "Everything thins and slows; the drone holds the room, low and dark, the solo almost gone"',
  },
];

/** A change is clear when it is at least this large (relative for centroid and onsets). */
export const CLEAR: Record<Measure, { abs?: number; rel?: number; unit: string }> = {
  loudnessLufs: { abs: 1, unit: 'LU' },
  centroidHz: { rel: 0.1, unit: 'Hz' },
  onsetsPerMin: { abs: 2, rel: 0.25, unit: '/min' },
  registerMidi: { abs: 1, unit: 'semitones' },
};
const MEASURES: Measure[] = ['loudnessLufs', 'centroidHz', 'onsetsPerMin', 'registerMidi'];

function isClear(m: Measure, base: number, value: number): boolean {
  const d = Math.abs(value - base);
  const c = CLEAR[m];
  return (
    (c.abs === undefined || d >= c.abs) && (c.rel === undefined || d >= c.rel * Math.abs(base))
  );
}

async function measure(
  readings: FrozenReadings,
  events: FrozenEvents[],
  localHour: number,
  seed: number,
): Promise<Record<Measure, number> & { voices: number }> {
  const startMs = instantAtLocalTime(RENDER_DATE, localHour, DEFAULT_CONFIG.location.timeZone);
  const r = await renderFrozenSky({ startMs, readings, events }, durationS, seed);
  const skip = Math.round(skipS * r.sampleRate);
  const { report } = analyseChannels(
    r.channels.map((c) => c.subarray(skip)),
    r.sampleRate,
    { repetition: false, spectrogramColumns: 1 },
  );
  return {
    loudnessLufs: report.loudness.integratedLufs,
    centroidHz: report.spectralCentroidHz,
    onsetsPerMin: report.onsets.perMinute,
    registerMidi: report.register.meanMidi,
    voices: r.voicesStarted,
  };
}

const started = performance.now();
const base = await measure(BASE_READINGS, [], 12, SEED);
const baseline = await measure(BASE_READINGS, [], 12, SEED + 1);
const fmt: Record<Measure, (x: number) => string> = {
  loudnessLufs: (x) => x.toFixed(1),
  centroidHz: (x) => x.toFixed(0),
  onsetsPerMin: (x) => x.toFixed(1),
  registerMidi: (x) => x.toFixed(1),
};
const delta = (m: Measure, a: number, b: number): string => {
  const d = b - a;
  const rel =
    m === 'centroidHz' || m === 'onsetsPerMin'
      ? ` (${a !== 0 ? `${d >= 0 ? '+' : ''}${((100 * d) / Math.abs(a)).toFixed(0)}%` : 'n/a'})`
      : '';
  return `${d >= 0 ? '+' : ''}${fmt[m](d)}${rel}`;
};

const rows: string[][] = [];
const results: unknown[] = [];
rows.push([
  'base (seed 1)',
  'calm, cloud 0.3, noon',
  ...MEASURES.map((m) => fmt[m](base[m])),
  String(base.voices),
  '',
  '',
]);
rows.push([
  'baseline: base, seed 2',
  'chance alone',
  ...MEASURES.map(
    (m) => `${delta(m, base[m], baseline[m])}${isClear(m, base[m], baseline[m]) ? ' !' : ''}`,
  ),
  String(baseline.voices),
  '',
  '',
]);
let failures = 0;
for (const f of FACTORS) {
  const got = await measure(
    { ...BASE_READINGS, ...f.readings },
    f.events ?? [],
    f.localHour ?? 12,
    SEED,
  );
  const agree: string[] = [];
  const contradict: string[] = [];
  for (const [m, dir] of Object.entries(f.expect) as [Measure, Direction][]) {
    if (!isClear(m, base[m], got[m])) continue;
    const up = got[m] > base[m];
    ((up ? 'up' : 'down') === dir ? agree : contradict).push(`${m} ${up ? 'up' : 'down'}`);
  }
  const pass = agree.length > 0;
  if (!pass) failures++;
  const cells = MEASURES.map((m) => {
    const want = f.expect[m];
    const mark = want ? (want === 'up' ? ' (want ↑)' : ' (want ↓)') : '';
    return `${delta(m, base[m], got[m])}${isClear(m, base[m], got[m]) ? ' !' : ''}${mark}`;
  });
  rows.push([
    f.name,
    f.change,
    ...cells,
    String(got.voices),
    pass ? `PASS (${agree.join(', ')})` : 'FAIL',
    contradict.join(', '),
  ]);
  results.push({
    factor: f.name,
    change: f.change,
    expect: f.expect,
    docs: f.docs,
    measured: got,
    agree,
    contradict,
    pass,
  });
}

const header = [
  'factor',
  'change',
  'loudness LUFS',
  'centroid Hz',
  'onsets /min',
  'register MIDI',
  'voices',
  'verdict',
  'clearly against the docs',
];
console.log(
  `responsiveness, ${durationS} s renders measured from ${skipS} s, seed ${SEED}; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log(
  'clear: loudness >= 1 LU, centroid >= 10 %, onsets >= 2/min and >= 25 %, register >= 1 semitone (marked !)',
);
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(
  `${FACTORS.length - failures}/${FACTORS.length} factors move at least one measure clearly as the docs say; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
mkdirSync('bench/out', { recursive: true });
writeFileSync(
  'bench/out/responsiveness.json',
  JSON.stringify({ durationS, skipS, seed: SEED, base, baseline, results }, null, 2),
);
