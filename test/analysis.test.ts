/**
 * The sound-quality measures on signals with known answers: WAV reading, chroma and
 * timbre, register, onsets, the repetition statistic, streaming clicks and silence, the
 * PNG writer, and `skychoir analyze` end to end on a small file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { decodeWav, parseWavHeader, WavReader, WavError } from '../src/analysis/wavReader.ts';
import { encodeWav24 } from '../src/render/wavWriter.ts';
import { ChromaTimbre, PITCH_CLASSES, dominantPitchClass } from '../src/analysis/chroma.ts';
import { MonoSpectra } from '../src/analysis/stft.ts';
import { RegisterMeter, noteNameOfMidi } from '../src/analysis/register.ts';
import { onsetDensity } from '../src/analysis/onsets.ts';
import { SecondFrames, repetitionStatistic } from '../src/analysis/repetition.ts';
import { ClickCounter, SilenceTracker } from '../src/analysis/streamLevels.ts';
import { findClicks, longestSilenceS } from '../src/analysis/levels.ts';
import { crc32, IndexedImage, lineChartPng } from '../src/analysis/plots.ts';
import { analyzeCommand } from '../src/cli/analyzeCommand.ts';

/** A seeded uniform in [-0.5, 0.5) (LCG; tests only). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5;
}

/** A harmonic tone (6 partials, 1/h) of `seconds` with linear attack and release. */
function addNote(
  out: Float32Array,
  sr: number,
  atS: number,
  seconds: number,
  hz: number,
  amp: number,
  attackS = 0.05,
): void {
  const start = Math.round(atS * sr);
  const n = Math.round(seconds * sr);
  for (let j = 0; j < n && start + j < out.length; j++) {
    const env = Math.min(1, j / (attackS * sr)) * Math.min(1, (n - j) / (0.05 * sr));
    let v = 0;
    for (let h = 1; h <= 6; h++)
      if (h * hz < sr / 2) v += Math.sin((2 * Math.PI * h * hz * j) / sr) / h;
    out[start + j] = (out[start + j] ?? 0) + amp * env * v;
  }
}

/** Chroma and timbre pooled per second, as the repetition statistic reads them. */
function secondFeatures(x: Float32Array, sr: number): Float64Array[] {
  const features = new ChromaTimbre(sr, 16384);
  const seconds = new SecondFrames(1);
  new MonoSpectra(sr, 16384, 8192, (f) =>
    seconds.add(f.timeS, features.chroma(f.magnitude), features.timbre(f.magnitude)),
  ).push([x]);
  return seconds.frames();
}

function wavBytes(format: 1 | 3, bits: number, channels: Float32Array[], sr: number): Buffer {
  const frames = channels[0]!.length;
  const width = bits / 8;
  const out = Buffer.alloc(44 + frames * channels.length * width);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(format, 20);
  out.writeUInt16LE(channels.length, 22);
  out.writeUInt32LE(sr, 24);
  out.writeUInt32LE(sr * channels.length * width, 28);
  out.writeUInt16LE(channels.length * width, 32);
  out.writeUInt16LE(bits, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(frames * channels.length * width, 40);
  let o = 44;
  for (let i = 0; i < frames; i++) {
    for (const ch of channels) {
      const x = ch[i]!;
      if (format === 3) out.writeFloatLE(x, o);
      else if (bits === 16) out.writeInt16LE(Math.round(x * 32767), o);
      else out.writeInt32LE(Math.round(x * 2147483647), o);
      o += width;
    }
  }
  return out;
}

describe('WAV reader', () => {
  const sr = 8000;
  const left = Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.sin(i / 7));
  const right = Float32Array.from({ length: 1000 }, (_, i) => -0.25 * Math.cos(i / 5));

  it('reads 16-bit, 24-bit, 32-bit PCM and 32-bit float back within their quantisation', () => {
    const cases: [string, Buffer, number][] = [
      ['16-bit', wavBytes(1, 16, [left, right], sr), 1 / 32767],
      ['24-bit', encodeWav24([left, right], sr), 1 / 8388607],
      ['32-bit', wavBytes(1, 32, [left, right], sr), 1e-7],
      ['float', wavBytes(3, 32, [left, right], sr), 0],
    ];
    for (const [name, bytes, tol] of cases) {
      const { info, channels } = decodeWav(bytes, name);
      assert.equal(info.sampleRate, sr);
      assert.equal(info.frames, 1000);
      assert.equal(channels.length, 2);
      for (let i = 0; i < 1000; i++) {
        assert.ok(Math.abs(channels[0]![i]! - left[i]!) <= tol + 1e-7, `${name} left[${i}]`);
        assert.ok(Math.abs(channels[1]![i]! - right[i]!) <= tol + 1e-7, `${name} right[${i}]`);
      }
    }
  });

  it('streams a file in chunks that join to the whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-wav-'));
    const path = join(dir, 'x.wav');
    writeFileSync(path, encodeWav24([left, right], sr));
    const reader = WavReader.open(path);
    const got: number[] = [];
    let chunks = 0;
    for (const c of reader.chunks(300)) {
      chunks++;
      got.push(...c[0]!);
    }
    reader.close();
    reader.close();
    assert.equal(chunks, 4);
    assert.equal(got.length, 1000);
    assert.ok(Math.abs(got[999]! - left[999]!) < 1e-6);
  });

  it('refuses what it cannot read, saying what it was', () => {
    assert.throws(() => parseWavHeader(Buffer.from('RIFX....WAVE'), 12), WavError);
    const mp3ish = wavBytes(1, 16, [left], sr);
    mp3ish.writeUInt16LE(85, 20); // MPEG layer 3
    assert.throws(() => decodeWav(mp3ish), /format 85 at 16 bits is not supported/);
  });
});

describe('chroma, timbre and register', () => {
  const sr = 48000;
  const frameOf = (x: Float32Array): Float64Array => {
    let mag: Float64Array | undefined;
    new MonoSpectra(sr, 16384, 16384, (f) => (mag ??= f.magnitude)).push([x]);
    assert.ok(mag);
    return mag;
  };
  const tone = (hz: number): Float32Array =>
    Float32Array.from({ length: 16384 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sr));

  it('a sine at A4 (440 Hz) peaks in the A bin; at C5 in the C bin', () => {
    const ct = new ChromaTimbre(sr, 16384);
    const a = ct.chroma(frameOf(tone(440)));
    assert.equal(dominantPitchClass(a), 'A');
    assert.ok(a[PITCH_CLASSES.indexOf('A')]! > 0.9, `A holds ${a[9]}`);
    assert.equal(dominantPitchClass(ct.chroma(frameOf(tone(523.25)))), 'C');
  });

  it('a C major triad puts C, E and G on top', () => {
    const x = new Float32Array(16384);
    for (const hz of [261.63, 329.63, 392.0])
      for (let i = 0; i < x.length; i++) x[i]! += 0.2 * Math.sin((2 * Math.PI * hz * i) / sr);
    const c = new ChromaTimbre(sr, 16384).chroma(frameOf(x));
    const top = [...c]
      .map((v, i) => [v, i] as const)
      .sort((p, q) => q[0] - p[0])
      .slice(0, 3)
      .map(([, i]) => PITCH_CLASSES[i]);
    assert.deepEqual(top.sort(), ['C', 'E', 'G']);
  });

  it('timbre tells a dull tone from a bright noise (c1 falls as the spectrum tilts up)', () => {
    const ct = new ChromaTimbre(sr, 16384);
    const rnd = lcg(3);
    const noise = Float32Array.from({ length: 16384 }, () => 0.2 * rnd());
    const dull = ct.timbre(frameOf(tone(200)));
    const bright = ct.timbre(frameOf(noise));
    assert.equal(dull.length, 13);
    assert.ok(dull[1]! > bright[1]!, `c1 dull ${dull[1]} vs bright ${bright[1]}`);
  });

  it('register of a 220 Hz sine is MIDI 57 (A3); an octave up is 12 more', () => {
    const low = new RegisterMeter(sr, 16384).add(frameOf(tone(220)));
    const high = new RegisterMeter(sr, 16384).add(frameOf(tone(440)));
    assert.ok(Math.abs(low - 57) < 0.2, `${low}`);
    assert.ok(Math.abs(high - low - 12) < 0.2, `${high - low}`);
    assert.equal(noteNameOfMidi(57), 'A3');
    assert.equal(noteNameOfMidi(60.3), 'C4 +30 ct');
  });
});

describe('onset density', () => {
  const sr = 48000;
  it('a click train of 2 per second over quiet noise: 120 per minute, each click once', () => {
    const rnd = lcg(1);
    const x = Float32Array.from({ length: sr * 30 }, () => 0.001 * rnd());
    for (let k = 0; k < 60; k++) {
      const at = Math.round((k * 0.5 + 0.25) * sr);
      for (let j = 0; j < 48; j++) x[at + j]! += 0.5 * Math.exp(-j / 8) * (j % 2 ? -1 : 1);
    }
    const r = onsetDensity([x], sr);
    assert.equal(r.times.length, 60, r.times.map((t) => t.toFixed(2)).join(' '));
    assert.ok(Math.abs(r.perMinute - 120) < 0.01);
    r.times.forEach((t, k) =>
      assert.ok(Math.abs(t - (k * 0.5 + 0.25)) < 0.06, `onset ${k} at ${t}`),
    );
  });

  it('harmonic notes with 50 ms attacks are found; white noise alone gives no more than its entry', () => {
    const rnd = lcg(2);
    const notes = new Float32Array(sr * 20);
    for (let k = 0; k < 20; k++)
      addNote(notes, sr, k + 0.2, 0.8, 220 * 2 ** (((k * 5) % 12) / 12), 0.2);
    const found = onsetDensity([notes], sr).times.length;
    assert.ok(found >= 19 && found <= 21, `${found} of 20 notes`);
    const noise = Float32Array.from({ length: sr * 30 }, () => 0.1 * rnd());
    assert.ok(onsetDensity([noise], sr).times.length <= 1);
  });
});

describe('repetition statistic', () => {
  // 8192 Hz: the 8192-sample hop is exactly 1 s, so a phrase replayed every 60 s falls on
  // the same frames each time (at 48 kHz frames drift against the phrase: ~0.99).
  const sr = 8192;
  const minutes = 11;

  /** A 60 s phrase of random harmonic notes, replayed `minutes` times. */
  function repeatedPhrase(): Float32Array {
    const rnd = lcg(5);
    const phrase = new Float32Array(sr * 60);
    for (let t = 0; t < 59; t += 1 + rnd())
      addNote(phrase, sr, t, 0.9, 110 * 2 ** (Math.floor((rnd() + 0.5) * 24) / 12), 0.15);
    const x = new Float32Array(sr * 60 * minutes);
    for (let m = 0; m < minutes; m++) x.set(phrase, m * phrase.length);
    return x;
  }

  it('a replayed passage reads 1.0, at windows a whole number of phrases apart', () => {
    const r = repetitionStatistic(secondFeatures(repeatedPhrase(), sr));
    assert.ok(r.maxCorrelation > 0.999, `max ${r.maxCorrelation}`);
    assert.ok(
      r.at && (r.at.bS - r.at.aS) % 60 === 0 && r.at.bS - r.at.aS >= 600,
      JSON.stringify(r.at),
    );
    assert.ok(r.windows >= Math.floor((minutes * 60 - 31) / 10), `${r.windows} windows`);
  });

  it('noise reads low', () => {
    const rnd = lcg(9);
    const x = Float32Array.from({ length: sr * 60 * minutes }, () => 0.2 * rnd());
    const r = repetitionStatistic(secondFeatures(x, sr));
    assert.ok(r.maxCorrelation < 0.5, `max ${r.maxCorrelation}`);
    assert.ok(r.pairs > 0);
  });

  it('a file shorter than the separation has no pairs, and says so with NaN', () => {
    const r = repetitionStatistic(Array.from({ length: 100 }, () => new Float64Array(25).fill(1)));
    assert.equal(r.pairs, 0);
    assert.ok(Number.isNaN(r.maxCorrelation));
  });
});

describe('streaming clicks and silence agree with levels.ts', () => {
  const sr = 48000;
  const x = Float32Array.from({ length: sr * 3 }, (_, i) =>
    i > sr && i < 1.8 * sr ? 0 : 0.1 * Math.sin((2 * Math.PI * 220 * i) / sr),
  );
  x[Math.round(0.5 * sr)]! += 0.3;
  x[Math.round(2.5 * sr)]! -= 0.3;

  it('clicks found across arbitrary chunk boundaries are the whole-file clicks', () => {
    const whole = findClicks(x, sr);
    assert.ok(whole.length >= 2);
    for (const size of [997, 4800, 48000]) {
      const counter = new ClickCounter(sr, 1);
      for (let i = 0; i < x.length; i += size) counter.push([x.subarray(i, i + size)]);
      counter.finish();
      assert.deepEqual(
        counter.times.map((t) => t.toFixed(4)),
        whole.map((t) => t.toFixed(4)),
        `chunk ${size}`,
      );
    }
  });

  it('the longest silence is the whole-file value', () => {
    const tracker = new SilenceTracker(sr, 1);
    for (let i = 0; i < x.length; i += 1000) tracker.push([x.subarray(i, i + 1000)]);
    assert.ok(Math.abs(tracker.longestS - longestSilenceS([x], sr)) < 1e-9);
    assert.ok(Math.abs(tracker.atS - 1.05) < 0.06, `${tracker.atS}`);
  });
});

describe('PNG writer', () => {
  it('CRC-32 of "123456789" is CBF43926 (the check value of ISO 3309)', () => {
    assert.equal(crc32(Buffer.from('123456789')).toString(16), 'cbf43926');
  });

  it('writes a valid indexed PNG: signature, chunk CRCs, IHDR size, inflatable scanlines', () => {
    const img = new IndexedImage(20, 10, [
      [255, 255, 255],
      [0, 0, 0],
    ]);
    img.line(0, 0, 19, 9, 1);
    img.text(1, 1, 'A1', 1);
    const png = img.toPng();
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let o = 8;
    const types: string[] = [];
    let idat = Buffer.alloc(0);
    while (o < png.length) {
      const len = png.readUInt32BE(o);
      const type = png.toString('ascii', o + 4, o + 8);
      types.push(type);
      assert.equal(
        png.readUInt32BE(o + 8 + len),
        crc32(png.subarray(o + 4, o + 8 + len)),
        `${type} CRC`,
      );
      if (type === 'IHDR') {
        assert.equal(png.readUInt32BE(o + 8), 20);
        assert.equal(png.readUInt32BE(o + 12), 10);
      }
      if (type === 'IDAT') idat = Buffer.concat([idat, png.subarray(o + 8, o + 8 + len)]);
      o += 12 + len;
    }
    assert.deepEqual(types, ['IHDR', 'PLTE', 'IDAT', 'IEND']);
    const raw = inflateSync(idat);
    assert.equal(raw.length, 10 * 21);
    assert.equal(raw[1 + 0], 1, 'the line starts at the top-left pixel');
  });

  it('a line chart is a PNG of the asked size', () => {
    const png = lineChartPng(
      [
        {
          label: 'x',
          colour: [0, 0, 255],
          points: [
            [0, -20],
            [5, -25],
            [10, -22],
          ],
        },
      ],
      {
        title: 'test',
        yLabel: 'LUFS',
        durationS: 10,
        yMin: -30,
        yMax: -10,
        width: 300,
        height: 150,
      },
    );
    assert.equal(png.readUInt32BE(16), 300);
    assert.equal(png.readUInt32BE(20), 150);
  });
});

describe('skychoir analyze', () => {
  it('prints the JSON summary and writes report.md, loudness.png and spectrogram.png', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skychoir-analyze-'));
    const sr = 48000;
    const a = 10 ** (-23 / 20);
    const x = Float32Array.from(
      { length: sr * 12 },
      (_, i) => a * Math.sin((2 * Math.PI * 1000 * i) / sr),
    );
    const wav = join(dir, 'tone.wav');
    writeFileSync(wav, encodeWav24([x, x], sr));
    const printed: string[] = [];
    const log = console.log;
    console.log = (s: string) => printed.push(s);
    let code: number;
    try {
      code = await analyzeCommand([wav, '--report', join(dir, 'report'), '--target', '-23']);
    } finally {
      console.log = log;
    }
    assert.equal(code, 0);
    const summary = JSON.parse(printed.join('\n'));
    assert.ok(
      Math.abs(summary.loudness.integratedLufs + 23) < 0.1,
      `${summary.loudness.integratedLufs}`,
    );
    assert.equal(summary.clicks.count, 0);
    assert.equal(summary.pass, true);
    for (const f of ['report.md', 'loudness.png', 'spectrogram.png'])
      assert.ok(existsSync(join(dir, 'report', f)), f);
    assert.match(
      readFileSync(join(dir, 'report', 'report.md'), 'utf8'),
      /\| integrated loudness \| within ±1 LU of -23 LUFS \|/,
    );
  });

  it('asks for exactly one file', async () => {
    const err = console.error;
    console.error = () => {};
    try {
      assert.equal(await analyzeCommand([]), 2);
    } finally {
      console.error = err;
    }
  });
});
