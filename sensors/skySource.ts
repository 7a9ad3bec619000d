/**
 * A source of rooftop messages over time: the simulator, or a replayed log of a real sky.
 * Either is published over MQTT by the sensor publisher (live) or fed straight into
 * ingest by the offline renderer; both see the same messages.
 */
export interface Publication {
  atMs: number;
  topic: string;
  payload: string;
  retain: boolean;
}

export interface SkySource {
  readonly sensorIds: readonly string[];
  describe(): string;
  /** Every message in (fromMs, toMs], in time order. */
  publicationsBetween(fromMs: number, toMs: number): Publication[];
}
