/** Measures on rendered audio, checked on synthetic signals with known answers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fft, findClicks, longestSilenceS, measureLevels, spectralCentroidHz, toDb, windowedRmsDbfs } from '../src/analysis/levels.ts';

const RATE = 48_000;
const MINUS_20_DBFS = 0.1;

function sine(hz: number, seconds: number, amplitude = MINUS_20_DBFS, envelope: (t: number) => number = () => 1): Float32Array {
  const x = new Float32Array(Math.round(seconds * RATE));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * envelope(i / RATE) * Math.sin((2 * Math.PI * hz * i) / RATE);
  return x;
}

const near = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, want ${expected} ± ${tolerance}`);

describe('findClicks', () => {
  it('finds a 0.05 step inserted in a -20 dBFS sine, where it is', () => {
    const x = sine(440, 2);
    const at = Math.round(1.2345 * RATE);
    for (let i = at; i < x.length; i++) x[i] = (x[i] ?? 0) + 0.05;
    const clicks = findClicks(x, RATE);
    assert.equal(clicks.length, 1, `clicks at ${clicks.join(', ')}`);
    near(clicks[0] ?? 0, at / RATE, 2 / RATE, 'click time');
  });

  it('finds a cut to silence', () => {
    const x = sine(440, 1);
    x.fill(0, Math.round(0.5 * RATE) + 17); // mid-cycle, not at a zero crossing
    assert.equal(findClicks(x, RATE).length, 1);
  });

  it('finds none in a clean sine, a loud high sine, or a slowly enveloped sine', () => {
    assert.deepEqual(findClicks(sine(440, 2), RATE), []);
    assert.deepEqual(findClicks(sine(5000, 1, 0.9), RATE), []);
    const swell = (t: number): number => Math.sin((Math.PI * t) / 3) ** 2; // 3 s rise and fall
    assert.deepEqual(findClicks(sine(220, 3, 0.5, swell), RATE), []);
  });

  it('handles tiny and silent inputs', () => {
    assert.deepEqual(findClicks(new Float32Array(2), RATE), []);
    assert.deepEqual(findClicks(new Float32Array(RATE), RATE), []);
  });
});

describe('measureLevels', () => {
  it('a sine of amplitude 0.1 peaks at -20 dBFS with RMS 3 dB lower', () => {
    const levels = measureLevels([sine(1000, 1), sine(1000, 1)], RATE);
    near(levels.peakDbfs, -20, 0.01, 'peak');
    near(levels.rmsDbfs, -20 - 10 * Math.log10(2), 0.01, 'rms');
  });

  it('silence is -Infinity', () => {
    assert.deepEqual(measureLevels([new Float32Array(100)], RATE), { peakDbfs: -Infinity, rmsDbfs: -Infinity });
    assert.equal(toDb(1), 0);
  });

  it('windowed RMS follows the signal window by window', () => {
    const x = new Float32Array(RATE);
    x.fill(0.5, RATE / 2);
    const w = windowedRmsDbfs([x], RATE, 0.25);
    assert.equal(w.length, 4);
    assert.deepEqual(w.slice(0, 2), [-Infinity, -Infinity]);
    near(w[2] ?? 0, toDb(0.5), 1e-6, 'DC at 0.5');
  });
});

describe('longestSilenceS', () => {
  it('measures a 1 s gap in a tone, and nothing in a tone without one', () => {
    const x = sine(440, 3);
    x.fill(0, RATE, 2 * RATE);
    near(longestSilenceS([x], RATE), 1, 1e-9, 'gap');
    assert.equal(longestSilenceS([sine(440, 3)], RATE), 0);
  });

  it('uses the threshold: a -70 dBFS hum is silence at -60, not at -80', () => {
    const hum = sine(100, 2, 10 ** (-70 / 20) * Math.SQRT2);
    near(longestSilenceS([hum], RATE), 2, 1e-9, 'at -60');
    assert.equal(longestSilenceS([hum], RATE, -80), 0);
  });
});

describe('spectralCentroidHz', () => {
  it('a 1 kHz sine has its centroid within 5 % of 1 kHz', () => {
    const c = spectralCentroidHz([sine(1000, 2)], RATE);
    assert.ok(Math.abs(c - 1000) / 1000 < 0.05, `${c} Hz`);
  });

  it('equal sines at 500 Hz and 4 kHz centre near their mean; brighter is higher', () => {
    const a = sine(500, 2);
    const b = sine(4000, 2);
    const mix = a.map((v, i) => v + (b[i] ?? 0));
    const c = spectralCentroidHz([mix], RATE);
    assert.ok(Math.abs(c - 2250) / 2250 < 0.05, `${c} Hz`);
    assert.ok(spectralCentroidHz([sine(300, 1)], RATE) < spectralCentroidHz([sine(3000, 1)], RATE));
  });

  it('is 0 for input shorter than a frame or silent', () => {
    assert.equal(spectralCentroidHz([new Float32Array(1000)], RATE), 0);
    assert.equal(spectralCentroidHz([new Float32Array(8192)], RATE), 0);
  });
});

describe('fft', () => {
  it('puts a bin-centred cosine in its bin and matches a direct DFT', () => {
    const n = 64;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let i = 0; i < n; i++) re[i] = Math.cos((2 * Math.PI * 5 * i) / n) + 0.25 * Math.sin((2 * Math.PI * 9 * i) / n);
    const input = Float64Array.from(re);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let dr = 0;
      let di = 0;
      for (let i = 0; i < n; i++) {
        dr += (input[i] ?? 0) * Math.cos((2 * Math.PI * k * i) / n);
        di -= (input[i] ?? 0) * Math.sin((2 * Math.PI * k * i) / n);
      }
      near(re[k] ?? 0, dr, 1e-9, `re[${k}]`);
      near(im[k] ?? 0, di, 1e-9, `im[${k}]`);
    }
    near(re[5] ?? 0, n / 2, 1e-9, 'bin 5');
  });
});
