/**
 * The model of last resort: when no model file can be loaded at start-up, the engine
 * sings with middle-of-the-road controls rather than not at all. It is named in
 * /healthz so nobody mistakes it for the trained mapping.
 */
import { CONTROL_COUNT } from '../model/controlVector.ts';
import type { ControlModel } from './controlModel.ts';

export class FallbackModel implements ControlModel {
  readonly version = 'fallback-neutral';

  async run(_features: Float32Array): Promise<Float32Array> {
    return new Float32Array(CONTROL_COUNT).fill(0.5);
  }
}
