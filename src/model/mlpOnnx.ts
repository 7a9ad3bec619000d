/**
 * Writes the mapping MLP as an ONNX graph with the skychoir signature:
 * input `features` float32 [N, 13], output `controls` float32 [N, 22].
 *
 * Two layouts of the same weights: `matmul` (MatMul + Add, the form torch.onnx.export
 * gives for x @ W + b) and `gemm` (Gemm with transB=1, the form it gives for nn.Linear).
 * Both must run identically in onnxruntime; the tests check it, which is how we know the
 * loader accepts "any ONNX model with the same signature", not just our own graph shape.
 */
import type { MlpWeights } from './mlp.ts';
import { transpose } from './mlp.ts';
import type { OnnxInitializer, OnnxNode } from './onnxWriter.ts';
import { encodeOnnxModel } from './onnxWriter.ts';

export const MODEL_INPUT_NAME = 'features';
export const MODEL_OUTPUT_NAME = 'controls';
/** The symbolic batch dimension. */
export const BATCH_DIM = 'N';

export type MlpOnnxLayout = 'matmul' | 'gemm';

export interface MlpOnnxOptions {
  readonly layout: MlpOnnxLayout;
  readonly producerVersion: string;
  readonly docString: string;
  /** ModelProto.metadata_props, written in this order. */
  readonly metadata: readonly (readonly [string, string])[];
}

function matmulGraph(w: MlpWeights): { initializers: OnnxInitializer[]; nodes: OnnxNode[] } {
  return {
    initializers: [
      { name: 'hidden.weight', dims: [w.inputSize, w.hiddenSize], values: w.hiddenWeights },
      { name: 'hidden.bias', dims: [w.hiddenSize], values: w.hiddenBias },
      { name: 'output.weight', dims: [w.hiddenSize, w.outputSize], values: w.outputWeights },
      { name: 'output.bias', dims: [w.outputSize], values: w.outputBias },
    ],
    nodes: [
      {
        opType: 'MatMul',
        name: 'hidden_matmul',
        inputs: [MODEL_INPUT_NAME, 'hidden.weight'],
        outputs: ['hidden_product'],
      },
      {
        opType: 'Add',
        name: 'hidden_add',
        inputs: ['hidden_product', 'hidden.bias'],
        outputs: ['hidden_sum'],
      },
      { opType: 'Tanh', name: 'hidden_tanh', inputs: ['hidden_sum'], outputs: ['hidden'] },
      {
        opType: 'MatMul',
        name: 'output_matmul',
        inputs: ['hidden', 'output.weight'],
        outputs: ['output_product'],
      },
      {
        opType: 'Add',
        name: 'output_add',
        inputs: ['output_product', 'output.bias'],
        outputs: ['output_sum'],
      },
      {
        opType: 'Sigmoid',
        name: 'output_sigmoid',
        inputs: ['output_sum'],
        outputs: [MODEL_OUTPUT_NAME],
      },
    ],
  };
}

// Gemm computes alpha * A * B' + beta * C; with transB=1 B is stored [out, in] like nn.Linear.
function gemmGraph(w: MlpWeights): { initializers: OnnxInitializer[]; nodes: OnnxNode[] } {
  const transB = [{ name: 'transB', int: 1 }] as const;
  return {
    initializers: [
      {
        name: 'hidden.weight',
        dims: [w.hiddenSize, w.inputSize],
        values: transpose(w.hiddenWeights, w.inputSize, w.hiddenSize),
      },
      { name: 'hidden.bias', dims: [w.hiddenSize], values: w.hiddenBias },
      {
        name: 'output.weight',
        dims: [w.outputSize, w.hiddenSize],
        values: transpose(w.outputWeights, w.hiddenSize, w.outputSize),
      },
      { name: 'output.bias', dims: [w.outputSize], values: w.outputBias },
    ],
    nodes: [
      {
        opType: 'Gemm',
        name: 'hidden_gemm',
        inputs: [MODEL_INPUT_NAME, 'hidden.weight', 'hidden.bias'],
        outputs: ['hidden_sum'],
        attributes: transB,
      },
      { opType: 'Tanh', name: 'hidden_tanh', inputs: ['hidden_sum'], outputs: ['hidden'] },
      {
        opType: 'Gemm',
        name: 'output_gemm',
        inputs: ['hidden', 'output.weight', 'output.bias'],
        outputs: ['output_sum'],
        attributes: transB,
      },
      {
        opType: 'Sigmoid',
        name: 'output_sigmoid',
        inputs: ['output_sum'],
        outputs: [MODEL_OUTPUT_NAME],
      },
    ],
  };
}

export function encodeMlpOnnx(weights: MlpWeights, options: MlpOnnxOptions): Uint8Array {
  const graph = options.layout === 'gemm' ? gemmGraph(weights) : matmulGraph(weights);
  return encodeOnnxModel({
    graphName: 'skychoir_mapping',
    producerName: 'skychoir',
    producerVersion: options.producerVersion,
    modelVersion: 1,
    docString: options.docString,
    inputs: [{ name: MODEL_INPUT_NAME, shape: [BATCH_DIM, weights.inputSize] }],
    outputs: [{ name: MODEL_OUTPUT_NAME, shape: [BATCH_DIM, weights.outputSize] }],
    initializers: graph.initializers,
    nodes: graph.nodes,
    metadata: options.metadata,
  });
}
