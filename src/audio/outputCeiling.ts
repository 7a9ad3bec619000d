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
