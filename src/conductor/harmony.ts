/**
 * Harmony as plain numbers: modes, diatonic chords and voice leading. MIDI note numbers
 * throughout; pitch classes are 0-11 with 0 = C.
 */
import type { Rng } from './rng.ts';

/** Church modes as semitone steps from the tonic, ordered dark to bright. */
export const MODES = {
  aeolian: [0, 2, 3, 5, 7, 8, 10],
  dorian: [0, 2, 3, 5, 7, 9, 10],
  mixolydian: [0, 2, 4, 5, 7, 9, 10],
  ionian: [0, 2, 4, 5, 7, 9, 11],
  lydian: [0, 2, 4, 6, 7, 9, 11],
} as const;
export type ModeName = keyof typeof MODES;
export const MODES_DARK_TO_BRIGHT: readonly ModeName[] = ['aeolian', 'dorian', 'mixolydian', 'ionian', 'lydian'];

export interface Key {
  tonicPc: number;
  mode: ModeName;
}

/** The pitch class of a scale degree (0-based, may exceed 6 or be negative). */
export function degreePc(key: Key, degree: number): number {
  const steps = MODES[key.mode];
  const octave = Math.floor(degree / 7);
  const within = ((degree % 7) + 7) % 7;
  return (((key.tonicPc + (steps[within] ?? 0) + 12 * octave) % 12) + 12) % 12;
}

export function isInKey(key: Key, midi: number): boolean {
  const pc = (((midi - key.tonicPc) % 12) + 12) % 12;
  return (MODES[key.mode] as readonly number[]).includes(pc);
}

/** The scale notes of a key within [lo, hi], ascending. */
export function scaleNotes(key: Key, lo: number, hi: number): number[] {
  const notes: number[] = [];
  for (let m = Math.ceil(lo); m <= hi; m++) if (isInKey(key, m)) notes.push(m);
  return notes;
}

export interface Chord {
  /** Scale degree of the root, 0-6. */
  degree: number;
  /** Pitch classes, root first. */
  pcs: number[];
}

/**
 * A chord on a degree: a triad, with colour tones added as tension rises (the 9th above
 * 0.35, the 4th/11th or 6th above 0.7), so dissonance follows the model's tension control.
 */
export function chordOn(key: Key, degree: number, tension: number): Chord {
  const d = ((degree % 7) + 7) % 7;
  const pcs = [degreePc(key, d), degreePc(key, d + 2), degreePc(key, d + 4)];
  if (tension > 0.35) pcs.push(degreePc(key, d + 1));
  if (tension > 0.7) pcs.push(degreePc(key, d + 3));
  return { degree: d, pcs };
}

/**
 * The next chord degree: moves of a fourth, fifth or step are preferred (the common
 * root motions of modal choral writing); staying put is allowed but rare.
 */
export function nextDegree(current: number, rng: Rng): number {
  const moves = [3, 4, -1, 1, 2, -2, 0];
  const weights = [4, 3, 2, 2, 1.5, 1, 0.5];
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rng.next() * total;
  for (let i = 0; i < moves.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return (((current + (moves[i] ?? 0)) % 7) + 7) % 7;
  }
  return current;
}

/** The MIDI note of pitch class pc nearest to `near`. */
export function nearestWithPc(pc: number, near: number): number {
  const base = near - ((((near - pc) % 12) + 12) % 12);
  return near - base <= 6 ? base : base + 12;
}

export interface VoiceRange {
  lo: number;
  hi: number;
}

/**
 * Voice leading: each voice moves to the nearest chord tone within its range, the bass
 * takes the root, and the upper voices prefer tones not yet taken so the chord is full.
 */
export function voiceLead(previous: readonly number[], chord: Chord, ranges: readonly VoiceRange[]): number[] {
  const result: number[] = [];
  const used = new Set<number>();
  ranges.forEach((range, i) => {
    const prev = previous[i] ?? Math.round((range.lo + range.hi) / 2);
    const candidates = i === 0 ? [chord.pcs[0] ?? 0] : chord.pcs;
    let best = prev;
    let bestCost = Infinity;
    for (const pc of candidates) {
      for (const octaveShift of [-12, 0, 12]) {
        const note = nearestWithPc(pc, prev) + octaveShift;
        if (note < range.lo || note > range.hi) continue;
        const cost = Math.abs(note - prev) + (used.has(pc) ? 4 : 0);
        if (cost < bestCost) {
          bestCost = cost;
          best = note;
        }
      }
    }
    if (bestCost === Infinity) best = clampInto(nearestWithPc(candidates[0] ?? 0, prev), range);
    used.add(((best % 12) + 12) % 12);
    result.push(best);
  });
  return result;
}

function clampInto(note: number, range: VoiceRange): number {
  let n = note;
  while (n < range.lo) n += 12;
  while (n > range.hi) n -= 12;
  return n;
}

export function midiToHz(midi: number): number {
  return 440 * 2 ** ((midi - 69) / 12);
}
