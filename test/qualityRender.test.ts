/**
 * The sound-quality measures on short real renders (the long versions are benchmarks:
 * bench/quality/long-render.ts, bench/quality/responsiveness.ts). A 60 s storm through
 * the whole pipeline must meet the goals of issue 8 that a minute can show.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { renderPreset } from './support/render.ts';
import { analyseChannels, type QualityReport } from '../src/analysis/qualityMeasures.ts';

describe('sound quality of a 60 s storm render', () => {
  let report: QualityReport;
  before(async () => {
    const r = await renderPreset('storm', 60, 1);
    report = analyseChannels(r.channels, r.sampleRate, { repetition: false }).report;
  });

  it('true peak stays at or below -1 dBTP', () => {
    assert.ok(report.loudness.truePeakDbtp <= -1, `${report.loudness.truePeakDbtp} dBTP`);
  });

  it('integrated loudness is finite and in a sane range (-40..-10 LUFS)', () => {
    const lufs = report.loudness.integratedLufs;
    assert.ok(Number.isFinite(lufs) && lufs > -40 && lufs < -10, `${lufs} LUFS`);
  });

  it('no clicks, and no silence longer than 5 s (it is under 1.5 s, the entry)', () => {
    assert.equal(report.clicks.count, 0, `clicks at ${report.clicks.firstTimesS.join(', ')} s`);
    assert.ok(
      report.silence.longestS <= 1.5,
      `${report.silence.longestS} s silent from ${report.silence.atS} s`,
    );
  });

  it('spectral measures read something: a dark storm centroid, a register in the choir range', () => {
    assert.ok(
      report.spectralCentroidHz > 100 && report.spectralCentroidHz < 2000,
      `${report.spectralCentroidHz} Hz`,
    );
    assert.ok(
      report.register.meanMidi > 36 && report.register.meanMidi < 84,
      `MIDI ${report.register.meanMidi}`,
    );
    assert.ok(report.onsets.perMinute >= 0 && report.onsets.perMinute < 120);
  });
});
