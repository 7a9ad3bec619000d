/**
 * Trains the mapping MLP: Adam on mean squared error, in mini-batches, stopping early
 * once the loss has stopped improving.
 *
 * Deterministic by construction: seeded initialisation and batch shuffling (mulberry32),
 * and only IEEE arithmetic plus Math.tanh/Math.exp, which V8 computes with its own fdlibm
 * port (the same bits on every platform for a given Node). So the same examples, seed and
 * options give byte-identical weights on the pinned Node.
 *
 * Speed: the examples are copied once into flat Float64Arrays and every loop runs over
 * typed arrays, so an epoch over 1000 examples costs about a millisecond; mini-batches
 * take many Adam steps per pass over the data, so a few hundred epochs do what 3000
 * full-batch epochs did (bench/model-training.ts).
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
  /** The most epochs (passes over the examples); fewer if the loss plateaus first. */
  readonly epochs: number;
  /** Adam step size at the start; it decays along a cosine to a tenth of this by `epochs`. */
  readonly learningRate: number;
  /** L2 penalty on the weight matrices (not biases): keeps the surface smooth between examples. */
  readonly weightDecay: number;
  /**
   * Examples per Adam step; the order is reshuffled (seeded) every epoch. A batch at least
   * as large as the set is full-batch training in file order. Default 32.
   */
  readonly batchSize?: number;
  /**
   * Early stopping: stop once the epoch loss has not fallen below (1 - minImprovement) x
   * the best seen for this many epochs. 0 (the default) trains all `epochs`.
   */
  readonly patience?: number;
  readonly minImprovement?: number;
  /** Called every `progressEvery` epochs and after the last one. */
  readonly onProgress?: (epoch: number, loss: number) => void;
  readonly progressEvery?: number;
}

export interface MlpTrainingResult {
  readonly weights: MlpWeights;
  /** Mean squared error over all examples and controls, computed with the float32 weights. */
  readonly finalLoss: number;
  /** Epochs actually run (fewer than asked when the loss plateaued). */
  readonly epochs: number;
}

// Kingma & Ba, "Adam" (ICLR 2015), the paper's suggested defaults.
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;
export const DEFAULT_BATCH_SIZE = 32;

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

/** Rows of equal length into one row-major Float64Array. */
function flatten(rows: readonly ArrayLike<number>[], width: number, what: string): Float64Array {
  const flat = new Float64Array(rows.length * width);
  rows.forEach((row, n) => {
    if (row.length !== width) throw new RangeError(`${what} ${n} has ${row.length} values, want ${width}`);
    for (let i = 0; i < width; i++) flat[n * width + i] = row[i] ?? 0;
  });
  return flat;
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
  const X = flatten(set.inputs, I, 'input');
  const T = flatten(set.targets, O, 'target');

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
  const decay = new Float64Array(size);
  decay.fill(2 * options.weightDecay, oW1, oB1);
  decay.fill(2 * options.weightDecay, oW2, oB2);

  // Glorot/Xavier uniform init (Glorot & Bengio 2010) for tanh; output bias starts at the
  // logit of each control's mean target so training begins at the average sound.
  const rng = mulberry32(options.seed);
  const limit1 = Math.sqrt(6 / (I + H));
  for (let i = oW1; i < oB1; i++) p[i] = (rng() * 2 - 1) * limit1;
  const limit2 = Math.sqrt(6 / (H + O));
  for (let i = oW2; i < oB2; i++) p[i] = (rng() * 2 - 1) * limit2;
  // An input that never varies in the training set teaches nothing; left at its random
  // initial weights it would move the controls at random once it does vary in the sky
  // (a feature the examples leave at its typical value, e.g. the day of year). Its weights
  // are held at 0, so the model ignores it until examples vary it.
  const learns = new Float64Array(size).fill(1);
  for (let i = 0; i < I; i++) {
    let constant = true;
    for (let n = 1; n < examples && constant; n++) constant = X[n * I + i] === X[i];
    if (constant && examples > 1) {
      p.fill(0, oW1 + i * H, oW1 + (i + 1) * H);
      learns.fill(0, oW1 + i * H, oW1 + (i + 1) * H);
    }
  }
  for (let k = 0; k < O; k++) {
    let mean = 0;
    for (let n = 0; n < examples; n++) mean += T[n * O + k]!;
    mean = Math.min(0.99, Math.max(0.01, mean / examples));
    p[oB2 + k] = Math.log(mean / (1 - mean));
  }

  const batchSize = Math.max(1, Math.min(examples, options.batchSize ?? DEFAULT_BATCH_SIZE));
  const fullBatch = batchSize >= examples;
  const order = new Uint32Array(examples);
  for (let n = 0; n < examples; n++) order[n] = n;
  const hidden = new Float64Array(H);
  const dOut = new Float64Array(O);
  const dHidden = new Float64Array(H);
  const every = options.progressEvery ?? 100;
  const patience = options.patience ?? 0;
  const minImprovement = options.minImprovement ?? 0.01;
  let best = Number.POSITIVE_INFINITY;
  let sinceBest = 0;
  let step = 0;
  let epochsRun = 0;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    epochsRun = epoch;
    if (!fullBatch) {
      // Fisher-Yates with the seeded generator: a new, reproducible order each epoch.
      for (let n = examples - 1; n > 0; n--) {
        const r = Math.floor(rng() * (n + 1));
        const t = order[n]!;
        order[n] = order[r]!;
        order[r] = t;
      }
    }
    const rate =
      options.learningRate *
      (0.1 + 0.45 * (1 + Math.cos((Math.PI * (epoch - 1)) / options.epochs)));
    let loss = 0;
    for (let start = 0; start < examples; start += batchSize) {
      const end = Math.min(examples, start + batchSize);
      const scale = 2 / ((end - start) * O);
      g.fill(0);
      for (let b = start; b < end; b++) {
        const n = order[b]!;
        const xo = n * I;
        const to = n * O;
        for (let j = 0; j < H; j++) {
          let s = p[oB1 + j]!;
          for (let i = 0; i < I; i++) s += X[xo + i]! * p[oW1 + i * H + j]!;
          hidden[j] = Math.tanh(s);
        }
        for (let k = 0; k < O; k++) {
          let s = p[oB2 + k]!;
          for (let j = 0; j < H; j++) s += hidden[j]! * p[oW2 + j * O + k]!;
          const y = 1 / (1 + Math.exp(-s));
          const e = y - T[to + k]!;
          loss += e * e;
          // d(mean e^2)/dy * dy/ds for the sigmoid.
          dOut[k] = scale * e * y * (1 - y);
        }
        for (let j = 0; j < H; j++) {
          const h = hidden[j]!;
          const row = oW2 + j * O;
          let back = 0;
          for (let k = 0; k < O; k++) {
            const d = dOut[k]!;
            g[row + k]! += h * d;
            back += p[row + k]! * d;
          }
          dHidden[j] = back * (1 - h * h);
        }
        for (let k = 0; k < O; k++) g[oB2 + k]! += dOut[k]!;
        for (let i = 0; i < I; i++) {
          const xi = X[xo + i]!;
          if (xi === 0) continue;
          const row = oW1 + i * H;
          for (let j = 0; j < H; j++) g[row + j]! += xi * dHidden[j]!;
        }
        for (let j = 0; j < H; j++) g[oB1 + j]! += dHidden[j]!;
      }
      step += 1;
      const correction1 = 1 - ADAM_BETA1 ** step;
      const correction2 = 1 - ADAM_BETA2 ** step;
      for (let i = 0; i < size; i++) {
        const grad = g[i]! + decay[i]! * p[i]!;
        const mi = ADAM_BETA1 * m[i]! + (1 - ADAM_BETA1) * grad;
        const vi = ADAM_BETA2 * v[i]! + (1 - ADAM_BETA2) * grad * grad;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i]! - (learns[i]! * rate * (mi / correction1)) / (Math.sqrt(vi / correction2) + ADAM_EPSILON);
      }
    }
    // The mean loss seen during the epoch (weights moving under it when in mini-batches).
    loss /= examples * O;
    let stop = false;
    if (patience > 0) {
      if (loss < best * (1 - minImprovement)) {
        best = loss;
        sinceBest = 0;
      } else if (++sinceBest >= patience) {
        stop = true;
      }
    }
    if (options.onProgress && (epoch % every === 0 || epoch === options.epochs || stop))
      options.onProgress(epoch, loss);
    if (stop) break;
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
  return { weights, finalLoss: meanSquaredError(weights, set), epochs: epochsRun };
}
