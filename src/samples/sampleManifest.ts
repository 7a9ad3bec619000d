/**
 * The sample manifest (samples/manifest.json): every choral sample with its measured
 * pitch, loudness, length, loop points, register and tags. Parsed once, here; a bad
 * entry is dropped with a message, and the rest of the set plays on.
 */
import { readFileSync } from 'node:fs';

export type Register = 'bass' | 'tenor' | 'alto' | 'soprano';
const REGISTERS: readonly Register[] = ['bass', 'tenor', 'alto', 'soprano'];

export interface SampleInfo {
  id: string;
  file: string;
  rootMidi: number;
  /** The pitch we tune by: the measured pitch where it agrees with the root key. */
  pitchMidi: number;
  loudnessDbfs: number;
  durationS: number;
  loopStartS: number;
  loopEndS: number;
  register: Register;
  tags: string[];
}

export interface SampleManifest {
  sampleRate: number;
  samples: SampleInfo[];
  problems: string[];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function parseSampleManifest(text: string, origin = 'samples/manifest.json'): SampleManifest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new Error(`${origin}: not JSON (${(err as Error).message}); rebuild it with samples/tools`);
  }
  if (!isRecord(body) || body.version !== 1 || !Array.isArray(body.samples) || !finite(body.sampleRate)) {
    throw new Error(`${origin}: want {version: 1, sampleRate, samples: [...]}`);
  }
  const samples: SampleInfo[] = [];
  const problems: string[] = [];
  for (const [i, raw] of body.samples.entries()) {
    const where = `${origin} sample #${i}`;
    if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.file !== 'string') {
      problems.push(`${where}: needs id and file; skipped`);
      continue;
    }
    const numbers = ['rootMidi', 'loudnessDbfs', 'durationS', 'loopStartS', 'loopEndS'] as const;
    const bad = numbers.filter((k) => !finite(raw[k]));
    if (bad.length > 0) {
      problems.push(`${where} '${raw.id}': ${bad.join(', ')} missing or not numbers; skipped`);
      continue;
    }
    const durationS = raw.durationS as number;
    const loopStartS = raw.loopStartS as number;
    const loopEndS = raw.loopEndS as number;
    if (!(durationS > 0 && loopStartS >= 0 && loopEndS > loopStartS && loopEndS <= durationS + 1e-3)) {
      problems.push(`${where} '${raw.id}': loop ${loopStartS}..${loopEndS} s does not fit in ${durationS} s; skipped`);
      continue;
    }
    if (raw.file.includes('..') || raw.file.startsWith('/')) {
      problems.push(`${where} '${raw.id}': file must be a path inside samples/; skipped`);
      continue;
    }
    const rootMidi = raw.rootMidi as number;
    const measured = finite(raw.measuredMidi) ? raw.measuredMidi : undefined;
    const register = REGISTERS.includes(raw.register as Register) ? (raw.register as Register) : registerOf(rootMidi);
    samples.push({
      id: raw.id,
      file: raw.file,
      rootMidi,
      // Trust the measurement only where it agrees with the soundfont's root within a
      // quarter tone; otherwise the estimator probably locked onto a harmonic.
      pitchMidi: measured !== undefined && Math.abs(measured - rootMidi) <= 0.5 ? measured : rootMidi,
      loudnessDbfs: raw.loudnessDbfs as number,
      durationS,
      loopStartS,
      loopEndS,
      register,
      tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : [],
    });
  }
  if (samples.length === 0) throw new Error(`${origin}: no usable samples (${problems.join('; ')})`);
  return { sampleRate: body.sampleRate, samples, problems };
}

export function loadSampleManifest(path: string): SampleManifest {
  return parseSampleManifest(readFileSync(path, 'utf8'), path);
}

function registerOf(midi: number): Register {
  if (midi < 48) return 'bass';
  if (midi < 60) return 'tenor';
  if (midi < 68) return 'alto';
  return 'soprano';
}
