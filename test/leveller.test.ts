/**
 * The slow loudness leveller on synthetic loudness histories: it waits a minute, then
 * brings a piece that sits or drifts away from the target back within 0.5 LU without
 * overshooting, leaves one already there alone, ignores silence, keeps to its range, and
 * lets a change of minutes through (a storm arriving stays louder for minutes).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Leveller } from '../src/engine/leveller.ts';

/** Runs the leveller over `minutes` of 0.5 s windows of an unlevelled loudness curve. */
function run(target: number, loudnessAt: (s: number) => number, minutes: number): { offsets: number[]; heard: number[] } {
  const l = new Leveller(target);
  const offsets: number[] = [];
  const heard: number[] = [];
  for (let s = 0; s < minutes * 60; s += 0.5) {
    // What the graph measures is the piece plus the offset the leveller applied.
    const m = loudnessAt(s) + l.offsetDb;
    heard.push(m);
    offsets.push(l.hear(m, s));
  }
  return { offsets, heard };
}

it('waits a minute, then brings a piece 2 LU too loud to the target, and stays', () => {
  const { offsets, heard } = run(-18, (s) => -16 + 0.5 * Math.sin(s / 7), 20);
  assert.equal(offsets[100], 0, 'nothing moves in the first minute');
  const last = heard.slice(-600);
  const mean = 10 * Math.log10(last.reduce((a, x) => a + 10 ** (x / 10), 0) / last.length);
  assert.ok(Math.abs(mean - -18) < 0.5, `last 5 min at ${mean.toFixed(2)} LUFS`);
  assert.ok(Math.min(...offsets) > -2.6, `no overshoot: ${Math.min(...offsets).toFixed(2)} dB`);
});

it('follows a slow drift (1 LU an hour) and leaves a piece on target alone', () => {
  const drift = run(-18, (s) => -17.5 + s / 3600, 120);
  assert.ok(Math.abs((drift.heard.at(-1) ?? 0) - -18) < 0.6, `after 2 h: ${drift.heard.at(-1)?.toFixed(2)}`);
  const still = run(-18, () => -18.1, 30);
  assert.ok(still.offsets.every((o) => o === 0), 'on target: no offset');
});

it('lets a storm arrive louder for minutes, ignores silence, and keeps to -6..+4 dB', () => {
  const storm = run(-18, (s) => (s < 600 ? -18 : -14), 14);
  const twoMinutesIn = storm.heard[(600 + 120) * 2] ?? 0;
  assert.ok(twoMinutesIn > -16, `two minutes into the storm still ${twoMinutesIn.toFixed(2)} LUFS`);
  const silent = run(-18, () => -80, 10);
  assert.ok(silent.offsets.every((o) => o === 0), 'silence is not a level');
  const quiet = run(-18, () => -40, 60);
  assert.ok(Math.abs(Math.max(...quiet.offsets) - 4) < 1e-9, 'up to +4 dB');
  const loud = run(-18, () => 0, 60);
  assert.ok(Math.abs(Math.min(...loud.offsets) + 6) < 1e-9, 'down to -6 dB');
  assert.ok(Math.max(...quiet.offsets) <= 4 && Math.min(...loud.offsets) >= -6, 'never beyond');
});
