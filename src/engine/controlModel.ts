/** What the engine needs of a mapping model: features in, controls out. */
export interface ControlModel {
  readonly version: string;
  run(features: Float32Array): Promise<Float32Array>;
}
