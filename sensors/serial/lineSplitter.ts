/**
 * Cuts the byte stream of a serial port into lines. CR, LF and CR LF all end a line
 * (instruments and sketches differ); with STX framing (Gill), an STX also starts a new
 * frame, so a frame cut short by a glitch cannot swallow the next one. Bytes are read as
 * Latin-1 so every byte maps to one character and checksums see the bytes as sent.
 * A line longer than `maxLineBytes` is cut off and reported once, never buffered forever.
 */
export type SplitEvent =
  | { kind: 'line'; line: string }
  | { kind: 'overflow'; bytes: number }
  | { kind: 'cut'; partial: string };

export interface LineSplitterOptions {
  maxLineBytes: number;
  /** Treat STX (0x02) as the start of a new frame (Gill WindSonic). */
  stxFraming: boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const STX = 0x02;

export class LineSplitter {
  private readonly options: LineSplitterOptions;
  private pending: number[] = [];
  private overflowing = 0;
  private previousWasCr = false;

  constructor(options: LineSplitterOptions) {
    this.options = options;
  }

  push(chunk: Uint8Array): SplitEvent[] {
    const events: SplitEvent[] = [];
    for (const byte of chunk) {
      if (byte === LF && this.previousWasCr) {
        // CR LF is one line end.
        this.previousWasCr = false;
        continue;
      }
      this.previousWasCr = byte === CR;
      if (byte === CR || byte === LF) {
        this.endLine(events);
        continue;
      }
      if (
        byte === STX &&
        this.options.stxFraming &&
        (this.pending.length > 0 || this.overflowing > 0)
      ) {
        // A new frame starts before the old one ended: the old one is incomplete.
        if (this.overflowing > 0) events.push({ kind: 'overflow', bytes: this.overflowing });
        else events.push({ kind: 'cut', partial: this.text() });
        this.pending = [];
        this.overflowing = 0;
      }
      if (this.overflowing > 0) {
        this.overflowing++;
        continue;
      }
      if (this.pending.length >= this.options.maxLineBytes) {
        this.overflowing = this.pending.length + 1;
        this.pending = [];
        continue;
      }
      this.pending.push(byte);
    }
    return events;
  }

  /** Forgets a partial line (the port was closed: what follows is a new stream). */
  reset(): void {
    this.pending = [];
    this.overflowing = 0;
    this.previousWasCr = false;
  }

  private endLine(events: SplitEvent[]): void {
    if (this.overflowing > 0) {
      events.push({ kind: 'overflow', bytes: this.overflowing });
      this.overflowing = 0;
    } else if (this.pending.length > 0) {
      events.push({ kind: 'line', line: this.text() });
    } else {
      // A blank line ends a multi-line record (BME280 sketches), so it is passed on.
      events.push({ kind: 'line', line: '' });
    }
    this.pending = [];
  }

  private text(): string {
    return Buffer.from(this.pending).toString('latin1');
  }
}
