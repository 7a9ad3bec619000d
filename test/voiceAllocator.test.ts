/** Voice caps per layer: a full layer steals its oldest sounding voice with a fade. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STEAL_FADE_S, VOICE_CAPS, VoiceAllocator } from '../src/conductor/voiceAllocator.ts';
import type { Decision, VoiceStart } from '../src/conductor/decisions.ts';
import type { LayerName } from '../src/model/controlVector.ts';

function voice(layer: LayerName, time: number, lengthS = 10): Omit<VoiceStart, 'voiceId' | 'type'> {
  return { time, layer, sampleId: 's', midi: 60, rate: 1, gainDb: 0, pan: 0, panTo: 0, attackS: 1, holdS: lengthS - 2, releaseS: 1 };
}

describe('VoiceAllocator', () => {
  it('numbers voices from 1 and appends each start to the stream', () => {
    const out: Decision[] = [];
    const a = new VoiceAllocator();
    const first = a.start(voice('pad', 0), out);
    const second = a.start(voice('solo', 0), out);
    assert.equal(first.voiceId, 1);
    assert.equal(second.voiceId, 2);
    assert.deepEqual(out, [first, second]);
    assert.equal(first.type, 'start');
  });

  it('steals the oldest voice of a full layer with a fade, and only in that layer', () => {
    const out: Decision[] = [];
    const a = new VoiceAllocator({ drone: 2, pad: 2, solo: 2, events: 2 });
    a.start(voice('pad', 0), out);
    a.start(voice('pad', 1), out);
    a.start(voice('solo', 1.5), out);
    a.start(voice('pad', 2), out);
    assert.deepEqual(out.filter((d) => d.type === 'release'), [{ type: 'release', voiceId: 1, time: 2, releaseS: STEAL_FADE_S, reason: 'stolen' }]);
    assert.ok(STEAL_FADE_S >= 0.3, 'a steal fade long enough not to click');
    assert.equal(a.count(2), 3);
  });

  it('forgets voices that have ended instead of stealing them', () => {
    const out: Decision[] = [];
    const a = new VoiceAllocator({ drone: 1, pad: 1, solo: 1, events: 1 });
    a.start(voice('events', 0, 2), out);
    a.start(voice('events', 2, 2), out); // the first ended exactly at 2
    assert.equal(out.filter((d) => d.type === 'release').length, 0);
    assert.equal(a.active('events', 2.5).length, 1);
    assert.equal(a.count(100), 0);
  });

  it('never holds more than the cap of active voices, whatever comes (shipped caps)', () => {
    const out: Decision[] = [];
    const a = new VoiceAllocator();
    for (let i = 0; i < 2000; i++) {
      const layer = (['drone', 'pad', 'solo', 'events'] as const)[i % 4] ?? 'pad';
      a.start(voice(layer, i * 0.05, 1 + (i % 7)), out);
      assert.ok(a.active(layer, i * 0.05).length <= VOICE_CAPS[layer]);
    }
    const released = out.filter((d) => d.type === 'release').map((d) => d.voiceId);
    assert.equal(new Set(released).size, released.length, 'no voice is stolen twice');
  });
});
