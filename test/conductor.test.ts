/**
 * The conductor's decision stream, planned for 10 minutes in 0.5 s windows with the shipped
 * samples and fixed controls: reproducible, bounded, in tune with the samples, levels under
 * the ceiling, and answering the sky.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Conductor, gainToDb } from '../src/conductor/conductor.ts';
import { STEAL_FADE_S, VOICE_CAPS } from '../src/conductor/voiceAllocator.ts';
import { voiceEndTime } from '../src/conductor/decisions.ts';
import { LAYERS, type LayerName } from '../src/model/controlVector.ts';
import type { HeardEvent } from '../src/conductor/layers/eventLayer.ts';
import {
  SHIPPED_SAMPLES,
  controlsFrom,
  peakVoices,
  perLayer,
  releases,
  runConductor,
  soundingVoices,
  starts,
  targets,
} from './support/conductorRun.ts';

const TEN_MINUTES = 600;
const EVERYTHING = controlsFrom({ pace: 0.8, tension: 0.6, ...perLayer('density', 0.85), ...perLayer('gain', 1) });
const NIGHT = controlsFrom({ pace: 0.1, tension: 0.1, ...perLayer('density', 0.1), ...perLayer('brightness', 0.15) });
const STORM = controlsFrom({ pace: 0.95, tension: 0.9, ...perLayer('density', 0.95), ...perLayer('brightness', 0.8) });

/** A busy sky: a flock, a bird and an aircraft every 20 s or so, in rain. */
function busySky(): Map<number, HeardEvent[]> {
  const events = new Map<number, HeardEvent[]>();
  for (let t = 5; t < TEN_MINUTES; t += 7) {
    const kind = (['flock', 'bird', 'aircraft'] as const)[Math.floor(t / 7) % 3] ?? 'bird';
    events.set(t, [{ kind, confidence: 0.8, count: kind === 'flock' ? 120 : 1, headingDeg: (t * 37) % 360 }]);
  }
  return events;
}

const busy = runConductor({ seed: 1, controls: EVERYTHING, durationS: TEN_MINUTES, rain: 0.6, events: busySky() });
const sampleIds = new Set(SHIPPED_SAMPLES.map((s) => s.id));

describe('Conductor: reproducible', () => {
  it('the same seed gives the identical decision stream', () => {
    const again = runConductor({ seed: 1, controls: EVERYTHING, durationS: TEN_MINUTES, rain: 0.6, events: busySky() });
    assert.deepEqual(again.all, busy.all);
  });

  it('different seeds give different music', () => {
    const other = runConductor({ seed: 2, controls: EVERYTHING, durationS: TEN_MINUTES, rain: 0.6, events: busySky() });
    assert.notDeepEqual(other.all, busy.all);
    const notes = (ds: typeof busy.all): string => starts(ds).slice(0, 40).map((s) => `${s.layer}:${s.midi}@${s.time.toFixed(2)}`).join(' ');
    assert.notEqual(notes(other.all), notes(busy.all));
  });

  it('refuses to start without samples', () => {
    assert.throws(() => new Conductor({ seed: 1, samples: [] }), /no samples/);
  });
});

describe('Conductor: bounded', () => {
  const voices = soundingVoices(busy.all);

  it('sings on every layer, with unique voice ids', () => {
    const ids = starts(busy.all).map((s) => s.voiceId);
    assert.equal(new Set(ids).size, ids.length);
    for (const layer of LAYERS) assert.ok(starts(busy.all).some((s) => s.layer === layer), `${layer} sings`);
  });

  it('never has more voices sounding in a layer than its cap, until stolen', () => {
    // A voice counts from its start until its natural end or the moment it is stolen.
    const peaks = peakVoices(voices, (v) => Math.min(voiceEndTime(v.start), v.releasedAt ?? Infinity));
    for (const [layer, { peak, atS }] of peaks) {
      assert.ok(peak <= VOICE_CAPS[layer as LayerName], `${layer}: ${peak} voices at ${atS.toFixed(2)} s, cap ${VOICE_CAPS[layer as LayerName]}`);
    }
    assert.ok(releases(busy.all).length > 0, 'the busy sky fills some layer to its cap');
  });

  it('including steal fades, a layer overflows its cap only by the voices fading out', () => {
    // Counting a stolen voice until its release + fade, as the audio graph holds it, a
    // layer can be over its cap while steals fade: bounded by the steals of the last
    // STEAL_FADE_S, which stay few because notes are spaced.
    const peaks = peakVoices(voices, (v) => v.silentAt);
    for (const [layer, { peak, atS }] of peaks) {
      const cap = VOICE_CAPS[layer as LayerName];
      const fading = voices.filter((v) => v.start.layer === layer && v.releasedAt !== undefined && v.releasedAt <= atS && v.silentAt > atS).length;
      assert.ok(peak <= cap + fading, `${layer}: ${peak} sounding at ${atS.toFixed(2)} s with ${fading} fading, cap ${cap}`);
      assert.ok(peak <= cap + 4, `${layer}: ${peak} voices in the graph at ${atS.toFixed(2)} s, cap ${cap}`);
    }
  });

  it('every stolen voice is released with a fade of at least 0.3 s, once, after it started', () => {
    const byId = new Map(starts(busy.all).map((s) => [s.voiceId, s]));
    const seen = new Set<number>();
    const stolen = releases(busy.all).filter((r) => r.reason === 'stolen');
    assert.ok(stolen.length > 0);
    for (const r of stolen) {
      assert.ok(r.releaseS >= 0.3, `voice ${r.voiceId} fades in ${r.releaseS} s`);
      assert.equal(r.releaseS, STEAL_FADE_S);
      const start = byId.get(r.voiceId);
      assert.ok(start, `release of a voice that was started (${r.voiceId})`);
      assert.ok(r.time >= start.time, `voice ${r.voiceId} released at ${r.time} before its start ${start.time}`);
      assert.ok(!seen.has(r.voiceId), `voice ${r.voiceId} released twice`);
      seen.add(r.voiceId);
    }
  });

  it('every sample exists, every rate is within an octave, every value is finite', () => {
    for (const s of starts(busy.all)) {
      assert.ok(sampleIds.has(s.sampleId), s.sampleId);
      assert.ok(s.rate >= 0.5 && s.rate <= 2, `${s.sampleId} at rate ${s.rate} for midi ${s.midi}`);
      for (const x of [s.time, s.midi, s.rate, s.gainDb, s.pan, s.panTo, s.attackS, s.holdS, s.releaseS]) assert.ok(Number.isFinite(x));
      assert.ok(s.pan >= -1 && s.pan <= 1 && s.panTo >= -1 && s.panTo <= 1, `pan ${s.pan} -> ${s.panTo}`);
      assert.ok(s.attackS > 0 && s.releaseS > 0 && s.holdS >= 0, 'every voice ramps in and out');
      assert.ok(s.time >= 0);
    }
  });

  it('rates stay within an octave at the register extremes too', () => {
    for (const register of [0, 1]) {
      const run = runConductor({ seed: 3, controls: controlsFrom({ ...perLayer('register', register), ...perLayer('density', 1), pace: 1 }), durationS: 120, rain: 1, events: busySky() });
      for (const s of starts(run.all)) assert.ok(s.rate >= 0.5 && s.rate <= 2, `register ${register}: ${s.layer} midi ${s.midi} rate ${s.rate}`);
    }
  });
});

describe('Conductor: layer targets', () => {
  it('sets a target for every layer in every window, at or under 0 dB + trim, ramped', () => {
    for (const w of busy.windows) {
      const ts = targets(w.decisions);
      assert.deepEqual(ts.map((t) => t.layer).sort(), [...LAYERS].sort(), `window ${w.fromS}`);
      for (const t of ts) {
        assert.equal(t.time, w.fromS);
        assert.ok(t.gainDb <= 0, `${t.layer} at ${t.gainDb} dB`);
        assert.ok(t.rampS > 0);
        assert.ok(t.lowpassHz >= 400 && t.lowpassHz <= 12_000 + 1e-6, `${t.lowpassHz} Hz`);
        assert.ok(t.reverbSend >= 0 && t.reverbSend <= 1);
      }
    }
  });

  it('never lets the drone fall below its floor, even when the model silences everything', () => {
    const silent = runConductor({ seed: 1, controls: controlsFrom({ ...perLayer('gain', 0) }), durationS: 30 });
    const floorDb = gainToDb(0.3);
    for (const t of targets(silent.all)) {
      if (t.layer === 'drone') assert.ok(t.gainDb >= floorDb - 1e-9, `drone at ${t.gainDb} dB`);
      else assert.equal(t.gainDb, -80, `${t.layer} off`);
    }
    assert.ok(starts(silent.all).some((s) => s.layer === 'drone'), 'the drone still sings');
  });

  it('gain control maps to dB: 1 is 0 dB, 0.5 is -6 dB, off below 0.02', () => {
    assert.equal(gainToDb(1), 0);
    assert.ok(Math.abs(gainToDb(0.5) + 6.0206) < 1e-3);
    assert.equal(gainToDb(0.01), -80);
  });
});

describe('Conductor: answering the sky', () => {
  const quiet = controlsFrom({ ...perLayer('density', 0.5) });
  const planWith = (events: HeardEvent[], rain = 0, seed = 7): { window: ReturnType<typeof starts>; before: number } => {
    const conductor = new Conductor({ seed, samples: SHIPPED_SAMPLES });
    for (let t = 0; t < 30; t += 0.5) conductor.plan({ fromS: t, toS: t + 0.5, controls: quiet, events: [], rain: 0 });
    const decisions = conductor.plan({ fromS: 30, toS: 30.5, controls: quiet, events, rain });
    return { window: starts(decisions), before: 30 };
  };

  it('a flock produces a rising figure on the events layer in that window', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { window } = planWith([{ kind: 'flock', confidence: 0.9, count: 200, headingDeg: 45 }], 0, seed);
      const figure = window.filter((s) => s.layer === 'events').sort((a, b) => a.time - b.time);
      assert.ok(figure.length >= 4, `seed ${seed}: ${figure.length} notes`);
      assert.ok((figure[0]?.time ?? 0) > 30 && (figure[0]?.time ?? 99) <= 30.5, 'it starts in the window');
      // Every flock motif rises: it ends higher than it starts, most of its steps going up.
      const heard = figure.map((f) => f.midi).join(' ');
      assert.ok((figure.at(-1)?.midi ?? 0) > (figure[0]?.midi ?? 0), `seed ${seed}: heard in time order ${heard}`);
      const ups = figure.slice(1).filter((f, i) => f.midi > (figure[i]?.midi ?? 0)).length;
      assert.ok(ups >= (figure.length - 1) / 2, `seed ${seed}: mostly rising, heard ${heard}`);
      // The flock sweeps across the stereo field.
      assert.ok(Math.abs((figure.at(-1)?.pan ?? 0) - (figure[0]?.pan ?? 0)) > 1, `seed ${seed}: sweeps`);
    }
  });

  it('an aircraft produces a slow swell whose pan travels along its heading', () => {
    for (const [heading, direction] of [
      [90, 1],
      [270, -1],
    ] as const) {
      const { window } = planWith([{ kind: 'aircraft', confidence: 1, count: 1, headingDeg: heading }]);
      const swell = window.filter((s) => s.layer === 'events');
      assert.ok(swell.length >= 2 && swell.length <= 4, `${swell.length} voices in the swell`);
      for (const s of swell) {
        assert.ok(s.attackS >= 4, 'a swell, not an attack');
        assert.ok(Math.sign(s.panTo - s.pan) === direction && Math.abs(s.panTo - s.pan) > 1, `heading ${heading}: ${s.pan} -> ${s.panTo}`);
        // Around a ring: from behind its heading to along it, half the room in one swell.
        assert.equal(s.azimuthDeg, heading + 180);
        assert.equal(s.azimuthToDeg, heading + 360);
      }
    }
  });

  it('rain produces drops: short, soft, scattered notes, more in harder rain', () => {
    const drops = (rain: number): number =>
      starts(runConductor({ seed: 5, controls: quiet, durationS: 120, rain }).all).filter((s) => s.layer === 'events' && s.holdS < 0.1).length;
    assert.equal(drops(0), 0);
    const light = drops(0.2);
    const heavy = drops(1);
    assert.ok(light > 5, `${light} drops in light rain`);
    assert.ok(heavy > 2 * light, `${heavy} drops in heavy rain vs ${light}`);
  });

  it('a flock seen twice within a few seconds is one figure', () => {
    const flock: HeardEvent = { kind: 'flock', confidence: 0.9, count: 50, headingDeg: 0 };
    const { window } = planWith([flock, flock]);
    const notes = window.filter((s) => s.layer === 'events').sort((a, b) => a.time - b.time);
    // One motif: at most the longest flock motif's 8 notes, all within one figure's span.
    assert.ok(notes.length >= 2 && notes.length <= 8, `${notes.length} notes`);
    assert.ok((notes.at(-1)?.time ?? 0) - (notes[0]?.time ?? 0) < 3, 'one figure');
  });

  it('night-like controls start fewer voices than storm-like ones', () => {
    const count = (controls: typeof NIGHT): number => starts(runConductor({ seed: 9, controls, durationS: TEN_MINUTES }).all).length;
    const night = count(NIGHT);
    const storm = count(STORM);
    assert.ok(night * 2 < storm, `night ${night} voice starts, storm ${storm}`);
  });
});
