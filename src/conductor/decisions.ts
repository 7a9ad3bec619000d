/**
 * What the conductor decides, as plain data. The audio layer only executes these; tests
 * read them without any audio. Times are in seconds of audio-context time.
 */
import type { LayerName } from '../model/controlVector.ts';

export interface VoiceStart {
  type: 'start';
  voiceId: number;
  time: number;
  layer: LayerName;
  sampleId: string;
  midi: number;
  rate: number;
  /** Voice level before the layer's gain, in dB (sample trim included). */
  gainDb: number;
  /** Stereo position -1 (left) .. 1 (right) at the start, and where it travels to. */
  pan: number;
  panTo: number;
  attackS: number;
  holdS: number;
  releaseS: number;
}

export interface VoiceRelease {
  type: 'release';
  voiceId: number;
  time: number;
  releaseS: number;
  reason: 'stolen' | 'stopped';
}

/** A declarative target for a layer bus, reached with a ramp. */
export interface LayerTarget {
  type: 'layer';
  time: number;
  layer: LayerName;
  gainDb: number;
  lowpassHz: number;
  reverbSend: number;
  rampS: number;
}

export type Decision = VoiceStart | VoiceRelease | LayerTarget;

export function voiceEndTime(v: VoiceStart): number {
  return v.time + v.attackS + v.holdS + v.releaseS;
}
