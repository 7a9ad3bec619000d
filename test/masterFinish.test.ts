/**
 * The master's limiters and ceiling as arithmetic (masterFinish.ts, how renders finish
 * their samples) against the nodes the live graph builds (a Tone.Limiter per speaker pair,
 * the ceiling's WaveShaperNode): the same graph rendered both ways, driven 30 dB too hot
 * (the limiters and the ceiling at work) and at a sane level (the make-up gain alone).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { limiterDelayFrames, MasterFinish } from '../src/audio/masterFinish.ts';
import { renderHotGraph } from './support/hotGraph.ts';

/** Largest difference between two renders, in dB below the louder one's peak. */
function differenceDb(a: Float32Array[], b: Float32Array[]): { db: number; peak: number } {
  let worst = 0;
  let peak = 0;
  a.forEach((x, c) => {
    const y = b[c] as Float32Array;
    for (let i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
      peak = Math.max(peak, Math.abs(x[i] as number));
    }
  });
  return { db: 20 * Math.log10(worst / peak), peak };
}

for (const speakers of [2, 3, 8]) {
  for (const masterDb of [0, -30, -45]) {
    it(`${speakers} speakers, master at ${masterDb} dB: the arithmetic matches the nodes to float rounding`, async (t) => {
      const nodes = await renderHotGraph({ finishInGraph: true, speakers, masterDb });
      const bare = await renderHotGraph({ finishInGraph: false, speakers, masterDb });
      bare.finish.process(bare.channels);
      const { db, peak } = differenceDb(nodes.channels, bare.channels);
      assert.ok(peak > 0.01, `it sounds (peak ${peak})`);
      assert.ok(db < -90, `differ by ${db.toFixed(1)} dB below the peak`);
      t.diagnostic(
        `${speakers} speakers, master ${masterDb} dB: differ by ${db.toFixed(1)} dB; probe ${nodes.momentaryLufs.toFixed(3)} vs ${bare.momentaryLufs.toFixed(3)} LUFS`,
      );
      // The probe hears the finished mix either way.
      assert.ok(
        Math.abs(nodes.momentaryLufs - bare.momentaryLufs) < 0.05,
        `probe ${nodes.momentaryLufs.toFixed(2)} vs ${bare.momentaryLufs.toFixed(2)} LUFS`,
      );
    });
  }
}

it('the finish delays by whole render quanta (~6 ms), carries its state across calls, forgets it on reset, and limits a step', () => {
  const rate = 48000;
  const delay = limiterDelayFrames(rate);
  assert.equal(delay, 384);
  const step = (): Float32Array[] =>
    [0, 1].map(() => Float32Array.from({ length: rate }, (_, i) => (i < rate / 2 ? 0.1 : 1)));
  const whole = new MasterFinish(2, rate);
  const a = step();
  whole.process(a);
  // In pieces of uneven length, the same result.
  const pieces = new MasterFinish(2, rate);
  const b = step();
  for (let from = 0; from < rate;) {
    const to = Math.min(rate, from + 1000 + (from % 777));
    pieces.process(b.map((x) => x.subarray(from, to)));
    from = to;
  }
  assert.deepEqual(b, a);
  // Reset, it is as it was before it heard anything.
  pieces.reset();
  const c = step();
  pieces.process(c);
  assert.deepEqual(c, a);
  const left = a[0] as Float32Array;
  assert.equal(left[delay - 1], 0, 'nothing before the delay');
  // 0.1 (-20 dBFS) is under the threshold: only the make-up gain (the spec's, -6.3 dB for
  // Tone.Limiter's settings) applies.
  const quiet = (left[delay + 1000] as number) / 0.1;
  assert.ok(
    Math.abs(20 * Math.log10(quiet) + 6.27) < 0.05,
    `make-up ${(20 * Math.log10(quiet)).toFixed(2)} dB`,
  );
  // The step to 0 dBFS sits in the knee, which the implementation centres half a knee
  // (15 dB) above the threshold: a reduction of 16^2 (1/20 - 1) / 60 = 0.25 dB on top.
  const loud = left[rate / 2 + delay + 2000] as number;
  const reduction = 20 * Math.log10(loud / quiet);
  assert.ok(Math.abs(reduction + 0.253) < 0.01, `reduction ${reduction.toFixed(3)} dB`);
  for (const x of left) assert.ok(Math.abs(x) <= 10 ** (-1 / 20) + 1e-6);
});
