/**
 * Splits an Ogg byte stream (RFC 3533) into whole pages, incrementally. The hub needs
 * pages, not arbitrary chunks: a new listener must get the stream's header pages
 * (OpusHead, OpusTags: RFC 7845 section 3) and then audio that starts on a page boundary.
 */

export interface OggPage {
  bytes: Buffer;
  serial: number;
  /** Granule position (for Opus: 48 kHz samples); -1 when no packet ends on this page. */
  granule: bigint;
  bos: boolean;
  eos: boolean;
  /** A header page: the BOS page or a granule-0 page of the stream's header packets. */
  header: boolean;
}

const CAPTURE = Buffer.from('OggS', 'latin1');
const HEADER_BYTES = 27;
/** A page is at most 27 + 255 + 255 * 255 bytes. */
const MAX_PAGE_BYTES = HEADER_BYTES + 255 + 255 * 255;

export class OggPageSplitter {
  private buffered = Buffer.alloc(0);
  /** Bytes skipped to find a capture pattern (garbage, or a stream joined mid-page). */
  skippedBytes = 0;

  push(chunk: Buffer): OggPage[] {
    let data = this.buffered.length > 0 ? Buffer.concat([this.buffered, chunk]) : chunk;
    const pages: OggPage[] = [];
    for (;;) {
      const start = data.indexOf(CAPTURE);
      if (start < 0) {
        // Keep the last 3 bytes: they may be the start of a capture pattern.
        const keep = Math.min(3, data.length);
        this.skippedBytes += data.length - keep;
        data = data.subarray(data.length - keep);
        break;
      }
      if (start > 0) {
        this.skippedBytes += start;
        data = data.subarray(start);
      }
      if (data.length < HEADER_BYTES) break;
      const segments = data[26] ?? 0;
      if (data.length < HEADER_BYTES + segments) break;
      let bodyBytes = 0;
      for (let i = 0; i < segments; i++) bodyBytes += data[HEADER_BYTES + i] ?? 0;
      const total = HEADER_BYTES + segments + bodyBytes;
      if (total > MAX_PAGE_BYTES || (data[4] ?? 0) !== 0) {
        // Not a page after all (version must be 0): skip this capture pattern.
        this.skippedBytes += 1;
        data = data.subarray(1);
        continue;
      }
      if (data.length < total) break;
      const bytes = Buffer.from(data.subarray(0, total));
      const flags = bytes[5] ?? 0;
      const granule = bytes.readBigInt64LE(6);
      const bos = (flags & 0x02) !== 0;
      pages.push({ bytes, serial: bytes.readUInt32LE(14), granule, bos, eos: (flags & 0x04) !== 0, header: bos || granule === 0n });
      data = data.subarray(total);
    }
    this.buffered = Buffer.from(data);
    return pages;
  }
}
