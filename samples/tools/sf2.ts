/**
 * A small SoundFont 2 reader: just enough of the "pdta" hydra and the "sdta" sample
 * pool to list a preset's sample zones with their pitch and loop data.
 *
 * Section numbers cite the SoundFont 2.01 Technical Specification (E-mu/Creative, 1998).
 * SF3 files (MuseScore's Ogg Vorbis extension, major version 3) use the same layout;
 * their compressed samples are flagged with sfSampleType bit 0x10, their dwStart/dwEnd are
 * byte offsets into "smpl" and their loop points are frames relative to the decoded
 * sample (as FluidSynth's fluid_defsfont.c reads them).
 */

/** sfSampleType flag of a sample stored as an Ogg Vorbis stream (MuseScore SF3, not in SF2 2.01). */
export const SAMPLE_TYPE_OGG_VORBIS = 0x10;

/** Generator operators used here (section 8.1.2 "Generator Enumerators Defined"). */
const GEN = {
  startAddrsOffset: 0,
  endAddrsOffset: 1,
  startloopAddrsOffset: 2,
  endloopAddrsOffset: 3,
  startAddrsCoarseOffset: 4,
  endAddrsCoarseOffset: 12,
  pan: 17,
  instrument: 41,
  keyRange: 43,
  velRange: 44,
  startloopAddrsCoarseOffset: 45,
  endloopAddrsCoarseOffset: 50,
  coarseTune: 51,
  fineTune: 52,
  sampleID: 53,
  sampleModes: 54,
  overridingRootKey: 58,
} as const;

/** One sfSample record of the "shdr" sub-chunk (section 7.10, 46 bytes). */
export interface SampleHeader {
  name: string;
  /** dwStart/dwEnd/dwStartloop/dwEndloop: sample-data points (SF2) or bytes/relative frames (SF3 Ogg). */
  start: number;
  end: number;
  startLoop: number;
  endLoop: number;
  sampleRate: number;
  /** byOriginalPitch: MIDI key of the recorded pitch (255 = unpitched). */
  originalPitch: number;
  /** chPitchCorrection: cents to add on playback to play the sample in tune. */
  pitchCorrectionCents: number;
  sampleLink: number;
  sampleType: number;
}

/** A generator list with instrument-level values merged as section 9.4 prescribes. */
export type Generators = Map<number, number>;

/** One instrument zone reached through a preset, with its effective playback parameters. */
export interface SampleZone {
  instrumentName: string;
  sampleIndex: number;
  sample: SampleHeader;
  keyLow: number;
  keyHigh: number;
  velLow: number;
  velHigh: number;
  /** overridingRootKey if set, else the sample's byOriginalPitch (section 8.1.2, gen 58). */
  rootKey: number;
  /** pitchCorrection + fineTune + 100 * coarseTune, instrument and preset levels summed (section 9.4). */
  tuneCents: number;
  /** Address offsets in sample points: start, end, loop start, loop end (gens 0-4, 12, 45, 50). */
  startOffset: number;
  endOffset: number;
  loopStartOffset: number;
  loopEndOffset: number;
  /** sampleModes (gen 54): 0 no loop, 1 loop continuously, 3 loop then play release. */
  sampleModes: number;
  /** pan (gen 17) in 0.1 % units, -500 = hard left. */
  pan: number;
}

export interface PresetHeader {
  name: string;
  preset: number;
  bank: number;
  bagIndex: number;
}

export interface SoundFont {
  /** ifil major version: 2 for SF2, 3 for MuseScore SF3. */
  versionMajor: number;
  presets: PresetHeader[];
  samples: SampleHeader[];
  /** The "smpl" sub-chunk (section 6.2) as raw bytes. */
  sampleData: Buffer;
  zonesOfPreset(bank: number, preset: number): SampleZone[];
}

interface Chunk {
  id: string;
  body: Buffer;
}

/** Splits a RIFF body into chunks (section 4, "RIFF" structure); bodies are word-aligned. */
function readChunks(body: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  let pos = 0;
  while (pos + 8 <= body.length) {
    const id = body.toString('latin1', pos, pos + 4);
    const size = body.readUInt32LE(pos + 4);
    chunks.push({ id, body: body.subarray(pos + 8, pos + 8 + size) });
    pos += 8 + size + (size & 1);
  }
  return chunks;
}

function listChunk(chunks: Chunk[], listType: string): Chunk[] {
  const list = chunks.find((c) => c.id === 'LIST' && c.body.toString('latin1', 0, 4) === listType);
  if (!list) throw new Error(`soundfont: LIST '${listType}' chunk missing; not a SoundFont 2 file`);
  return readChunks(list.body.subarray(4));
}

function subChunk(chunks: Chunk[], id: string): Buffer {
  const chunk = chunks.find((c) => c.id === id);
  if (!chunk) throw new Error(`soundfont: sub-chunk '${id}' missing`);
  return chunk.body;
}

/** achName fields are 20 bytes, zero-padded (section 7.2). */
function fixedString(buf: Buffer, pos: number): string {
  const raw = buf.toString('latin1', pos, pos + 20);
  const nul = raw.indexOf('\0');
  return (nul >= 0 ? raw.slice(0, nul) : raw).trim();
}

/** A generator amount is a signed short, or for ranges two bytes lo/hi (section 7.5 sfGenList). */
interface GeneratorRecord {
  oper: number;
  amount: number;
  lo: number;
  hi: number;
}

function readGenerators(buf: Buffer): GeneratorRecord[] {
  const gens: GeneratorRecord[] = [];
  for (let pos = 0; pos + 4 <= buf.length; pos += 4) {
    gens.push({
      oper: buf.readUInt16LE(pos),
      amount: buf.readInt16LE(pos + 2),
      lo: buf[pos + 2] ?? 0,
      hi: buf[pos + 3] ?? 0,
    });
  }
  return gens;
}

/** Bag records (pbag/ibag, sections 7.3 and 7.7): index of the first generator of each zone. */
function readBagGenIndices(buf: Buffer): number[] {
  const indices: number[] = [];
  for (let pos = 0; pos + 4 <= buf.length; pos += 4) indices.push(buf.readUInt16LE(pos));
  return indices;
}

interface Zone {
  gens: GeneratorRecord[];
}

/** Zones of one preset or instrument; a first zone without its terminal generator is global (section 7.3, 7.7). */
function zonesOf(
  bagStart: number,
  bagEnd: number,
  bagGen: number[],
  gens: GeneratorRecord[],
  terminal: number,
) {
  const zones: Zone[] = [];
  for (let bag = bagStart; bag < bagEnd; bag++) {
    zones.push({ gens: gens.slice(bagGen[bag] ?? 0, bagGen[bag + 1] ?? gens.length) });
  }
  const first = zones[0];
  const global = first && !first.gens.some((g) => g.oper === terminal) ? first : undefined;
  const local = zones.filter((z) => z !== global && z.gens.some((g) => g.oper === terminal));
  return { global, local };
}

function toMap(
  global: Zone | undefined,
  local: Zone,
): { values: Generators; ranges: Map<number, [number, number]> } {
  const values: Generators = new Map();
  const ranges = new Map<number, [number, number]>();
  // A local generator replaces the same global one (section 9.4, "default/global zone").
  for (const zone of [global, local]) {
    for (const g of zone?.gens ?? []) {
      if (g.oper === GEN.keyRange || g.oper === GEN.velRange) ranges.set(g.oper, [g.lo, g.hi]);
      else values.set(g.oper, g.amount);
    }
  }
  return { values, ranges };
}

export function parseSoundFont(file: Buffer): SoundFont {
  if (file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'sfbk') {
    throw new Error("soundfont: not a RIFF 'sfbk' file (section 4.1); check the path");
  }
  const top = readChunks(file.subarray(12, 8 + file.readUInt32LE(4)));
  const info = listChunk(top, 'INFO');
  const versionMajor = subChunk(info, 'ifil').readUInt16LE(0);
  const sampleData = subChunk(listChunk(top, 'sdta'), 'smpl');
  const pdta = listChunk(top, 'pdta');

  // phdr: 38-byte records, the last one is the terminal "EOP" (section 7.2).
  const phdr = subChunk(pdta, 'phdr');
  const presets: PresetHeader[] = [];
  for (let pos = 0; pos + 38 <= phdr.length; pos += 38) {
    presets.push({
      name: fixedString(phdr, pos),
      preset: phdr.readUInt16LE(pos + 20),
      bank: phdr.readUInt16LE(pos + 22),
      bagIndex: phdr.readUInt16LE(pos + 24),
    });
  }
  const pbag = readBagGenIndices(subChunk(pdta, 'pbag'));
  const pgen = readGenerators(subChunk(pdta, 'pgen'));

  // inst: 22-byte records with a terminal "EOI" (section 7.6).
  const instChunk = subChunk(pdta, 'inst');
  const instruments: { name: string; bagIndex: number }[] = [];
  for (let pos = 0; pos + 22 <= instChunk.length; pos += 22) {
    instruments.push({
      name: fixedString(instChunk, pos),
      bagIndex: instChunk.readUInt16LE(pos + 20),
    });
  }
  const ibag = readBagGenIndices(subChunk(pdta, 'ibag'));
  const igen = readGenerators(subChunk(pdta, 'igen'));

  // shdr: 46-byte records with a terminal "EOS" (section 7.10).
  const shdr = subChunk(pdta, 'shdr');
  const samples: SampleHeader[] = [];
  for (let pos = 0; pos + 46 <= shdr.length; pos += 46) {
    samples.push({
      name: fixedString(shdr, pos),
      start: shdr.readUInt32LE(pos + 20),
      end: shdr.readUInt32LE(pos + 24),
      startLoop: shdr.readUInt32LE(pos + 28),
      endLoop: shdr.readUInt32LE(pos + 32),
      sampleRate: shdr.readUInt32LE(pos + 36),
      originalPitch: shdr.readUInt8(pos + 40),
      pitchCorrectionCents: shdr.readInt8(pos + 41),
      sampleLink: shdr.readUInt16LE(pos + 42),
      sampleType: shdr.readUInt16LE(pos + 44),
    });
  }

  function zonesOfPreset(bank: number, preset: number): SampleZone[] {
    const index = presets.findIndex(
      (p, i) => i < presets.length - 1 && p.bank === bank && p.preset === preset,
    );
    const header = presets[index];
    const next = presets[index + 1];
    if (!header || !next) throw new Error(`soundfont: no preset ${preset} in bank ${bank}`);
    const presetZones = zonesOf(header.bagIndex, next.bagIndex, pbag, pgen, GEN.instrument);
    const result: SampleZone[] = [];
    for (const pz of presetZones.local) {
      const p = toMap(presetZones.global, pz);
      const instIndex = p.values.get(GEN.instrument) ?? -1;
      const inst = instruments[instIndex];
      const instNext = instruments[instIndex + 1];
      if (!inst || !instNext)
        throw new Error(`soundfont: preset '${header.name}' names missing instrument ${instIndex}`);
      const instZones = zonesOf(inst.bagIndex, instNext.bagIndex, ibag, igen, GEN.sampleID);
      const [pKeyLo, pKeyHi] = p.ranges.get(GEN.keyRange) ?? [0, 127];
      for (const iz of instZones.local) {
        const z = toMap(instZones.global, iz);
        const sampleIndex = z.values.get(GEN.sampleID) ?? -1;
        const sample = samples[sampleIndex];
        if (!sample)
          throw new Error(
            `soundfont: instrument '${inst.name}' names missing sample ${sampleIndex}`,
          );
        const [keyLow, keyHigh] = z.ranges.get(GEN.keyRange) ?? [0, 127];
        // A preset zone only plays where its key range overlaps the instrument zone's (section 9.4).
        if (keyHigh < pKeyLo || keyLow > pKeyHi) continue;
        const [velLow, velHigh] = z.ranges.get(GEN.velRange) ?? [0, 127];
        const gen = (oper: number): number => z.values.get(oper) ?? 0;
        // Preset-level tuning generators add to the instrument's (section 9.4, "relative" values).
        const presetGen = (oper: number): number => p.values.get(oper) ?? 0;
        const root = z.values.get(GEN.overridingRootKey);
        result.push({
          instrumentName: inst.name,
          sampleIndex,
          sample,
          keyLow: Math.max(keyLow, pKeyLo),
          keyHigh: Math.min(keyHigh, pKeyHi),
          velLow,
          velHigh,
          rootKey: root !== undefined && root >= 0 ? root : sample.originalPitch,
          tuneCents:
            sample.pitchCorrectionCents +
            gen(GEN.fineTune) +
            presetGen(GEN.fineTune) +
            100 * (gen(GEN.coarseTune) + presetGen(GEN.coarseTune)),
          startOffset: gen(GEN.startAddrsOffset) + 32768 * gen(GEN.startAddrsCoarseOffset),
          endOffset: gen(GEN.endAddrsOffset) + 32768 * gen(GEN.endAddrsCoarseOffset),
          loopStartOffset:
            gen(GEN.startloopAddrsOffset) + 32768 * gen(GEN.startloopAddrsCoarseOffset),
          loopEndOffset: gen(GEN.endloopAddrsOffset) + 32768 * gen(GEN.endloopAddrsCoarseOffset),
          sampleModes: gen(GEN.sampleModes),
          pan: gen(GEN.pan),
        });
      }
    }
    return result;
  }

  return { versionMajor, presets, samples, sampleData, zonesOfPreset };
}
