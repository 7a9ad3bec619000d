/** What every layer's planner is given for one window of time. */
import type { Controls, LayerName } from '../model/controlVector.ts';
import type { SampleInfo } from '../samples/sampleManifest.ts';
import type { Decision, VoiceStart } from './decisions.ts';
import { stereoPanOf } from '../audio/speakerLayout.ts';
import type { Chord, Key } from './harmony.ts';
import type { Rng } from './rng.ts';
import type { VoiceAllocator } from './voiceAllocator.ts';
import type { BlendedMovement } from './movements.ts';
import { chooseSample } from './sampleChoice.ts';

export interface LayerContext {
  fromS: number;
  toS: number;
  controls: Controls;
  key: Key;
  chord: Chord;
  samples: readonly SampleInfo[];
  voices: VoiceAllocator;
  out: Decision[];
  /** The movement of the day: its sample colours for each layer. */
  movement: BlendedMovement;
}

export interface NoteRequest {
  time: number;
  midi: number;
  tags: readonly string[];
  gainDb: number;
  /** Stereo position, when the note does not say where it stands around the room. */
  pan?: number;
  panTo?: number;
  /** Direction around the room (0 ahead, 90 right, 180 behind); a stereo pair folds it onto its pan. */
  azimuthDeg?: number;
  /** Where the note travels to over its life. */
  azimuthToDeg?: number;
  attackS: number;
  holdS: number;
  releaseS: number;
}

/** Sings one note on a layer: picks the sample and rate, allocates (or steals) a voice. */
export function sing(ctx: LayerContext, layer: LayerName, note: NoteRequest): void {
  const choice = chooseSample(ctx.samples, note.midi, note.tags);
  ctx.voices.start(
    {
      time: note.time,
      layer,
      sampleId: choice.sampleId,
      midi: note.midi,
      rate: choice.rate,
      gainDb: note.gainDb + choice.trimDb,
      ...placement(note),
      attackS: note.attackS,
      holdS: note.holdS,
      releaseS: note.releaseS,
    },
    ctx.out,
  );
}

/** Pan and azimuth of a note: the azimuth when given (the pan is then how a stereo pair hears it). */
function placement(note: NoteRequest): Pick<VoiceStart, 'pan' | 'panTo' | 'azimuthDeg' | 'azimuthToDeg'> {
  if (note.azimuthDeg === undefined) {
    const pan = note.pan ?? 0;
    return { pan, panTo: note.panTo ?? pan };
  }
  const to = note.azimuthToDeg ?? note.azimuthDeg;
  return {
    pan: stereoPanOf(note.azimuthDeg),
    panTo: stereoPanOf(to),
    azimuthDeg: note.azimuthDeg,
    ...(to !== note.azimuthDeg ? { azimuthToDeg: to } : {}),
  };
}

export const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;

/** A planner that owns one layer: called once per window, in time order. */
export interface LayerPlanner {
  plan(ctx: LayerContext, rng: Rng): void;
}
