/** The seeded xoshiro128** generator behind every musical decision. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRng } from '../src/conductor/rng.ts';

const take = (seed: number, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    assert.deepEqual(take(42, 1000), take(42, 1000));
  });

  it('gives different sequences for different seeds, even neighbouring ones', () => {
    for (const [a, b] of [
      [0, 1],
      [1, 2],
      [42, 43],
      [0, 2 ** 32 - 1],
    ] as const) {
      const x = take(a, 20);
      const y = take(b, 20);
      const same = x.filter((v, i) => v === y[i]).length;
      assert.equal(same, 0, `seeds ${a} and ${b} share ${same} of 20 values`);
    }
  });

  it('values are in [0, 1) for any seed (property)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const rng = createRng(seed);
        for (let i = 0; i < 200; i++) {
          const x = rng.next();
          assert.ok(x >= 0 && x < 1, `${x}`);
          const r = rng.range(-3, 5);
          assert.ok(r >= -3 && r < 5);
          const k = rng.int(7);
          assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('is not stuck: a long sequence has many distinct values and a mean near 0.5', () => {
    const xs = take(7, 20_000);
    assert.ok(new Set(xs).size > 19_990);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  });

  it('int(n) is uniform (chi-square, loose bound)', () => {
    const rng = createRng(2026);
    const n = 10;
    const draws = 50_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) {
      const k = rng.int(n);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const expected = draws / n;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p = 0.001 at 27.9.
    assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)} for counts ${counts.join(', ')}`);
  });

  it('chance(p) happens about p of the time; pick covers the list', () => {
    const rng = createRng(5);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (rng.chance(0.3)) hits++;
    assert.ok(Math.abs(hits / 20_000 - 0.3) < 0.015, `${hits}`);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(['a', 'b', 'c']));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
    assert.equal(rng.chance(0), false);
    assert.throws(() => rng.pick([]), /empty list/);
  });

  it('fork() is deterministic and independent of what the parent does next', () => {
    const a = createRng(9);
    const b = createRng(9);
    const forkA = a.fork();
    const forkB = b.fork();
    // The parents go different ways after forking: the forks must not care.
    for (let i = 0; i < 50; i++) a.next();
    const fromForkA = Array.from({ length: 100 }, () => forkA.next());
    const fromForkB = Array.from({ length: 100 }, () => forkB.next());
    assert.deepEqual(fromForkA, fromForkB);
  });

  it('forks differ from the parent and from each other', () => {
    const parent = createRng(3);
    const f1 = parent.fork();
    const f2 = parent.fork();
    const s1 = Array.from({ length: 50 }, () => f1.next());
    const s2 = Array.from({ length: 50 }, () => f2.next());
    const sp = Array.from({ length: 50 }, () => parent.next());
    assert.equal(s1.filter((x, i) => x === s2[i]).length, 0);
    assert.equal(s1.filter((x, i) => x === sp[i]).length, 0);
    // Correlation between two forks is near zero.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const g1 = parent.fork();
    const g2 = parent.fork();
    const x = Array.from({ length: 5000 }, () => g1.next());
    const y = Array.from({ length: 5000 }, () => g2.next());
    const mx = mean(x);
    const my = mean(y);
    const cov = mean(x.map((v, i) => (v - mx) * ((y[i] ?? 0) - my)));
    const corr = cov / Math.sqrt(mean(x.map((v) => (v - mx) ** 2)) * mean(y.map((v) => (v - my) ** 2)));
    assert.ok(Math.abs(corr) < 0.05, `correlation ${corr}`);
  });
});
