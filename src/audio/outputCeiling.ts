/**
 * The hard output ceiling, safe by construction: a WaveShaper whose curve never leaves
 * +-ceiling. Input beyond +-1 maps to the curve's ends (Web Audio spec, WaveShaperNode:
 * inputs outside [-1, 1] use the first/last curve value), so no model output, panel
 * setting or bug upstream can drive the speakers past it. Below the knee it is linear;
 * above, it bends smoothly (tanh) towards the ceiling so the limiter's misses are soft.
 */
export const CEILING_DBFS = -1;

export function ceilingCurve(ceilingDbfs = CEILING_DBFS, points = 4097): Float32Array<ArrayBuffer> {
  const ceiling = 10 ** (ceilingDbfs / 20);
  const knee = ceiling * 0.8;
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (i / (points - 1)) * 2 - 1;
    const ax = Math.abs(x);
    const y = ax <= knee ? ax : knee + (ceiling - knee) * Math.tanh((ax - knee) / (ceiling - knee));
    curve[i] = Math.sign(x) * Math.min(ceiling, y);
  }
  return curve;
}

/**
 * The ceiling's curve at CEILING_DBFS, made once: every caller that applies it shares it
 * (and with it the identity reach worked out for it, cached by the curve).
 */
export const CEILING_CURVE = ceilingCurve();

/**
 * The ceiling applied in place to samples outside a graph (a render's speakers, a
 * fold-down computed from them), as a WaveShaperNode applies its curve (Web Audio spec,
 * WaveShaperNode: linear interpolation between curve points, the ends beyond +-1). Where
 * the curve is the identity (below the knee: nearly every sample) the interpolation gives
 * the sample back, to float rounding, so those are left as they are: a render's 8 speakers
 * cost a comparison a sample instead of the interpolation's 13 ns (bench/graph-cost.ts).
 */
export function applyCeiling(samples: Float32Array, curve: Float32Array = CEILING_CURVE): void {
  const last = curve.length - 1;
  const linear = ceilingIdentityReach(curve);
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i] as number;
    if (x <= linear && x >= -linear) continue;
    const v = (last / 2) * (x + 1);
    if (v <= 0) samples[i] = curve[0] ?? 0;
    else if (v >= last) samples[i] = curve[last] ?? 0;
    else {
      const k = Math.floor(v);
      const f = v - k;
      samples[i] = (1 - f) * (curve[k] ?? 0) + f * (curve[k + 1] ?? 0);
    }
  }
}

const reaches = new WeakMap<Float32Array, number>();

/** The largest a such that the curve is the identity (to float rounding) at every point in [-a, a]. */
export function ceilingIdentityReach(curve: Float32Array): number {
  const known = reaches.get(curve);
  if (known !== undefined) return known;
  const half = (curve.length - 1) / 2;
  let reach = 0;
  if (Number.isInteger(half)) {
    const identity = (k: number): boolean => Math.abs((curve[half + k] ?? NaN) - k / half) < 1e-7;
    let k = 0;
    while (k < half && identity(k + 1) && identity(-(k + 1))) k++;
    if (identity(0)) reach = k / half;
  }
  reaches.set(curve, reach);
  return reach;
}
