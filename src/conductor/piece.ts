/**
 * A piece: the data a curator can edit (pieces/default.json). Movements through the day
 * and the motif families that answer sky events. Parsed and validated here, once; an
 * invalid file is refused with a message naming the field, and the engine keeps the
 * piece it had.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODES, type ModeName } from './harmony.ts';
import { SKY_EVENT_KINDS, type SkyEventKind } from '../ingest/sensorMessage.ts';

export const MOVEMENTS = ['night', 'dawn', 'morning', 'noon', 'afternoon', 'dusk'] as const;
export type MovementName = (typeof MOVEMENTS)[number];

export interface Movement {
  modes: ModeName[];
  /** Semitones added to every layer's register. */
  registerShift: number;
  /** Multiplies the tempo the pace control asks for. */
  paceScale: number;
  /** Multiplies every layer's density control. */
  densityScale: number;
  /** Multiplies how much the solo line sings. */
  soloActivity: number;
  droneTags: string[];
  padTags: string[];
  soloTags: string[];
}

export type MotifBand = 'low' | 'mid' | 'high';
export type MotifTravel = 'sweep' | 'heading' | 'still';

export interface MotifVariant {
  name: string;
  /** Scale steps from the motif's first note. */
  steps: number[];
  /** Seconds between note onsets at a middle pace. */
  stepS: number;
  attackS: number;
  /** Seconds each note holds after its attack. */
  noteS: number;
  releaseS: number;
  band: MotifBand;
  tags: string[];
  gainDb: number;
  /** 'sweep': across the field; 'heading': along the event's heading; 'still': one place. */
  travel: MotifTravel;
}

export interface Piece {
  name: string;
  tonicPc: number;
  transitionS: number;
  movements: Record<MovementName, Movement>;
  motifs: Record<SkyEventKind, MotifVariant[]>;
}

export class PieceError extends Error {}

const NOTE_NAMES: Record<string, number> = { C: 0, 'C#': 1, Db: 1, D: 2, 'D#': 3, Eb: 3, E: 4, F: 5, 'F#': 6, Gb: 6, G: 7, 'G#': 8, Ab: 8, A: 9, 'A#': 10, Bb: 10, B: 11 };
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function num(o: Record<string, unknown>, key: string, where: string, lo: number, hi: number): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new PieceError(`${where}.${key}: want a number in ${lo}..${hi}, got ${JSON.stringify(v)?.slice(0, 40)}`);
  }
  return v;
}

function tags(o: Record<string, unknown>, key: string, where: string): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((t) => typeof t === 'string' && t.length > 0 && t.length < 40)) {
    throw new PieceError(`${where}.${key}: want a non-empty list of sample tags (e.g. ["aah"])`);
  }
  return v as string[];
}

function parseMovement(raw: unknown, where: string): Movement {
  if (!isRecord(raw)) throw new PieceError(`${where}: want an object`);
  const modes = raw.modes;
  if (!Array.isArray(modes) || modes.length === 0 || !modes.every((m) => typeof m === 'string' && Object.hasOwn(MODES, m))) {
    throw new PieceError(`${where}.modes: want a non-empty list of ${Object.keys(MODES).join(', ')}`);
  }
  return {
    modes: modes as ModeName[],
    registerShift: num(raw, 'registerShift', where, -12, 12),
    paceScale: num(raw, 'paceScale', where, 0.2, 3),
    densityScale: num(raw, 'densityScale', where, 0, 2),
    soloActivity: num(raw, 'soloActivity', where, 0, 1.5),
    droneTags: tags(raw, 'droneTags', where),
    padTags: tags(raw, 'padTags', where),
    soloTags: tags(raw, 'soloTags', where),
  };
}

function parseMotif(raw: unknown, where: string): MotifVariant {
  if (!isRecord(raw)) throw new PieceError(`${where}: want an object`);
  if (typeof raw.name !== 'string' || raw.name.length === 0) throw new PieceError(`${where}.name: want a name`);
  const steps = raw.steps;
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > 32 || !steps.every((s) => Number.isInteger(s) && Math.abs(s) <= 14)) {
    throw new PieceError(`${where}.steps: want 1-32 whole scale steps in -14..14`);
  }
  const band = raw.band;
  if (band !== 'low' && band !== 'mid' && band !== 'high') throw new PieceError(`${where}.band: want low, mid or high`);
  const travel = raw.travel;
  if (travel !== 'sweep' && travel !== 'heading' && travel !== 'still') throw new PieceError(`${where}.travel: want sweep, heading or still`);
  return {
    name: raw.name,
    steps: steps as number[],
    stepS: num(raw, 'stepS', where, 0.03, 10),
    attackS: num(raw, 'attackS', where, 0.02, 20),
    noteS: num(raw, 'noteS', where, 0.05, 30),
    releaseS: num(raw, 'releaseS', where, 0.1, 30),
    band,
    tags: tags(raw, 'tags', where),
    gainDb: num(raw, 'gainDb', where, -40, 6),
    travel,
  };
}

export function parsePiece(body: unknown, origin = 'piece'): Piece {
  if (!isRecord(body)) throw new PieceError(`${origin}: want a JSON object`);
  if (body.version !== 1) throw new PieceError(`${origin}.version: want 1`);
  const tonic = typeof body.tonic === 'string' ? NOTE_NAMES[body.tonic] : undefined;
  if (tonic === undefined) throw new PieceError(`${origin}.tonic: want a note name such as D or F#`);
  if (!isRecord(body.movements)) throw new PieceError(`${origin}.movements: want an object`);
  const movements = {} as Record<MovementName, Movement>;
  for (const m of MOVEMENTS) movements[m] = parseMovement(body.movements[m], `${origin}.movements.${m}`);
  for (const k of Object.keys(body.movements)) {
    if (!(MOVEMENTS as readonly string[]).includes(k)) throw new PieceError(`${origin}.movements.${k.slice(0, 30)}: unknown movement (${MOVEMENTS.join(', ')})`);
  }
  if (!isRecord(body.motifs)) throw new PieceError(`${origin}.motifs: want an object`);
  const motifs = {} as Record<SkyEventKind, MotifVariant[]>;
  for (const kind of SKY_EVENT_KINDS) {
    const family = body.motifs[kind];
    if (!Array.isArray(family) || family.length === 0) throw new PieceError(`${origin}.motifs.${kind}: want a list of at least one motif`);
    motifs[kind] = family.map((v, i) => parseMotif(v, `${origin}.motifs.${kind}[${i}]`));
  }
  return {
    name: typeof body.name === 'string' ? body.name : origin,
    tonicPc: tonic,
    transitionS: num(body, 'transitionS', origin, 10, 3600),
    movements,
    motifs,
  };
}

export function loadPiece(path: string): Piece {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PieceError(`piece ${path}: cannot read (${(err as Error).message})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new PieceError(`piece ${path}: not JSON (${(err as Error).message})`);
  }
  return parsePiece(body, path);
}

export const DEFAULT_PIECE_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pieces', 'default.json');
let defaultPieceCache: Piece | undefined;

/** The shipped piece, read once. */
export function defaultPiece(): Piece {
  defaultPieceCache ??= loadPiece(DEFAULT_PIECE_PATH);
  return defaultPieceCache;
}
