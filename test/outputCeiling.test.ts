/**
 * The hard output ceiling: whatever reaches the master (every layer and voice pushed far
 * too hot, the master at its maximum), the output never exceeds -1 dBFS.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renderHot } from './support/hotGraph.ts';
import { applyCeiling, ceilingCurve, CEILING_DBFS } from '../src/audio/outputCeiling.ts';

it('the ceiling curve never leaves +-ceiling and is linear below its knee', () => {
  const curve = ceilingCurve(CEILING_DBFS);
  const ceiling = 10 ** (CEILING_DBFS / 20);
  for (const y of curve) assert.ok(Math.abs(y) <= ceiling + 1e-7);
  const mid = (curve.length - 1) / 2;
  assert.ok(Math.abs((curve[mid + 100] ?? 0) - 100 / mid) < 1e-6, 'identity near zero');
  for (let i = 1; i < curve.length; i++) assert.ok((curve[i] ?? 0) >= (curve[i - 1] ?? 0), 'monotonic');
});

it('a graph driven 30 dB too hot still peaks at or under -1 dBFS', async () => {
  let peak = 0;
  let energy = 0;
  for (const data of await renderHot({ finishInGraph: true })) {
    for (const x of data) {
      peak = Math.max(peak, Math.abs(x));
      energy += x * x;
    }
  }
  assert.ok(energy > 1000, 'it really was driven hard');
  assert.ok(20 * Math.log10(peak) <= CEILING_DBFS + 1e-4, `peak ${(20 * Math.log10(peak)).toFixed(2)} dBFS`);
});

it('applyCeiling interpolates the curve as the node does, its identity stretch left as it is', () => {
  const curve = ceilingCurve(CEILING_DBFS);
  const last = curve.length - 1;
  const interpolated = (x: number): number => {
    const v = (last / 2) * (x + 1);
    if (v <= 0) return curve[0] as number;
    if (v >= last) return curve[last] as number;
    const k = Math.floor(v);
    return (1 - (v - k)) * (curve[k] as number) + (v - k) * (curve[k + 1] as number);
  };
  fc.assert(
    fc.property(fc.float({ min: -3, max: 3, noNaN: true }), (x) => {
      const samples = Float32Array.of(x);
      applyCeiling(samples, curve);
      return Math.abs((samples[0] as number) - interpolated(Math.fround(x))) < 1e-6;
    }),
    { numRuns: 20000 },
  );
});
