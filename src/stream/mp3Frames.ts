/**
 * Splits an MPEG audio Layer III byte stream into whole frames, incrementally, so that a
 * listener's first byte is a frame header (ISO/IEC 11172-3 2.4.1.3 and 13818-3 for the
 * half rates). Anything else (an ID3 tag, a broken frame) is skipped until the next sync.
 */

export interface Mp3Frame {
  bytes: Buffer;
  sampleRate: number;
  /** PCM samples per channel in this frame: 1152 (MPEG-1) or 576 (MPEG-2/2.5). */
  samples: number;
}

const BITRATES_V1_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES_V1 = [44100, 48000, 32000];

/** Parses a 4-byte Layer III frame header; undefined when it is not one. */
export function parseMp3Header(b: Buffer, at = 0): { length: number; sampleRate: number; samples: number } | undefined {
  if (b.length < at + 4) return undefined;
  const b1 = b[at + 1] ?? 0;
  const b2 = b[at + 2] ?? 0;
  if ((b[at] ?? 0) !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 0x03; // 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
  const layer = (b1 >> 1) & 0x03; // 1: Layer III
  if (version === 1 || layer !== 1) return undefined;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x03;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const v1 = version === 3;
  const kbps = (v1 ? BITRATES_V1_KBPS : BITRATES_V2_KBPS)[bitrateIndex] ?? 0;
  const sampleRate = (SAMPLE_RATES_V1[rateIndex] ?? 0) / (v1 ? 1 : version === 2 ? 2 : 4);
  const padding = (b2 >> 1) & 0x01;
  const length = Math.floor(((v1 ? 144 : 72) * kbps * 1000) / sampleRate) + padding;
  return { length, sampleRate, samples: v1 ? 1152 : 576 };
}

export class Mp3FrameSplitter {
  private buffered = Buffer.alloc(0);
  skippedBytes = 0;

  push(chunk: Buffer): Mp3Frame[] {
    let data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Mp3Frame[] = [];
    while (data.length >= 4) {
      const header = parseMp3Header(data);
      if (!header) {
        const next = data.indexOf(0xff, 1);
        const skip = next < 0 ? data.length : next;
        this.skippedBytes += skip;
        data = data.subarray(skip);
        continue;
      }
      if (data.length < header.length) break;
      frames.push({ bytes: Buffer.from(data.subarray(0, header.length)), sampleRate: header.sampleRate, samples: header.samples });
      data = data.subarray(header.length);
    }
    this.buffered = Buffer.from(data);
    return frames;
  }
}
