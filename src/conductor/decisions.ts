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
  /**
   * Where the voice sounds on a stereo pair, left (-1) to right (1), at its start and
   * end: the graph reads pan p as azimuth 90p degrees when no azimuth is given, and the
   * conductor records here how a stereo pair hears its azimuths.
   */
  pan: number;
  panTo: number;
  /**
   * The voice's direction from the middle of the room in degrees (0 ahead, 90 right,
   * 180 behind), when the conductor places it anywhere around a ring of speakers; it
   * takes precedence over `pan` (see stereoPanOf for how a stereo pair hears it).
   */
  azimuthDeg?: number;
  /** Where the voice travels to over its life (an aircraft's swell), when it moves. */
  azimuthToDeg?: number;
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
