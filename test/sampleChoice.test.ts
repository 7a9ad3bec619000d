/** Which sample sings a note, at what rate and trim: pure, tested with plain values. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { chooseSample, REFERENCE_LOUDNESS_DBFS } from '../src/conductor/sampleChoice.ts';
import type { SampleInfo } from '../src/samples/sampleManifest.ts';
import { SHIPPED_SAMPLES } from './support/conductorRun.ts';

function sample(id: string, pitchMidi: number, tags: string[], loudnessDbfs = -14): SampleInfo {
  return { id, file: `${id}.wav`, rootMidi: Math.round(pitchMidi), pitchMidi, loudnessDbfs, durationS: 2, loopStartS: 0.5, loopEndS: 1.9, register: 'alto', tags };
}

const SET = [sample('aah-c4', 60, ['choir', 'aah']), sample('aah-c5', 72, ['choir', 'aah']), sample('ooh-fs4', 66, ['choir', 'ooh'], -30)];

describe('chooseSample', () => {
  it('takes the nearest-pitched sample with the wanted tags and transposes by rate', () => {
    const c = chooseSample(SET, 63, ['aah']);
    assert.equal(c.sampleId, 'aah-c4');
    assert.ok(Math.abs(c.rate - 2 ** (3 / 12)) < 1e-12);
    assert.equal(chooseSample(SET, 72, ['aah']).rate, 1);
  });

  it('falls back to any sample when no sample has the tags', () => {
    assert.equal(chooseSample(SET, 65, ['hum']).sampleId, 'ooh-fs4');
  });

  it('levels the sample to the reference loudness, trim limited to ±24 dB', () => {
    assert.equal(chooseSample(SET, 60, ['aah']).trimDb, REFERENCE_LOUDNESS_DBFS + 14);
    assert.equal(chooseSample(SET, 66, ['ooh']).trimDb, 20);
    assert.equal(chooseSample([sample('whisper', 60, [], -60)], 60, []).trimDb, 24);
  });

  it('throws on an empty set', () => {
    assert.throws(() => chooseSample([], 60, []), /no samples/);
  });

  it('with the shipped samples, rate * 2^(semitones) matches the note and stays in 0.5..2 across choir ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 38, max: 88 }), fc.constantFrom(['aah'], ['ooh'], ['choir'], []), (midi, tags) => {
        const c = chooseSample(SHIPPED_SAMPLES, midi, tags);
        const chosen = SHIPPED_SAMPLES.find((s) => s.id === c.sampleId);
        assert.ok(chosen);
        assert.ok(Math.abs(chosen.pitchMidi + 12 * Math.log2(c.rate) - midi) < 1e-9);
        assert.ok(c.rate >= 0.5 && c.rate <= 2, `midi ${midi} ${tags.join(',')}: ${c.sampleId} at ${c.rate}`);
        for (const t of tags) assert.ok(chosen.tags.includes(t));
      }),
      { numRuns: 300 },
    );
  });
});
