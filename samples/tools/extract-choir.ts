/**
 * Builds the shipped choral sample set from General MIDI soundfonts installed by Debian:
 *   fluid-soundfont-gm          /usr/share/sounds/sf2/FluidR3_GM.sf2          (MIT)
 *   musescore-general-soundfont /usr/share/sounds/sf3/MuseScore_General_Full.sf3 (MIT, optional)
 * For GM presets 52 (Choir Aahs), 53 (Voice Oohs) and 54 (Synth Voice) it writes every
 * distinct zone once as 48 kHz 16-bit mono WAV into samples/choir/, measures it and writes
 * samples/manifest.json. Deterministic: no timestamps, no dither, sox in repeatable mode.
 *
 * Run: node_modules/.bin/node samples/tools/extract-choir.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSoundFont, SAMPLE_TYPE_OGG_VORBIS, type SampleZone, type SoundFont } from './sf2.ts';
import { readWav, writeWav16 } from './wav.ts';
import { hzToMidi, measureSample, registerOf, type Register } from './measure.ts';

export const OUTPUT_RATE_HZ = 48000;
/** Disagreement between measured pitch and the soundfont's root key that gets a sample flagged. */
export const PITCH_FLAG_CENTS = 50;
/** Tag added to a sample whose measured pitch disagrees with its root key by more than PITCH_FLAG_CENTS. */
export const PITCH_FLAG_TAG = 'pitch-flagged';

/** The shipped set lives in samples/; tests rebuild into a temporary directory and compare. */
export const SAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

interface SoundFontSource {
  slug: string;
  path: string;
  licence: string;
  aptPackage: string;
  required: boolean;
}

const SOUNDFONTS: SoundFontSource[] = [
  {
    slug: 'fluid',
    path: '/usr/share/sounds/sf2/FluidR3_GM.sf2',
    licence: 'MIT',
    aptPackage: 'fluid-soundfont-gm',
    required: true,
  },
  {
    slug: 'musescore',
    path: '/usr/share/sounds/sf3/MuseScore_General_Full.sf3',
    licence: 'MIT',
    aptPackage: 'musescore-general-soundfont',
    required: false,
  },
];

/** GM program numbers are 1-based; SF2 preset numbers are 0-based (GM program 53 = preset 52). */
const INSTRUMENTS = [
  { preset: 52, slug: 'choir-aahs', tags: ['choir', 'aah'] },
  { preset: 53, slug: 'voice-oohs', tags: ['choir', 'ooh'] },
  { preset: 54, slug: 'synth-voice', tags: ['choir', 'synth'] },
];

export interface ManifestSample {
  id: string;
  file: string;
  source: string;
  licence: string;
  rootMidi: number;
  measuredMidi: number;
  measuredHz: number;
  centsOff: number;
  loudnessDbfs: number;
  peakDbfs: number;
  durationS: number;
  loopStartS: number;
  loopEndS: number;
  loopStartSample: number;
  loopEndSample: number;
  loopSeam: number;
  register: Register;
  tags: string[];
}

export interface Manifest {
  version: 1;
  sampleRate: number;
  samples: ManifestSample[];
}

/** Scientific pitch names, MIDI 60 = C4 (the soundfonts' own names put middle C at C5 or C4; we do not copy them). */
function noteSlug(midi: number): string {
  const names = ['c', 'cs', 'd', 'ds', 'e', 'f', 'fs', 'g', 'gs', 'a', 'as', 'b'];
  return `${names[midi % 12]}${Math.floor(midi / 12) - 1}`;
}

/** Zones that sound together at the same keys (a stereo L/R pair, or one mono zone). */
interface ZoneGroup {
  rootKey: number;
  zones: SampleZone[];
}

/** Groups a preset's zones by key range and root; each sample appears once (velocity layers reuse samples). */
function distinctGroups(zones: SampleZone[]): ZoneGroup[] {
  const groups = new Map<string, ZoneGroup>();
  for (const zone of zones) {
    const key = `${zone.keyLow}-${zone.keyHigh}-${zone.rootKey}`;
    const group = groups.get(key) ?? { rootKey: zone.rootKey, zones: [] };
    if (!group.zones.some((z) => z.sampleIndex === zone.sampleIndex)) group.zones.push(zone);
    groups.set(key, group);
  }
  // Left channel first (pan -500), so a mixdown and its provenance string are stable.
  for (const group of groups.values())
    group.zones.sort((a, b) => a.pan - b.pan || a.sampleIndex - b.sampleIndex);
  return [...groups.values()].sort((a, b) => a.rootKey - b.rootKey);
}

/** Sample points of one zone with its loop relative to the first returned point (SF2 2.01 sections 7.10, 8.1.2). */
export function zoneAudio(
  sf: SoundFont,
  zone: SampleZone,
): { pcm: Float32Array; loopStart: number; loopEnd: number } {
  const s = zone.sample;
  if (s.sampleType & SAMPLE_TYPE_OGG_VORBIS) {
    // SF3: dwStart/dwEnd are byte offsets of an Ogg Vorbis stream; loops are frames of the decoded sample.
    const raw = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-f', 'ogg', '-i', 'pipe:0', '-f', 'f32le', '-ac', '1', 'pipe:1'],
      {
        input: sf.sampleData.subarray(s.start, s.end),
        maxBuffer: 1 << 28,
      },
    );
    const decoded = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
    const from = Math.max(0, zone.startOffset);
    const to = Math.min(decoded.length, decoded.length + zone.endOffset);
    return {
      pcm: decoded.slice(from, to),
      loopStart: s.startLoop + zone.loopStartOffset - from,
      loopEnd: s.endLoop + zone.loopEndOffset - from,
    };
  }
  // SF2: all four points index 16-bit words of the "smpl" chunk; zone offsets add to them.
  const start = s.start + zone.startOffset;
  const end = s.end + zone.endOffset;
  const pcm = new Float32Array(end - start);
  for (let i = 0; i < pcm.length; i++) pcm[i] = sf.sampleData.readInt16LE((start + i) * 2) / 32768;
  return {
    pcm,
    loopStart: s.startLoop + zone.loopStartOffset - start,
    loopEnd: s.endLoop + zone.loopEndOffset - start,
  };
}

/** Band-limited resampling by sox's "rate -v" (very high quality); -R makes sox repeatable. */
function resample(pcm: Float32Array, fromHz: number): Float32Array {
  if (fromHz === OUTPUT_RATE_HZ) return pcm;
  const raw = ['-t', 'raw', '-e', 'floating-point', '-b', '32', '-L', '-c', '1'];
  const out = execFileSync(
    'sox',
    [
      '-R',
      '-V1',
      ...raw,
      '-r',
      String(fromHz),
      '-',
      ...raw,
      '-r',
      String(OUTPUT_RATE_HZ),
      '-',
      'rate',
      '-v',
    ],
    {
      input: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      maxBuffer: 1 << 28,
    },
  );
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

function extractGroup(
  outDir: string,
  sf: SoundFont,
  source: SoundFontSource,
  instrument: (typeof INSTRUMENTS)[number],
  group: ZoneGroup,
  presetName: string,
): ManifestSample {
  const parts = group.zones.map((zone) => ({ zone, ...zoneAudio(sf, zone) }));
  const first = parts[0];
  if (!first) throw new Error('extract: empty zone group');
  // A stereo pair is mixed to mono only if both sides share rate, length and loop; otherwise keep the first.
  const compatible = parts.filter(
    (p) =>
      p.zone.sample.sampleRate === first.zone.sample.sampleRate &&
      p.pcm.length === first.pcm.length &&
      p.loopStart === first.loopStart &&
      p.loopEnd === first.loopEnd,
  );
  const mono = new Float32Array(first.pcm.length);
  for (const part of compatible)
    part.pcm.forEach((v, i) => (mono[i] = (mono[i] ?? 0) + v / compatible.length));

  const fromHz = first.zone.sample.sampleRate;
  const resampled = resample(mono, fromHz);
  const scale = OUTPUT_RATE_HZ / fromHz;
  const loopStartSample = Math.round(first.loopStart * scale);
  const loopEndSample = Math.min(resampled.length, Math.round(first.loopEnd * scale));

  const id = `${source.slug}-${instrument.slug}-${noteSlug(group.rootKey)}`;
  const file = `choir/${id}.wav`;
  writeFileSync(join(outDir, file), writeWav16(resampled, OUTPUT_RATE_HZ));
  // Measure what ships: the 16-bit file read back, not the float intermediate.
  const shipped = readWav(readFileSync(join(outDir, file))).channels[0] ?? new Float32Array(0);
  const m = measureSample(shipped, OUTPUT_RATE_HZ, loopStartSample, loopEndSample);
  if (m.measuredHz === undefined)
    throw new Error(`extract: ${id}: no periodic frame found, cannot measure pitch`);
  const measuredMidi = hzToMidi(m.measuredHz);
  const centsOff = 100 * (measuredMidi - group.rootKey);
  const flagged = Math.abs(centsOff) > PITCH_FLAG_CENTS;
  const sampleNames = compatible.map((p) => `'${p.zone.sample.name}'`).join(' + ');
  return {
    id,
    file,
    source: `${basename(source.path)} preset ${instrument.preset} '${presetName}' sample ${sampleNames}${compatible.length > 1 ? ' mixed to mono' : ''}`,
    licence: source.licence,
    rootMidi: group.rootKey,
    measuredMidi: round(measuredMidi, 2),
    measuredHz: round(m.measuredHz, 2),
    centsOff: round(centsOff, 1),
    loudnessDbfs: round(m.loudnessDbfs, 1),
    peakDbfs: round(m.peakDbfs, 1),
    durationS: round(m.durationS, 4),
    loopStartS: round(loopStartSample / OUTPUT_RATE_HZ, 4),
    loopEndS: round(loopEndSample / OUTPUT_RATE_HZ, 4),
    loopStartSample,
    loopEndSample,
    loopSeam: round(m.loopSeam, 3),
    register: registerOf(group.rootKey),
    tags: flagged ? [...instrument.tags, PITCH_FLAG_TAG] : [...instrument.tags],
  };
}

/** Same recording in two soundfonts: MuseScore General reuses Fluid samples with identical rate and loop points. */
function recordingSignature(instrumentSlug: string, zone: SampleZone, sf: SoundFont): string {
  const s = zone.sample;
  const relative = sf.versionMajor === 3 && s.sampleType & SAMPLE_TYPE_OGG_VORBIS ? 0 : s.start;
  return `${instrumentSlug}:${zone.rootKey}:${s.sampleRate}:${s.startLoop - relative}:${s.endLoop - relative}`;
}

/** JSON with two-space indent and tag lists on one line, the layout Prettier keeps, so formatting never rewrites it. */
function formatManifest(manifest: Manifest): string {
  const json = JSON.stringify(manifest, null, 2).replace(
    /\[\n\s*("[^"\n]*"(?:,\n\s*"[^"\n]*")*)\n\s*\]/g,
    (_, items: string) => `[${items.replace(/,\n\s*/g, ', ')}]`,
  );
  return `${json}\n`;
}

/** Writes <outDir>/choir/*.wav and <outDir>/manifest.json; logs progress unless quiet. */
export function buildSampleSet(
  outDir = SAMPLES_DIR,
  log: (line: string) => void = console.log,
): Manifest {
  const choirDir = join(outDir, 'choir');
  mkdirSync(choirDir, { recursive: true });
  // Stale files from an earlier run would otherwise ship unlisted.
  for (const name of readdirSync(choirDir)) if (name.endsWith('.wav')) rmSync(join(choirDir, name));
  const samples: ManifestSample[] = [];
  const seenRecordings = new Set<string>();
  for (const source of SOUNDFONTS) {
    if (!existsSync(source.path)) {
      const message = `${source.path} not found: install it with 'apt-get install ${source.aptPackage}'`;
      if (source.required) throw new Error(message);
      log(`skipping ${message}`);
      continue;
    }
    const sf = parseSoundFont(readFileSync(source.path));
    for (const instrument of INSTRUMENTS) {
      const presetName =
        sf.presets.find((p) => p.bank === 0 && p.preset === instrument.preset)?.name ?? '?';
      for (const group of distinctGroups(sf.zonesOfPreset(0, instrument.preset))) {
        const first = group.zones[0];
        if (!first) continue;
        const signature = recordingSignature(instrument.slug, first, sf);
        if (seenRecordings.has(signature)) {
          log(
            `skip ${source.slug} ${instrument.slug} ${noteSlug(group.rootKey)}: same recording as an earlier soundfont's`,
          );
          continue;
        }
        seenRecordings.add(signature);
        const sample = extractGroup(outDir, sf, source, instrument, group, presetName);
        log(
          `${sample.id}: root ${sample.rootMidi} measured ${sample.measuredMidi} (${sample.centsOff} c) rms ${sample.loudnessDbfs} dBFS seam ${sample.loopSeam}`,
        );
        samples.push(sample);
      }
    }
  }
  samples.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const manifest: Manifest = { version: 1, sampleRate: OUTPUT_RATE_HZ, samples };
  writeFileSync(join(outDir, 'manifest.json'), formatManifest(manifest));
  return manifest;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const manifest = buildSampleSet();
  const flagged = manifest.samples.filter((s) => s.tags.includes(PITCH_FLAG_TAG)).map((s) => s.id);
  console.log(
    `${manifest.samples.length} samples written; pitch-flagged: ${flagged.length ? flagged.join(', ') : 'none'}`,
  );
}
