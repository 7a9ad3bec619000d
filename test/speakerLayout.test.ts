/**
 * Speaker layout: pairwise constant-power panning around a ring of speakers, the stereo
 * fold-down, and the config checks. Pure; property tests with fast-check.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { azimuthOf, isPlainStereo, panGains, panToAzimuth, ringOf, ringOfSpeakers, speakerProblems, STEREO_SPEAKERS, stereoFoldDown } from '../src/audio/speakerLayout.ts';

const speakerArb = fc.record({ name: fc.constant('s'), x: fc.double({ min: -50, max: 50, noNaN: true }), y: fc.double({ min: -50, max: 50, noNaN: true }) }).filter((s) => Math.hypot(s.x, s.y) > 0.01);

it('any position on any layout: one or two speakers, gains >= 0 whose powers sum to 1', () => {
  fc.assert(
    fc.property(fc.array(speakerArb, { minLength: 1, maxLength: 12 }), fc.double({ min: -720, max: 720, noNaN: true }), (speakers, azimuth) => {
      const gains = panGains(ringOf(speakers), azimuth);
      assert.ok(gains.length >= 1 && gains.length <= 2);
      for (const g of gains) assert.ok(g.gain >= 0 && g.speaker >= 0 && g.speaker < speakers.length);
      const power = gains.reduce((sum, g) => sum + g.gain * g.gain, 0);
      assert.ok(Math.abs(power - 1) < 1e-3, `power ${power}`);
    }),
  );
});

it('a position at a speaker sounds from that speaker alone; halfway, from both neighbours equally', () => {
  const ring = ringOf(ringOfSpeakers(8));
  for (let i = 0; i < 8; i++) {
    const at = panGains(ring, i * 45);
    assert.equal(at.length, 1);
    assert.equal(at[0]?.speaker, i);
    const half = panGains(ring, i * 45 + 22.5);
    assert.deepEqual(half.map((g) => g.speaker).sort(), [i, (i + 1) % 8].sort());
    for (const g of half) assert.ok(Math.abs(g.gain - Math.SQRT1_2) < 1e-9);
  }
});

it('the stereo pair reproduces the equal-power pan law of a StereoPannerNode', () => {
  const ring = ringOf(STEREO_SPEAKERS);
  for (const pan of [-1, -0.5, 0, 0.3, 1]) {
    const x = ((pan + 1) / 2) * (Math.PI / 2);
    const want = [Math.cos(x), Math.sin(x)];
    const got = [0, 0];
    for (const g of panGains(ring, panToAzimuth(pan))) got[g.speaker] = g.gain;
    assert.ok(Math.abs((got[0] ?? 0) - (want[0] ?? 0)) < 1e-9 && Math.abs((got[1] ?? 0) - (want[1] ?? 0)) < 1e-9, `pan ${pan}: ${got} vs ${want}`);
  }
});

it('the fold-down keeps each speaker whole, sends left speakers left, and is the identity for a plain pair', () => {
  assert.ok(isPlainStereo(STEREO_SPEAKERS));
  const ring = ringOfSpeakers(8);
  assert.ok(!isPlainStereo(ring));
  const m = stereoFoldDown(ring);
  for (const [i, [l, r]] of m.entries()) {
    assert.ok(Math.abs(l * l + r * r - 1) < 1e-5, 'power kept');
    const east = Math.sin((azimuthOf(ring[i]!) * Math.PI) / 180);
    if (east > 0.1) assert.ok(r > l, `speaker ${i} on the right`);
    if (east < -0.1) assert.ok(l > r, `speaker ${i} on the left`);
  }
});

it('config checks name every problem and accept good layouts', () => {
  assert.deepEqual(speakerProblems(STEREO_SPEAKERS), []);
  assert.deepEqual(speakerProblems(ringOfSpeakers(8)), []);
  assert.match(speakerProblems('left')[0] ?? '', /want a list/);
  assert.match(speakerProblems([])[0] ?? '', /1\.\.32/);
  const bad = speakerProblems([{ name: 'a', x: 0, y: 0 }, { name: 'a', x: 'far', y: 1 }, { name: 'b', x: 1, y: 1, z: 2 }]);
  assert.ok(bad.some((p) => /very middle/.test(p)));
  assert.ok(bad.some((p) => /used twice/.test(p)));
  assert.ok(bad.some((p) => /\.x: want metres/.test(p)));
  assert.ok(bad.some((p) => /unknown field 'z'/.test(p)));
  fc.assert(fc.property(fc.anything(), (v) => Array.isArray(speakerProblems(v))));
});
