/**
 * Gathers the readings of one instrument record. Single-line formats (WXT, NMEA, Gill)
 * end a record with every line; multi-line sketches (BME280 bridge) end one with a blank
 * line, a separator, a repeat of a quantity already in the block, or the reader's idle flush.
 */
import type { Quantity } from '../../src/ingest/units.ts';
import type { Reading } from '../../src/ingest/sensorMessage.ts';
import type { ParsedLine } from './parsedLine.ts';

/**
 * Two values of one quantity within this distance (engine units) in one block are the
 * same measurement printed twice (SparkFun prints the temperature in °C and in °F).
 */
const SAME_MEASUREMENT = 0.1;

export class RecordAssembler {
  private block = new Map<Quantity, number>();

  /** Feeds one parsed line; returns the records it completed (usually none or one). */
  push(line: ParsedLine): Reading[][] {
    const done: Reading[][] = [];
    if (line.kind === 'readings') {
      for (const reading of line.readings) {
        const previous = this.block.get(reading.quantity);
        if (previous !== undefined) {
          if (Math.abs(previous - reading.value) <= SAME_MEASUREMENT) continue;
          done.push(this.take());
        }
        this.block.set(reading.quantity, reading.value);
      }
      if (line.endOfRecord) done.push(this.take());
    } else if (line.kind === 'ignored' && line.endOfRecord) {
      done.push(this.take());
    }
    return done.filter((record) => record.length > 0);
  }

  hasPending(): boolean {
    return this.block.size > 0;
  }

  /** The readings gathered so far as a record, if any (the reader's idle flush). */
  flush(): Reading[] | undefined {
    const record = this.take();
    return record.length > 0 ? record : undefined;
  }

  private take(): Reading[] {
    const record = [...this.block].map(([quantity, value]) => ({ quantity, value }));
    this.block.clear();
    return record;
  }
}
