/** Counts of what ingest accepted and dropped, by reason, for /healthz and /metrics. */
import type { RejectionReason } from './sensorMessage.ts';

export class IngestCounters {
  accepted = 0;
  readonly dropped = new Map<RejectionReason, number>();
  readonly droppedReadings = new Map<RejectionReason, number>();

  drop(reason: RejectionReason): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  dropReading(reason: RejectionReason): void {
    this.droppedReadings.set(reason, (this.droppedReadings.get(reason) ?? 0) + 1);
  }

  snapshot(): { accepted: number; dropped: Record<string, number>; droppedReadings: Record<string, number> } {
    return {
      accepted: this.accepted,
      dropped: Object.fromEntries(this.dropped),
      droppedReadings: Object.fromEntries(this.droppedReadings),
    };
  }
}
