/**
 * Which sample sings a note, and at what playback rate: the nearest-pitched sample with
 * the wanted colour, transposed by rate (2^(semitones/12)) rather than by a pitch-shift
 * effect, which costs ~86 audio nodes a voice (measured). Pure: no audio here.
 */
import type { SampleInfo } from '../samples/sampleManifest.ts';

export interface SampleChoice {
  sampleId: string;
  rate: number;
  /** Gain (dB) that brings the sample to the common reference loudness. */
  trimDb: number;
}

/** Every sample is levelled to this RMS before layer gains apply. */
export const REFERENCE_LOUDNESS_DBFS = -10;

export function chooseSample(samples: readonly SampleInfo[], midi: number, preferTags: readonly string[]): SampleChoice {
  const tagged = samples.filter((s) => preferTags.every((t) => s.tags.includes(t)));
  const pool = tagged.length > 0 ? tagged : samples;
  let best: SampleInfo | undefined;
  let bestDistance = Infinity;
  for (const s of pool) {
    const distance = Math.abs(s.pitchMidi - midi);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = s;
    }
  }
  if (!best) throw new Error('chooseSample: no samples');
  return {
    sampleId: best.id,
    rate: 2 ** ((midi - best.pitchMidi) / 12),
    trimDb: Math.max(-24, Math.min(24, REFERENCE_LOUDNESS_DBFS - best.loudnessDbfs)),
  };
}
