/**
 * The mapping model's shape: a one-hidden-layer perceptron, features -> tanh -> sigmoid -> controls.
 *
 * The weights are float32, exactly the numbers stored in the ONNX file, so the forward pass
 * here is a reference for what onnxruntime computes. The arithmetic is float64 (plain JS
 * numbers over float32 weights); onnxruntime works in float32, so the two agree to ~1e-6.
 */

export interface MlpWeights {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** [inputSize, hiddenSize], row-major: the right operand of `features x W`. */
  readonly hiddenWeights: Float32Array;
  /** [hiddenSize] */
  readonly hiddenBias: Float32Array;
  /** [hiddenSize, outputSize], row-major. */
  readonly outputWeights: Float32Array;
  /** [outputSize] */
  readonly outputBias: Float32Array;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Hidden activations for one input: tanh(x W1 + b1). */
export function mlpHidden(
  weights: MlpWeights,
  input: ArrayLike<number>,
  hidden: Float64Array,
): Float64Array {
  const { inputSize, hiddenSize, hiddenWeights, hiddenBias } = weights;
  for (let j = 0; j < hiddenSize; j++) {
    let sum = hiddenBias[j] ?? 0;
    for (let i = 0; i < inputSize; i++)
      sum += (input[i] ?? 0) * (hiddenWeights[i * hiddenSize + j] ?? 0);
    hidden[j] = Math.tanh(sum);
  }
  return hidden;
}

/** Controls for one feature vector: sigmoid(tanh(x W1 + b1) W2 + b2). */
export function mlpForward(weights: MlpWeights, input: ArrayLike<number>): Float64Array {
  if (input.length !== weights.inputSize) {
    throw new RangeError(`mlp input has ${input.length} values, want ${weights.inputSize}`);
  }
  const hidden = mlpHidden(weights, input, new Float64Array(weights.hiddenSize));
  const { hiddenSize, outputSize, outputWeights, outputBias } = weights;
  const output = new Float64Array(outputSize);
  for (let k = 0; k < outputSize; k++) {
    let sum = outputBias[k] ?? 0;
    for (let j = 0; j < hiddenSize; j++)
      sum += (hidden[j] ?? 0) * (outputWeights[j * outputSize + k] ?? 0);
    output[k] = sigmoid(sum);
  }
  return output;
}

/** [rows, cols] -> [cols, rows], row-major; used for Gemm's transB layout. */
export function transpose(matrix: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(matrix.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = matrix[r * cols + c] ?? 0;
  }
  return out;
}
