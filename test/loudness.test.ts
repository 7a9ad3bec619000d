/**
 * Loudness and true peak against known answers: the EBU Tech 3341 (v4) and Tech 3342
 * test signals that are defined as sine tones, synthesised here, and inter-sample peaks
 * whose true value is known in closed form.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  kWeightingFilters,
  kWeightingFromPrototype,
  LoudnessMeter,
  measureLoudness,
  TruePeakMeter,
} from '../src/analysis/loudness.ts';

const SR = 48000;

/** A 1 kHz sine at `dbfs` peak for `seconds`, phase continuous from `startSample`. */
function sine(
  dbfs: number,
  seconds: number,
  hz = 1000,
  sampleRate = SR,
  startSample = 0,
): Float32Array {
  const a = 10 ** (dbfs / 20);
  return Float32Array.from(
    { length: Math.round(seconds * sampleRate) },
    (_, i) => a * Math.sin((2 * Math.PI * hz * (i + startSample)) / sampleRate),
  );
}

/** Consecutive sine segments [dBFS, seconds], the same on every channel. */
function program(segments: [number, number][], channels = 2, sampleRate = SR): Float32Array[] {
  const parts: Float32Array[] = [];
  let at = 0;
  for (const [db, s] of segments) {
    parts.push(sine(db, s, 1000, sampleRate, at));
    at += Math.round(s * sampleRate);
  }
  const joined = new Float32Array(at);
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.length;
  }
  return Array.from({ length: channels }, () => joined);
}

const near = (got: number, want: number, tol: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= tol, `${what}: ${got.toFixed(3)}, want ${want} ±${tol}`);

describe('K-weighting (ITU-R BS.1770-4)', () => {
  it('the general formulas reproduce Table 1 and Table 2 at 48 kHz', () => {
    const table = kWeightingFilters(48000);
    const formula = kWeightingFromPrototype(48000);
    for (const stage of ['shelf', 'highPass'] as const) {
      for (const k of ['b0', 'b1', 'b2', 'a1', 'a2'] as const) {
        assert.ok(
          Math.abs(table[stage][k] - formula[stage][k]) < 1e-8,
          `${stage}.${k}: ${formula[stage][k]} vs ${table[stage][k]}`,
        );
      }
    }
  });

  it('weighs a 1 kHz tone by about +0.69 dB, so a stereo sine at X dBFS reads X LUFS at 44.1, 48 and 96 kHz', () => {
    for (const rate of [44100, 48000, 96000]) {
      const m = measureLoudness(program([[-23, 5]], 2, rate), rate);
      near(m.integratedLufs, -23, 0.1, `${rate} Hz`);
    }
  });
});

describe('EBU Tech 3341 (v4) minimum requirements, synthesised', () => {
  it('test 1: stereo 1 kHz at -23 dBFS, 20 s: M, S and I read -23.0 ±0.1', () => {
    const meter = new LoudnessMeter(SR, 2);
    meter.push(program([[-23, 20]]));
    near(meter.integratedLufs(), -23, 0.1, 'I');
    for (const m of meter.momentaryLufs()) near(m, -23, 0.1, 'M');
    for (const s of meter.shortTermLufs()) near(s, -23, 0.1, 'S');
  });

  it('test 2: stereo 1 kHz at -33 dBFS, 20 s: -33.0 ±0.1', () => {
    near(measureLoudness(program([[-33, 20]]), SR).integratedLufs, -33, 0.1, 'I');
  });

  it('test 3: -36 / -23 / -36 dBFS (10, 60, 10 s): the relative gate leaves -23.0 ±0.1', () => {
    near(
      measureLoudness(
        program([
          [-36, 10],
          [-23, 60],
          [-36, 10],
        ]),
        SR,
      ).integratedLufs,
      -23,
      0.1,
      'I',
    );
  });

  it('test 4: -72 / -36 / -23 / -36 / -72 dBFS: the absolute gate too, -23.0 ±0.1', () => {
    near(
      measureLoudness(
        program([
          [-72, 10],
          [-36, 10],
          [-23, 60],
          [-36, 10],
          [-72, 10],
        ]),
        SR,
      ).integratedLufs,
      -23,
      0.1,
      'I',
    );
  });

  it('test 5: -26 / -20 / -26 dBFS (20, 20.1, 20 s): -23.0 ±0.1', () => {
    near(
      measureLoudness(
        program([
          [-26, 20],
          [-20, 20.1],
          [-26, 20],
        ]),
        SR,
      ).integratedLufs,
      -23,
      0.1,
      'I',
    );
  });

  it('test 6: 5.0 channels (L, R -28, C -24, Ls, Rs -30 dBFS) with BS.1770 surround weights: -23.0 ±0.1', () => {
    const [l, c, s] = [sine(-28, 20), sine(-24, 20), sine(-30, 20)];
    near(measureLoudness([l, l, c, s, s], SR).integratedLufs, -23, 0.1, 'I');
  });

  it('test 9: 1.34 s at -20 then 1.66 s at -30 dBFS, repeated: short-term constant at -23.0 ±0.1 after 3 s', () => {
    const segments: [number, number][] = [];
    for (let i = 0; i < 10; i++) segments.push([-20, 1.34], [-30, 1.66]);
    const meter = new LoudnessMeter(SR, 2);
    meter.push(program(segments));
    const st = meter.shortTermLufs();
    assert.ok(st.length > 200);
    for (const v of st) near(v, -23, 0.1, 'S');
  });

  it('momentary follows a 400 ms burst: a 0.4 s tone at -20 dBFS alone reads max M -20.0 ±0.1', () => {
    const meter = new LoudnessMeter(SR, 2);
    meter.push(
      program([
        [-120, 1],
        [-20, 0.4],
        [-120, 1],
      ]),
    );
    near(meter.maxMomentaryLufs(), -20, 0.1, 'max M');
  });

  it('streaming: any chunking gives the same values as one push', () => {
    const signal = program([
      [-30, 3],
      [-18, 4],
      [-40, 3],
    ]);
    const whole = new LoudnessMeter(SR, 2);
    whole.push(signal);
    const chunked = new LoudnessMeter(SR, 2);
    for (let i = 0; i < signal[0]!.length; i += 1237)
      chunked.push(signal.map((c) => c.subarray(i, i + 1237)));
    // Only the order of floating-point additions differs.
    near(chunked.integratedLufs(), whole.integratedLufs(), 1e-9, 'I');
    const a = chunked.shortTermLufs();
    const b = whole.shortTermLufs();
    assert.equal(a.length, b.length);
    a.forEach((v, i) => near(v, b[i]!, 1e-9, `S[${i}]`));
  });

  it('silence reads -Infinity, not NaN, and integrates nothing', () => {
    const m = measureLoudness([new Float32Array(SR * 2), new Float32Array(SR * 2)], SR);
    assert.equal(m.integratedLufs, -Infinity);
    assert.equal(m.loudnessRangeLu, 0);
  });
});

describe('EBU Tech 3342 (v4) loudness range, synthesised', () => {
  const cases: [string, [number, number][], number][] = [
    [
      'test 1: -20 / -30 dBFS, 20 s each',
      [
        [-20, 20],
        [-30, 20],
      ],
      10,
    ],
    [
      'test 2: -20 / -15 dBFS',
      [
        [-20, 20],
        [-15, 20],
      ],
      5,
    ],
    [
      'test 3: -40 / -20 dBFS',
      [
        [-40, 20],
        [-20, 20],
      ],
      20,
    ],
    [
      'test 4: -50 / -35 / -20 / -35 / -50 dBFS',
      [
        [-50, 20],
        [-35, 20],
        [-20, 20],
        [-35, 20],
        [-50, 20],
      ],
      15,
    ],
  ];
  for (const [name, segments, want] of cases) {
    it(`${name}: LRA ${want} ±1 LU`, () => {
      near(measureLoudness(program(segments), SR).loudnessRangeLu, want, 1, 'LRA');
    });
  }
});

describe('true peak (BS.1770-4 Annex 2)', () => {
  it('a sine at fs/4 with 45° phase: samples at -9.03 dBFS, true peak -6.02 dBTP (+0.2/-0.4 per Tech 3341)', () => {
    const a = 0.5;
    const x = Float32Array.from(
      { length: SR },
      (_, i) => a * Math.sin((Math.PI / 2) * i + Math.PI / 4),
    );
    const meter = new TruePeakMeter(1);
    meter.push([x]);
    const samplePeak = 20 * Math.log10(Math.max(...x.map(Math.abs)));
    near(samplePeak, -9.03, 0.01, 'sample peak');
    assert.ok(
      meter.dbtp <= -6.02 + 0.2 && meter.dbtp >= -6.02 - 0.4,
      `true peak ${meter.dbtp.toFixed(3)} dBTP`,
    );
  });

  it('an inter-sample peak above full scale: 0 dBFS samples, +3 dBTP', () => {
    const x = Float32Array.from(
      { length: SR },
      (_, i) => Math.SQRT2 * Math.sin((Math.PI / 2) * i + Math.PI / 4),
    );
    const tp = measureLoudness([x, x], SR).truePeakDbtp;
    assert.ok(tp >= 3.01 - 0.4 && tp <= 3.01 + 0.2, `true peak ${tp.toFixed(3)} dBTP`);
  });

  it('a low sine reads its peak (1 kHz at -6 dBFS: -6.0 ±0.05 dBTP), and chunking does not change it', () => {
    const x = sine(-6, 1);
    const whole = new TruePeakMeter(1);
    whole.push([x]);
    near(whole.dbtp, -6, 0.05, 'dBTP');
    const chunked = new TruePeakMeter(1);
    for (let i = 0; i < x.length; i += 333) chunked.push([x.subarray(i, i + 333)]);
    assert.equal(chunked.dbtp, whole.dbtp);
  });

  it('a single full-scale sample (Tech 3341 style impulse) reads at least 0 dBTP', () => {
    const x = new Float32Array(4800);
    x[2400] = 1;
    const meter = new TruePeakMeter(1);
    meter.push([x]);
    assert.ok(meter.dbtp >= 0 && meter.dbtp < 0.5, `${meter.dbtp}`);
  });
});
