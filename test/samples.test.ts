/**
 * The shipped choral sample set (samples/manifest.json + samples/choir/*.wav) and the tools
 * that build it. The manifest is a contract the engine reads; these tests hold it to it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, writeWav16 } from '../samples/tools/wav.ts';
import { estimatePitchHz, hzToMidi, measureSample, registerOf } from '../samples/tools/measure.ts';
import {
  buildSampleSet,
  PITCH_FLAG_CENTS,
  PITCH_FLAG_TAG,
  SAMPLES_DIR,
  type Manifest,
} from '../samples/tools/extract-choir.ts';
import { findProgram, skipUnlessProgram } from './support/programs.ts';

const MAX_TOTAL_BYTES = 25 * 1024 * 1024;
const manifest = JSON.parse(readFileSync(join(SAMPLES_DIR, 'manifest.json'), 'utf8')) as Manifest;

const cents = (hz: number, wantHz: number): number => 1200 * Math.log2(hz / wantHz);

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(path) : statSync(path).size;
  }
  return total;
}

test('pitch estimator: sines within 5 cents from 55 Hz to 2960 Hz', () => {
  const rate = 48000;
  for (const hz of [55, 77.78, 130.81, 261.63, 440, 1046.5, 2959.96]) {
    const x = Float32Array.from(
      { length: rate },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate),
    );
    const got = estimatePitchHz(x, rate);
    assert.ok(got !== undefined, `${hz} Hz: no estimate`);
    assert.ok(Math.abs(cents(got, hz)) < 5, `${hz} Hz sine estimated as ${got.toFixed(2)} Hz`);
  }
});

test('pitch estimator: sawtooth (all harmonics) within 5 cents, no octave errors', () => {
  const rate = 48000;
  for (const hz of [98, 220, 523.25, 1760]) {
    const x = Float32Array.from(
      { length: rate },
      (_, i) => 0.5 * (2 * ((hz * i) / rate - Math.floor((hz * i) / rate + 0.5))),
    );
    const got = estimatePitchHz(x, rate);
    assert.ok(got !== undefined, `${hz} Hz: no estimate`);
    assert.ok(Math.abs(cents(got, hz)) < 5, `${hz} Hz sawtooth estimated as ${got.toFixed(2)} Hz`);
  }
});

test('pitch estimator: silence and white noise give no pitch', () => {
  const rate = 48000;
  assert.equal(estimatePitchHz(new Float32Array(rate), rate), undefined);
  let seed = 12345; // fixed LCG (Numerical Recipes constants), so the test is repeatable
  const noise = Float32Array.from(
    { length: rate },
    () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5,
  );
  assert.equal(estimatePitchHz(noise, rate), undefined);
});

test('wav: 16-bit write then read round-trips within one LSB and rejects non-WAV input', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9);
  const { sampleRate, channels } = readWav(writeWav16(x, 48000));
  assert.equal(sampleRate, 48000);
  assert.equal(channels.length, 1);
  const [mono] = channels;
  assert.ok(mono && mono.length === x.length);
  mono.forEach((v, i) => assert.ok(Math.abs(v - (x[i] ?? 0)) <= 1 / 32768));
  assert.throws(() => readWav(Buffer.from('not a wav file at all')), /not a RIFF\/WAVE/);
});

test('register boundaries: bass < 48 <= tenor < 60 <= alto < 68 <= soprano', () => {
  assert.deepEqual([47, 48, 59, 60, 67, 68].map(registerOf), [
    'bass',
    'tenor',
    'tenor',
    'alto',
    'alto',
    'soprano',
  ]);
});

test('manifest: version, rate, sorted unique ids, files named after ids', () => {
  assert.equal(manifest.version, 1);
  assert.equal(manifest.sampleRate, 48000);
  const ids = manifest.samples.map((s) => s.id);
  assert.deepEqual(ids, [...ids].sort(), 'samples sorted by id');
  assert.equal(new Set(ids).size, ids.length, 'ids unique');
  for (const s of manifest.samples) {
    assert.equal(s.file, `choir/${s.id}.wav`);
    assert.equal(s.register, registerOf(s.rootMidi), `${s.id}: register`);
    assert.ok(s.licence === 'MIT', `${s.id}: licence ${s.licence}`);
    for (const [key, value] of Object.entries(s)) {
      if (typeof value === 'number')
        assert.ok(Number.isFinite(value), `${s.id}.${key} is ${value}`);
    }
  }
});

test('manifest: every file is a 48 kHz mono WAV whose length and loop match the manifest', () => {
  for (const s of manifest.samples) {
    const path = join(SAMPLES_DIR, s.file);
    assert.ok(existsSync(path), `${s.file} missing`);
    const wav = readWav(readFileSync(path));
    assert.equal(wav.sampleRate, 48000, `${s.id}: sample rate`);
    assert.equal(wav.channels.length, 1, `${s.id}: channels`);
    const frames = wav.channels[0]?.length ?? 0;
    assert.ok(
      Math.abs(frames / 48000 - s.durationS) < 1e-3,
      `${s.id}: duration ${s.durationS} s vs ${frames} frames`,
    );
    assert.ok(
      0 <= s.loopStartSample && s.loopStartSample < s.loopEndSample && s.loopEndSample <= frames,
      `${s.id}: loop ${s.loopStartSample}-${s.loopEndSample} outside ${frames} frames`,
    );
    assert.ok(
      Math.abs(s.loopStartS - s.loopStartSample / 48000) < 1e-4 &&
        Math.abs(s.loopEndS - s.loopEndSample / 48000) < 1e-4,
      `${s.id}: loop seconds`,
    );
  }
});

test('manifest: measured pitch within 50 cents of the root key, or the sample is flagged', () => {
  for (const s of manifest.samples) {
    assert.ok(
      Math.abs(hzToMidi(s.measuredHz) - s.measuredMidi) < 0.01,
      `${s.id}: measuredHz and measuredMidi disagree`,
    );
    assert.ok(Math.abs(100 * (s.measuredMidi - s.rootMidi) - s.centsOff) < 1, `${s.id}: centsOff`);
    const flagged = s.tags.includes(PITCH_FLAG_TAG);
    assert.equal(
      flagged,
      Math.abs(s.centsOff) > PITCH_FLAG_CENTS,
      `${s.id}: ${s.centsOff} cents, flagged ${flagged}`,
    );
  }
});

test('manifest: the numbers are what the shipped audio measures', () => {
  // Lowest, a middle and the highest sample: enough to catch a stale manifest cheaply.
  const byRoot = [...manifest.samples].sort((a, b) => a.rootMidi - b.rootMidi);
  for (const s of [byRoot[0], byRoot[byRoot.length >> 1], byRoot[byRoot.length - 1]]) {
    assert.ok(s);
    const x = readWav(readFileSync(join(SAMPLES_DIR, s.file))).channels[0] ?? new Float32Array(0);
    const m = measureSample(x, 48000, s.loopStartSample, s.loopEndSample);
    assert.ok(
      m.measuredHz !== undefined && Math.abs(m.measuredHz - s.measuredHz) < 0.01,
      `${s.id}: measured ${m.measuredHz} Hz`,
    );
    assert.ok(
      Math.abs(m.loudnessDbfs - s.loudnessDbfs) < 0.06 && Math.abs(m.peakDbfs - s.peakDbfs) < 0.06,
      `${s.id}: loudness`,
    );
    assert.ok(Math.abs(m.loopSeam - s.loopSeam) < 0.001, `${s.id}: loop seam`);
  }
});

test('sample set: at least 2 instruments and 6 root pitches spanning 2 octaves, under 25 MB', () => {
  const instruments = new Set(manifest.samples.map((s) => s.id.replace(/-[a-g]s?-?\d+$/, '')));
  assert.ok(instruments.size >= 2, `instruments: ${[...instruments].join(', ')}`);
  const roots = [...new Set(manifest.samples.map((s) => s.rootMidi))].sort((a, b) => a - b);
  assert.ok(roots.length >= 6, `distinct root pitches: ${roots.join(', ')}`);
  assert.ok(
    (roots[roots.length - 1] ?? 0) - (roots[0] ?? 0) >= 24,
    `root span ${roots[0]}..${roots[roots.length - 1]}`,
  );
  const bytes = directoryBytes(SAMPLES_DIR);
  assert.ok(bytes < MAX_TOTAL_BYTES, `samples/ is ${(bytes / 1048576).toFixed(1)} MB`);
  const shipped = readdirSync(join(SAMPLES_DIR, 'choir'))
    .filter((f) => f.endsWith('.wav'))
    .map((f) => `choir/${f}`)
    .sort();
  assert.deepEqual(
    shipped,
    manifest.samples.map((s) => s.file).sort(),
    'every shipped WAV is in the manifest and vice versa',
  );
});

const FLUID_SF2 = '/usr/share/sounds/sf2/FluidR3_GM.sf2';
const soundfontSkip = existsSync(FLUID_SF2)
  ? false
  : `${FLUID_SF2} missing (apt-get install fluid-soundfont-gm)`;

test(
  'rebuild: the extractor reproduces the shipped set byte for byte',
  { skip: findProgram('sox') ? soundfontSkip : skipUnlessProgram('sox'), timeout: 120_000 },
  () => {
    const outDir = mkdtempSync(join(tmpdir(), 'skychoir-samples-'));
    try {
      buildSampleSet(outDir, () => {});
      assert.equal(
        readFileSync(join(outDir, 'manifest.json'), 'utf8'),
        readFileSync(join(SAMPLES_DIR, 'manifest.json'), 'utf8'),
      );
      for (const s of manifest.samples) {
        assert.ok(
          readFileSync(join(outDir, s.file)).equals(readFileSync(join(SAMPLES_DIR, s.file))),
          `${s.file} differs from a fresh build`,
        );
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
);
