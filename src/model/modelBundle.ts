/**
 * A model bundle: the ONNX file plus the metadata that says how to use it.
 *
 * `buildModelBundle` trains the mapping MLP on curator examples and writes both the .onnx
 * bytes (names, versions and training-set hash inside, as metadata_props) and a readable
 * .meta.json with the same facts plus the normalisation of every feature. The build is
 * deterministic: the same examples and options give byte-identical output, so a shipped
 * model can be checked against its examples (test/model.test.ts does).
 */
import { createHash } from 'node:crypto';
import type { FeatureSpec } from '../features/featureVector.ts';
import {
  FEATURES,
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_VERSION,
} from '../features/featureVector.ts';
import type { ControlSpec } from './controlVector.ts';
import { CONTROLS, CONTROL_COUNT, CONTROL_NAMES, CONTROL_VERSION } from './controlVector.ts';
import type { MappingExample } from './mappingExamples.ts';
import { resolveExample, trainingSetHash } from './mappingExamples.ts';
import type { MlpWeights } from './mlp.ts';
import { mlpForward } from './mlp.ts';
import type { MlpOnnxLayout } from './mlpOnnx.ts';
import { BATCH_DIM, MODEL_INPUT_NAME, MODEL_OUTPUT_NAME, encodeMlpOnnx } from './mlpOnnx.ts';
import type { TrainingSet } from './mlpTrainer.ts';
import { trainMlp } from './mlpTrainer.ts';
import { METADATA_KEYS } from './modelMetadata.ts';

/** Bumped when the builder's output format changes (written as ONNX producer_version). */
export const MODEL_BUILDER_VERSION = '1';

export interface ModelBundleOptions {
  /** Human-facing version, e.g. "default-1" or "curator-2025-06-01". */
  readonly modelVersion: string;
  readonly hiddenSize: number;
  readonly seed: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  /** Examples per Adam step (at least the set: full batch). */
  readonly batchSize: number;
  /** Early stopping after this many epochs without a 1 % better loss; 0 trains all epochs. */
  readonly patience: number;
  readonly layout: MlpOnnxLayout;
  readonly onProgress?: (epoch: number, loss: number) => void;
}

// Chosen by 5-fold cross-validation on models/default-examples.json (docs/model.md). v1
// (59 examples): 16 hidden units, weight decay 1e-5 gave the lowest held-out error (0.016
// MAE; none 0.022, 1e-4 0.031); 8 units 0.018, 24 no better. v2 (67 examples): full-batch
// 3000 epochs 0.0179, mini-batches of 32 for 1000 epochs 0.0184, the same stopping early
// (patience 50) 0.0185 in under half the time; weight decay 1e-4 0.034. Early stopping is
// what keeps 1000 curator examples under 5 s (bench/model-training.ts).
export const DEFAULT_BUNDLE_OPTIONS: ModelBundleOptions = {
  modelVersion: 'default-2',
  hiddenSize: 16,
  seed: 20_200_301,
  epochs: 1000,
  learningRate: 0.01,
  weightDecay: 1e-5,
  batchSize: 32,
  patience: 50,
  layout: 'matmul',
};

export interface TensorSignature {
  readonly name: string;
  readonly dtype: 'float32';
  readonly shape: readonly (string | number)[];
}

/** The contents of `<model>.meta.json`. */
export interface ModelMeta {
  readonly modelVersion: string;
  readonly onnxSha256: string;
  readonly input: TensorSignature;
  readonly output: TensorSignature;
  readonly featureVersion: number;
  readonly controlVersion: number;
  readonly features: readonly FeatureSpec[];
  readonly controls: readonly ControlSpec[];
  readonly training: {
    readonly examples: number;
    readonly trainingSetHash: string;
    readonly architecture: string;
    readonly hiddenSize: number;
    readonly seed: number;
    readonly epochs: number;
    readonly epochsRun: number;
    readonly batchSize: number;
    readonly patience: number;
    readonly learningRate: number;
    readonly weightDecay: number;
    readonly optimizer: string;
    readonly finalLoss: number;
    readonly trainingMeanAbsError: number;
  };
}

export interface ModelBundle {
  readonly onnx: Uint8Array;
  readonly meta: ModelMeta;
  readonly weights: MlpWeights;
}

export function trainingSetOf(examples: readonly MappingExample[]): TrainingSet {
  const resolved = examples.map(resolveExample);
  return { inputs: resolved.map((r) => r.features), targets: resolved.map((r) => r.controls) };
}

/** Mean absolute error of the float32 weights over a training set, all controls pooled. */
export function meanAbsError(weights: MlpWeights, set: TrainingSet): number {
  let sum = 0;
  let count = 0;
  set.inputs.forEach((input, n) => {
    const target = set.targets[n] ?? [];
    mlpForward(weights, input).forEach((y, k) => {
      sum += Math.abs(y - (target[k] ?? 0));
      count += 1;
    });
  });
  return count === 0 ? 0 : sum / count;
}

export function buildModelBundle(
  examples: readonly MappingExample[],
  options: Partial<ModelBundleOptions> = {},
): ModelBundle {
  const o: ModelBundleOptions = { ...DEFAULT_BUNDLE_OPTIONS, ...options };
  const set = trainingSetOf(examples);
  const { weights, finalLoss, epochs: epochsRun } = trainMlp(set, {
    ...trainerOptionsOf(o),
    ...(o.onProgress
      ? { onProgress: o.onProgress, progressEvery: Math.max(1, Math.floor(o.epochs / 10)) }
      : {}),
  });
  const hash = trainingSetHash(examples);
  const architecture = `MLP ${FEATURE_COUNT}-${o.hiddenSize}-${CONTROL_COUNT}, tanh hidden, sigmoid output`;
  const onnx = encodeMlpOnnx(weights, {
    layout: o.layout,
    producerVersion: MODEL_BUILDER_VERSION,
    docString: `skychoir mapping model ${o.modelVersion}: sky features -> choir controls (${architecture})`,
    metadata: [
      [METADATA_KEYS.featureNames, JSON.stringify(FEATURE_NAMES)],
      [METADATA_KEYS.controlNames, JSON.stringify(CONTROL_NAMES)],
      [METADATA_KEYS.featureVersion, String(FEATURE_VERSION)],
      [METADATA_KEYS.controlVersion, String(CONTROL_VERSION)],
      [METADATA_KEYS.trainingSetHash, hash],
      [METADATA_KEYS.modelVersion, o.modelVersion],
    ],
  });
  const meta: ModelMeta = {
    modelVersion: o.modelVersion,
    onnxSha256: createHash('sha256').update(onnx).digest('hex'),
    input: { name: MODEL_INPUT_NAME, dtype: 'float32', shape: [BATCH_DIM, FEATURE_COUNT] },
    output: { name: MODEL_OUTPUT_NAME, dtype: 'float32', shape: [BATCH_DIM, CONTROL_COUNT] },
    featureVersion: FEATURE_VERSION,
    controlVersion: CONTROL_VERSION,
    features: FEATURES,
    controls: CONTROLS,
    training: {
      examples: examples.length,
      trainingSetHash: hash,
      architecture,
      hiddenSize: o.hiddenSize,
      seed: o.seed,
      epochs: o.epochs,
      epochsRun,
      batchSize: Math.min(o.batchSize, examples.length),
      patience: o.patience,
      learningRate: o.learningRate,
      weightDecay: o.weightDecay,
      optimizer:
        o.batchSize >= examples.length
          ? 'Adam, full batch, mean squared error, cosine-decayed step size'
          : 'Adam, seeded shuffled mini-batches, mean squared error, cosine-decayed step size',
      finalLoss,
      trainingMeanAbsError: meanAbsError(weights, set),
    },
  };
  return { onnx, meta, weights };
}

/** The trainer's settings within bundle options (shared with cross-validation). */
export function trainerOptionsOf(o: ModelBundleOptions): Pick<ModelBundleOptions, 'hiddenSize' | 'seed' | 'epochs' | 'learningRate' | 'weightDecay' | 'batchSize' | 'patience'> {
  return {
    hiddenSize: o.hiddenSize,
    seed: o.seed,
    epochs: o.epochs,
    learningRate: o.learningRate,
    weightDecay: o.weightDecay,
    batchSize: o.batchSize,
    patience: o.patience,
  };
}
