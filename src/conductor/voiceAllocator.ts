/**
 * Voice caps per layer. Starting a voice in a full layer steals that layer's oldest
 * sounding voice with a short fade (never a cut), so the graph stays bounded.
 * The cap counts voices that have not been released; a stolen voice stays in the graph
 * for its STEAL_FADE_S fade, so a layer holds at most cap + (steals of the last 0.35 s).
 */
import type { LayerName } from '../model/controlVector.ts';
import { voiceEndTime, type Decision, type VoiceStart } from './decisions.ts';

// The drone renews up to 3 notes with an 8 s crossfade, so it needs room for 6 at once.
export const VOICE_CAPS: Record<LayerName, number> = { drone: 6, pad: 10, solo: 4, events: 16 };
/** A stolen voice fades over this long: long enough to be inaudible as a click. */
export const STEAL_FADE_S = 0.35;

interface Sounding {
  voiceId: number;
  startS: number;
  endS: number;
}

export class VoiceAllocator {
  private nextId = 1;
  private readonly sounding = new Map<LayerName, Sounding[]>();
  private readonly caps: Record<LayerName, number>;

  constructor(caps: Record<LayerName, number> = VOICE_CAPS) {
    this.caps = caps;
  }

  /** Assigns an id to a voice and appends the start (and any steal) to `out`. */
  start(voice: Omit<VoiceStart, 'voiceId' | 'type'>, out: Decision[]): VoiceStart {
    const list = this.active(voice.layer, voice.time);
    while (list.length >= this.caps[voice.layer]) {
      const oldest = list.shift();
      if (!oldest) break;
      out.push({ type: 'release', voiceId: oldest.voiceId, time: voice.time, releaseS: STEAL_FADE_S, reason: 'stolen' });
    }
    const start: VoiceStart = { type: 'start', voiceId: this.nextId++, ...voice };
    list.push({ voiceId: start.voiceId, startS: start.time, endS: voiceEndTime(start) });
    out.push(start);
    return start;
  }

  /** Voices of a layer still sounding at time t (older ones are forgotten). */
  active(layer: LayerName, t: number): Sounding[] {
    const list = (this.sounding.get(layer) ?? []).filter((s) => s.endS > t);
    this.sounding.set(layer, list);
    return list;
  }

  count(t: number): number {
    let n = 0;
    for (const layer of this.sounding.keys()) n += this.active(layer, t).length;
    return n;
  }
}
