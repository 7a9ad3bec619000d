/**
 * ICY (SHOUTcast/Icecast) in-stream metadata for the MP3 stream. A client that sends
 * `Icy-MetaData: 1` gets `icy-metaint: N`; after every N audio bytes comes one length byte
 * L, then L*16 bytes of `StreamTitle='...';` padded with NULs (L = 0: nothing changed).
 * Pure byte handling, no sockets: the hub keeps one interleaver per listener.
 */

/** Icecast's default metadata interval. */
export const ICY_METAINT = 16000;
/** The length byte counts 16-byte units: at most 255 * 16 bytes of metadata. */
const MAX_META_BYTES = 255 * 16;
const MAX_TITLE_BYTES = 1000;

/** One metadata block: length byte + padded `StreamTitle='title';`. */
export function icyMetadataBlock(title: string): Buffer {
  // ICY has no escaping: a quote would end the title early, so it becomes a typographic one.
  let clean = title.replace(/'/g, '\u2019').replace(/[\r\n\0]/g, ' ');
  while (Buffer.byteLength(clean, 'utf8') > MAX_TITLE_BYTES) clean = clean.slice(0, -1);
  const text = Buffer.from(`StreamTitle='${clean}';`, 'utf8');
  const units = Math.min(255, Math.ceil(text.length / 16));
  const block = Buffer.alloc(1 + units * 16); // zero-filled: the NUL padding
  block[0] = units;
  text.copy(block, 1, 0, Math.min(text.length, MAX_META_BYTES));
  return block;
}

const EMPTY_BLOCK = Buffer.from([0]);

/** Splits one listener's audio bytes at every metaint boundary and inserts metadata. */
export class IcyInterleaver {
  private readonly metaint: number;
  private untilMeta: number;
  private sentTitle: string | undefined;

  constructor(metaint = ICY_METAINT) {
    this.metaint = metaint;
    this.untilMeta = metaint;
  }

  /** The bytes to send for `audio`, with metadata blocks where they fall. */
  interleave(audio: Buffer, title: string): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (audio.length - offset >= this.untilMeta) {
      out.push(audio.subarray(offset, offset + this.untilMeta));
      offset += this.untilMeta;
      this.untilMeta = this.metaint;
      if (title !== this.sentTitle) {
        out.push(icyMetadataBlock(title));
        this.sentTitle = title;
      } else {
        out.push(EMPTY_BLOCK);
      }
    }
    if (offset < audio.length) {
      out.push(audio.subarray(offset));
      this.untilMeta -= audio.length - offset;
    }
    return out;
  }
}

/** Reads an ICY-interleaved byte stream back into audio and titles (tests, tools). */
export class IcyReader {
  private readonly metaint: number;
  private untilMeta: number;
  private pending = Buffer.alloc(0);
  readonly titles: string[] = [];
  audioBytes = 0;

  constructor(metaint: number) {
    this.metaint = metaint;
    this.untilMeta = metaint;
  }

  /** Feeds received bytes; returns the audio bytes among them. */
  push(chunk: Buffer): Buffer[] {
    const audio: Buffer[] = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.untilMeta > 0) {
        const n = Math.min(this.untilMeta, data.length);
        audio.push(data.subarray(0, n));
        this.audioBytes += n;
        this.untilMeta -= n;
        data = data.subarray(n);
        continue;
      }
      const length = (data[0] ?? 0) * 16;
      if (data.length < 1 + length) {
        this.pending = Buffer.from(data);
        break;
      }
      if (length > 0) {
        const text = data.subarray(1, 1 + length).toString('utf8').replace(/\0+$/, '');
        const match = /StreamTitle='(.*?)';/s.exec(text);
        if (match?.[1] !== undefined) this.titles.push(match[1]);
      }
      data = data.subarray(1 + length);
      this.untilMeta = this.metaint;
    }
    return audio;
  }
}
