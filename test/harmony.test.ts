/** Modes, diatonic chords, voice leading and root motion, as plain numbers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MODES,
  MODES_DARK_TO_BRIGHT,
  chordOn,
  degreePc,
  isInKey,
  midiToHz,
  nearestWithPc,
  nextDegree,
  scaleNotes,
  voiceLead,
  type Chord,
  type Key,
  type VoiceRange,
} from '../src/conductor/harmony.ts';
import { createRng } from '../src/conductor/rng.ts';

const pc = (midi: number): number => ((midi % 12) + 12) % 12;
/** The pad's SATB ranges (src/conductor/layers/padLayer.ts). */
const SATB: readonly VoiceRange[] = [
  { lo: 40, hi: 55 },
  { lo: 48, hi: 62 },
  { lo: 55, hi: 69 },
  { lo: 60, hi: 76 },
];

const keyArb = fc.record({ tonicPc: fc.integer({ min: 0, max: 11 }), mode: fc.constantFrom(...MODES_DARK_TO_BRIGHT) });
const chordArb = fc.tuple(keyArb, fc.integer({ min: -20, max: 20 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([key, degree, tension]) => ({ key, chord: chordOn(key, degree, tension) }));
/** SATB shifted together, as the pad's register control does (-5..+7). */
const rangesArb = fc.integer({ min: -5, max: 7 }).map((shift) => SATB.map((r) => ({ lo: r.lo + shift, hi: r.hi + shift })));

describe('modes', () => {
  it('every mode has 7 distinct ascending steps from 0 within an octave, dark to bright', () => {
    assert.deepEqual([...MODES_DARK_TO_BRIGHT].sort(), Object.keys(MODES).sort());
    for (const name of MODES_DARK_TO_BRIGHT) {
      const steps = MODES[name];
      assert.equal(steps.length, 7, name);
      assert.equal(steps[0], 0);
      for (let i = 1; i < 7; i++) assert.ok((steps[i] ?? 0) > (steps[i - 1] ?? 0) && (steps[i] ?? 99) < 12, name);
    }
    // Brightness: each mode raises one degree of the one before it.
    const sums = MODES_DARK_TO_BRIGHT.map((m) => (MODES[m] as readonly number[]).reduce((a, b) => a + b, 0));
    for (let i = 1; i < sums.length; i++) assert.equal(sums[i], (sums[i - 1] ?? 0) + 1);
  });

  it('degreePc wraps octaves both ways; scale notes are in key', () => {
    const dDorian: Key = { tonicPc: 2, mode: 'dorian' };
    assert.equal(degreePc(dDorian, 0), 2);
    assert.equal(degreePc(dDorian, 2), 5); // F
    assert.equal(degreePc(dDorian, 7), 2);
    assert.equal(degreePc(dDorian, -1), 0); // C below D
    assert.deepEqual(scaleNotes({ tonicPc: 0, mode: 'ionian' }, 60, 72), [60, 62, 64, 65, 67, 69, 71, 72]);
    assert.ok(isInKey(dDorian, 59)); // B natural in D dorian
    assert.ok(!isInKey(dDorian, 58));
  });
});

describe('chordOn', () => {
  it('builds triads on degrees, with the right qualities', () => {
    const cMajor: Key = { tonicPc: 0, mode: 'ionian' };
    assert.deepEqual(chordOn(cMajor, 0, 0), { degree: 0, pcs: [0, 4, 7] });
    assert.deepEqual(chordOn(cMajor, 1, 0), { degree: 1, pcs: [2, 5, 9] });
    assert.deepEqual(chordOn(cMajor, 6, 0), { degree: 6, pcs: [11, 2, 5] });
    assert.deepEqual(chordOn(cMajor, 8, 0), { degree: 1, pcs: [2, 5, 9] }, 'degrees wrap');
    assert.deepEqual(chordOn({ tonicPc: 9, mode: 'aeolian' }, 0, 0).pcs, [9, 0, 4]);
  });

  it('adds the 9th above tension 0.35 and the 11th above 0.7', () => {
    const cMajor: Key = { tonicPc: 0, mode: 'ionian' };
    assert.deepEqual(chordOn(cMajor, 0, 0.35).pcs, [0, 4, 7]);
    assert.deepEqual(chordOn(cMajor, 0, 0.5).pcs, [0, 4, 7, 2]);
    assert.deepEqual(chordOn(cMajor, 0, 0.9).pcs, [0, 4, 7, 2, 5]);
  });

  it('has more notes as tension rises, all in key, root first (property)', () => {
    fc.assert(
      fc.property(keyArb, fc.integer({ min: -30, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (key, degree, t1, t2) => {
        const [lo, hi] = t1 <= t2 ? [t1, t2] : [t2, t1];
        const a = chordOn(key, degree, lo);
        const b = chordOn(key, degree, hi);
        assert.ok(a.pcs.length <= b.pcs.length);
        assert.ok(a.pcs.length >= 3 && b.pcs.length <= 5);
        assert.ok(b.degree >= 0 && b.degree <= 6);
        assert.equal(b.pcs[0], degreePc(key, degree));
        for (const p of b.pcs) assert.ok(isInKey(key, p), `${p} in key`);
        assert.equal(new Set(b.pcs).size, b.pcs.length, 'no repeated pitch class');
      }),
    );
  });
});

describe('nearestWithPc', () => {
  it('is the closest note of that pitch class, within a tritone', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 127 }), (p, near) => {
        const n = nearestWithPc(p, near);
        assert.equal(pc(n), p);
        assert.ok(Math.abs(n - near) <= 6);
      }),
    );
  });
});

describe('voiceLead', () => {
  it('puts the root in the bass and fills the chord in the upper voices', () => {
    const chord: Chord = { degree: 0, pcs: [2, 6, 9] }; // D major
    const v = voiceLead([50, 57, 62, 66], chord, SATB);
    assert.equal(pc(v[0] ?? 0), 2);
    assert.deepEqual(new Set(v.map(pc)), new Set([2, 6, 9]));
    v.forEach((n, i) => assert.ok(n >= (SATB[i]?.lo ?? 0) && n <= (SATB[i]?.hi ?? 0)));
  });

  it('from nothing, starts every voice inside its range', () => {
    const v = voiceLead([], chordOn({ tonicPc: 2, mode: 'mixolydian' }, 0, 0), SATB);
    assert.equal(v.length, 4);
    v.forEach((n, i) => assert.ok(n >= (SATB[i]?.lo ?? 0) && n <= (SATB[i]?.hi ?? 0), `${n}`));
  });

  it('keeps every voice in its range from any previous voicing, even far outside (property)', () => {
    fc.assert(
      fc.property(chordArb, rangesArb, fc.array(fc.integer({ min: 0, max: 127 }), { minLength: 0, maxLength: 4 }), ({ chord }, ranges, previous) => {
        const v = voiceLead(previous, chord, ranges);
        assert.equal(v.length, ranges.length);
        v.forEach((n, i) => {
          const r = ranges[i];
          assert.ok(r && n >= r.lo && n <= r.hi, `voice ${i}: ${n} outside ${JSON.stringify(r)}`);
          assert.ok(chord.pcs.includes(pc(n)), `voice ${i}: ${n} is a chord tone`);
        });
        assert.equal(pc(v[0] ?? 0), chord.pcs[0], 'the bass takes the root');
      }),
      { numRuns: 500 },
    );
  });

  it('moves little when the previous voicing is in range (property)', () => {
    // The bounds that hold by construction, with ranges at least 14 semitones wide:
    // - the bass takes the nearest root inside its range, so it moves at most 11;
    // - an upper voice always has a chord tone within a fourth (5) in the direction its
    //   range leaves room for, and pays at most 4 more to avoid doubling a tone.
    const inRange = rangesArb.chain((ranges) =>
      fc.tuple(fc.constant(ranges), fc.tuple(...ranges.map((r) => fc.integer({ min: r.lo, max: r.hi })))),
    );
    let upperOver7 = 0;
    let runs = 0;
    fc.assert(
      fc.property(chordArb, inRange, ({ chord }, [ranges, previous]) => {
        const v = voiceLead(previous, chord, ranges);
        runs++;
        const bassMove = Math.abs((v[0] ?? 0) - (previous[0] ?? 0));
        assert.ok(bassMove <= 11, `bass moved ${bassMove}`);
        const bassRange = ranges[0] as VoiceRange;
        for (let m = bassRange.lo; m <= bassRange.hi; m++) {
          if (pc(m) === chord.pcs[0]) assert.ok(Math.abs(m - (previous[0] ?? 0)) >= bassMove, 'the nearest root in range');
        }
        for (let i = 1; i < v.length; i++) {
          const move = Math.abs((v[i] ?? 0) - (previous[i] ?? 0));
          assert.ok(move <= 9, `voice ${i} moved ${move}`);
          if (move > 7) upperOver7++;
        }
        const total = v.reduce((sum, n, i) => sum + Math.abs(n - (previous[i] ?? 0)), 0);
        assert.ok(total <= 30, `total movement ${total}`);
      }),
      { numRuns: 2000 },
    );
    // Leaps beyond a fifth in the upper voices are the exception (about 0.1 % of random cases).
    assert.ok(upperOver7 / runs < 0.01, `${upperOver7} of ${runs} chords leapt more than 7 in an upper voice`);
  });

  it('along a progression from the conductor, upper voices stay within a fifth', () => {
    const rng = createRng(11);
    for (let run = 0; run < 50; run++) {
      const key: Key = { tonicPc: rng.int(12), mode: rng.pick(MODES_DARK_TO_BRIGHT) };
      let degree = 0;
      let voicing: number[] = [];
      for (let k = 0; k < 100; k++) {
        const next = voiceLead(voicing, chordOn(key, degree, rng.next()), SATB);
        if (voicing.length > 0) {
          for (let i = 1; i < 4; i++) assert.ok(Math.abs((next[i] ?? 0) - (voicing[i] ?? 0)) <= 7, `voice ${i}: ${voicing[i]} -> ${next[i]}`);
        }
        voicing = next;
        degree = nextDegree(degree, rng);
      }
    }
  });
});

describe('nextDegree', () => {
  it('stays in 0..6 from any degree, and prefers fourths and fifths', () => {
    const rng = createRng(4);
    const motions = new Map<number, number>();
    let current = 0;
    for (let i = 0; i < 20_000; i++) {
      const next = nextDegree(current, rng);
      assert.ok(Number.isInteger(next) && next >= 0 && next <= 6, `${next}`);
      const motion = (next - current + 7) % 7;
      motions.set(motion, (motions.get(motion) ?? 0) + 1);
      current = next;
    }
    for (const start of [-8, -1, 7, 13]) {
      const d = nextDegree(start, rng);
      assert.ok(d >= 0 && d <= 6, `from ${start}: ${d}`);
    }
    // Weights 4 (up a fourth), 3 (up a fifth), ... 0.5 (stay) of 14.
    const share = (m: number): number => (motions.get(m) ?? 0) / 20_000;
    assert.ok(Math.abs(share(3) - 4 / 14) < 0.02, `fourth ${share(3)}`);
    assert.ok(Math.abs(share(4) - 3 / 14) < 0.02, `fifth ${share(4)}`);
    assert.ok(Math.abs(share(0) - 0.5 / 14) < 0.01, `stay ${share(0)}`);
  });
});

describe('midiToHz', () => {
  it('A4 is 440 Hz, octaves double', () => {
    assert.equal(midiToHz(69), 440);
    assert.equal(midiToHz(81), 880);
    assert.ok(Math.abs(midiToHz(60) - 261.6256) < 1e-4);
  });
});
