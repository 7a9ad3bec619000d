/**
 * Trains the mapping MLP: full-batch Adam on mean squared error, a fixed number of epochs.
 *
 * Deterministic by construction: seeded initialisation (mulberry32), a fixed example order,
 * no mini-batch shuffling, and only IEEE arithmetic plus Math.tanh/Math.exp, which V8
 * computes with its own fdlibm port (the same bits on every platform for a given Node).
 * So the same examples, seed and options give byte-identical weights on the pinned Node.
 */
import { mulberry32 } from './seededRandom.ts';
import type { MlpWeights } from './mlp.ts';
import { mlpForward } from './mlp.ts';

export interface TrainingSet {
  readonly inputs: readonly ArrayLike<number>[];
  readonly targets: readonly ArrayLike<number>[];
}

export interface MlpTrainingOptions {
  readonly hiddenSize: number;
  readonly seed: number;
  readonly epochs: number;
  /** Adam step size at the start; it decays along a cosine to a tenth of this by the end. */
  readonly learningRate: number;
  /** L2 penalty on the weight matrices (not biases): keeps the surface smooth between examples. */
  readonly weightDecay: number;
  /** Called every `progressEvery` epochs and after the last one. */
  readonly onProgress?: (epoch: number, loss: number) => void;
  readonly progressEvery?: number;
}

export interface MlpTrainingResult {
  readonly weights: MlpWeights;
  /** Mean squared error over all examples and controls, computed with the float32 weights. */
  readonly finalLoss: number;
}

// Kingma & Ba, "Adam" (ICLR 2015), the paper's suggested defaults.
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/** Mean squared error of `weights` over a training set. */
export function meanSquaredError(weights: MlpWeights, set: TrainingSet): number {
  let sum = 0;
  let count = 0;
  set.inputs.forEach((input, n) => {
    const output = mlpForward(weights, input);
    const target = set.targets[n] ?? [];
    output.forEach((y, k) => {
      const e = y - (target[k] ?? 0);
      sum += e * e;
      count += 1;
    });
  });
  return count === 0 ? 0 : sum / count;
}

export function trainMlp(set: TrainingSet, options: MlpTrainingOptions): MlpTrainingResult {
  const examples = set.inputs.length;
  const first = set.inputs[0];
  const firstTarget = set.targets[0];
  if (examples === 0 || first === undefined || firstTarget === undefined)
    throw new RangeError('no training examples');
  if (set.targets.length !== examples) throw new RangeError('inputs and targets differ in length');
  const I = first.length;
  const H = options.hiddenSize;
  const O = firstTarget.length;

  // All parameters in one array so Adam is one loop: [W1 (I*H) | b1 (H) | W2 (H*O) | b2 (O)].
  const oW1 = 0;
  const oB1 = oW1 + I * H;
  const oW2 = oB1 + H;
  const oB2 = oW2 + H * O;
  const size = oB2 + O;
  const p = new Float64Array(size);
  const g = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const decays = new Uint8Array(size);
  decays.fill(1, oW1, oB1);
  decays.fill(1, oW2, oB2);

  // Glorot/Xavier uniform init (Glorot & Bengio 2010) for tanh; output bias starts at the
  // logit of each control's mean target so training begins at the average sound.
  const rng = mulberry32(options.seed);
  const limit1 = Math.sqrt(6 / (I + H));
  for (let i = oW1; i < oB1; i++) p[i] = (rng() * 2 - 1) * limit1;
  const limit2 = Math.sqrt(6 / (H + O));
  for (let i = oW2; i < oB2; i++) p[i] = (rng() * 2 - 1) * limit2;
  for (let k = 0; k < O; k++) {
    let mean = 0;
    for (const t of set.targets) mean += t[k] ?? 0;
    mean = Math.min(0.99, Math.max(0.01, mean / examples));
    p[oB2 + k] = Math.log(mean / (1 - mean));
  }

  const hidden = new Float64Array(H);
  const output = new Float64Array(O);
  const dOut = new Float64Array(O);
  const dHidden = new Float64Array(H);
  const every = options.progressEvery ?? 100;
  const scale = 2 / (examples * O);

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    g.fill(0);
    let loss = 0;
    for (let n = 0; n < examples; n++) {
      const x = set.inputs[n] ?? [];
      const t = set.targets[n] ?? [];
      for (let j = 0; j < H; j++) {
        let s = p[oB1 + j] ?? 0;
        for (let i = 0; i < I; i++) s += (x[i] ?? 0) * (p[oW1 + i * H + j] ?? 0);
        hidden[j] = Math.tanh(s);
      }
      for (let k = 0; k < O; k++) {
        let s = p[oB2 + k] ?? 0;
        for (let j = 0; j < H; j++) s += (hidden[j] ?? 0) * (p[oW2 + j * O + k] ?? 0);
        const y = 1 / (1 + Math.exp(-s));
        output[k] = y;
        const e = y - (t[k] ?? 0);
        loss += e * e;
        // d(mean e^2)/dy * dy/ds for the sigmoid.
        dOut[k] = scale * e * y * (1 - y);
      }
      dHidden.fill(0);
      for (let j = 0; j < H; j++) {
        const h = hidden[j] ?? 0;
        let back = 0;
        for (let k = 0; k < O; k++) {
          const d = dOut[k] ?? 0;
          g[oW2 + j * O + k] = (g[oW2 + j * O + k] ?? 0) + h * d;
          back += (p[oW2 + j * O + k] ?? 0) * d;
        }
        dHidden[j] = back * (1 - h * h);
      }
      for (let k = 0; k < O; k++) g[oB2 + k] = (g[oB2 + k] ?? 0) + (dOut[k] ?? 0);
      for (let i = 0; i < I; i++) {
        const xi = x[i] ?? 0;
        for (let j = 0; j < H; j++)
          g[oW1 + i * H + j] = (g[oW1 + i * H + j] ?? 0) + xi * (dHidden[j] ?? 0);
      }
      for (let j = 0; j < H; j++) g[oB1 + j] = (g[oB1 + j] ?? 0) + (dHidden[j] ?? 0);
    }
    loss /= examples * O;

    const rate =
      options.learningRate *
      (0.1 + 0.45 * (1 + Math.cos((Math.PI * (epoch - 1)) / options.epochs)));
    const correction1 = 1 - ADAM_BETA1 ** epoch;
    const correction2 = 1 - ADAM_BETA2 ** epoch;
    for (let i = 0; i < size; i++) {
      const grad = (g[i] ?? 0) + (decays[i] === 1 ? 2 * options.weightDecay * (p[i] ?? 0) : 0);
      const mi = ADAM_BETA1 * (m[i] ?? 0) + (1 - ADAM_BETA1) * grad;
      const vi = ADAM_BETA2 * (v[i] ?? 0) + (1 - ADAM_BETA2) * grad * grad;
      m[i] = mi;
      v[i] = vi;
      p[i] =
        (p[i] ?? 0) - (rate * (mi / correction1)) / (Math.sqrt(vi / correction2) + ADAM_EPSILON);
    }
    if (options.onProgress && (epoch % every === 0 || epoch === options.epochs))
      options.onProgress(epoch, loss);
  }

  const weights: MlpWeights = {
    inputSize: I,
    hiddenSize: H,
    outputSize: O,
    hiddenWeights: Float32Array.from(p.subarray(oW1, oB1)),
    hiddenBias: Float32Array.from(p.subarray(oB1, oW2)),
    outputWeights: Float32Array.from(p.subarray(oW2, oB2)),
    outputBias: Float32Array.from(p.subarray(oB2, size)),
  };
  return { weights, finalLoss: meanSquaredError(weights, set) };
}
