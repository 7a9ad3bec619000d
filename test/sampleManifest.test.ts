/** The sample manifest parser: bad entries are skipped with a message, the rest plays on. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSampleManifest, parseSampleManifest } from '../src/samples/sampleManifest.ts';
import { PROJECT_ROOT } from '../src/config/config.ts';

const good = { id: 'aah-a3', file: 'choir/aah-a3.wav', rootMidi: 57, measuredMidi: 56.7, loudnessDbfs: -16.9, durationS: 2.6, loopStartS: 0.9, loopEndS: 2.6, register: 'tenor', tags: ['choir', 'aah'] };
const manifest = (samples: unknown[]): string => JSON.stringify({ version: 1, sampleRate: 48000, samples });

describe('parseSampleManifest', () => {
  it('parses a good entry, tuning by the measured pitch when it agrees with the root', () => {
    const m = parseSampleManifest(manifest([good]));
    assert.deepEqual(m.problems, []);
    assert.equal(m.sampleRate, 48000);
    const { measuredMidi: _measured, ...rest } = good;
    assert.deepEqual(m.samples[0], { ...rest, pitchMidi: 56.7 });
  });

  it('tunes by the root when the measurement disagrees, and infers a missing register', () => {
    const m = parseSampleManifest(manifest([{ ...good, measuredMidi: 69.1, register: 'castrato', tags: ['aah', 3] }]));
    assert.equal(m.samples[0]?.pitchMidi, 57);
    assert.equal(m.samples[0]?.register, 'tenor');
    assert.deepEqual(m.samples[0]?.tags, ['aah']);
  });

  it('skips bad entries with a message naming the entry and why', () => {
    const m = parseSampleManifest(
      manifest([
        good,
        { ...good, id: 'late-loop', loopStartS: 2, loopEndS: 1 },
        { ...good, id: 'long-loop', loopEndS: 3.5 },
        { ...good, id: 'traversal', file: '../../etc/passwd' },
        { ...good, id: 'absolute', file: '/etc/passwd' },
        { ...good, id: 'no-numbers', rootMidi: 'A3', durationS: undefined },
        { file: 'x.wav' },
        'not an object',
      ]),
      'test.json',
    );
    assert.equal(m.samples.length, 1);
    assert.equal(m.problems.length, 7);
    const [lateLoop, longLoop, traversal, absolute, noNumbers, noId, notObject] = m.problems;
    assert.match(lateLoop ?? '', /test\.json sample #1 'late-loop': loop 2\.\.1 s does not fit in 2\.6 s; skipped/);
    assert.match(longLoop ?? '', /'long-loop': loop 0\.9\.\.3\.5 s does not fit/);
    assert.match(traversal ?? '', /#3 'traversal': file must be a path inside samples\/; skipped/);
    assert.match(absolute ?? '', /'absolute': file must be a path inside samples/);
    assert.match(noNumbers ?? '', /'no-numbers': rootMidi, durationS missing or not numbers; skipped/);
    assert.match(noId ?? '', /#6: needs id and file; skipped/);
    assert.match(notObject ?? '', /#7: needs id and file/);
  });

  it('refuses text that is not JSON, the wrong shape, or no usable samples', () => {
    assert.throws(() => parseSampleManifest('{', 'm.json'), /m\.json: not JSON .*rebuild it with samples\/tools/);
    assert.throws(() => parseSampleManifest(JSON.stringify({ version: 2, sampleRate: 48000, samples: [] })), /want \{version: 1, sampleRate, samples/);
    assert.throws(() => parseSampleManifest(JSON.stringify({ version: 1, samples: [] })), /want \{version: 1/);
    assert.throws(() => parseSampleManifest(manifest([{ ...good, file: '../x.wav' }])), /no usable samples \(.*file must be a path inside samples/);
  });

  it('parses the shipped manifest with no problems', () => {
    const m = loadSampleManifest(join(PROJECT_ROOT, 'samples', 'manifest.json'));
    assert.deepEqual(m.problems, []);
    assert.ok(m.samples.length >= 20);
    assert.equal(new Set(m.samples.map((s) => s.id)).size, m.samples.length, 'ids are unique');
    for (const s of m.samples) {
      assert.ok(Math.abs(s.pitchMidi - s.rootMidi) <= 0.5, s.id);
      assert.ok(s.loopEndS > s.loopStartS && s.loopEndS <= s.durationS + 1e-3, s.id);
      assert.ok(s.tags.includes('choir'), s.id);
    }
  });
});
