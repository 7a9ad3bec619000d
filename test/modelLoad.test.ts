// MappingModel.load accepts any ONNX model with the skychoir signature and refuses
// everything else with a ModelLoadError that says what is wrong and what to do.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FEATURE_COUNT, FEATURE_NAMES, featureVectorFrom } from '../src/features/featureVector.ts';
import { CONTROL_COUNT, CONTROL_NAMES } from '../src/model/controlVector.ts';
import { DEFAULT_MODEL_PATHS } from '../src/model/buildDefaultModel.ts';
import { MappingModel, ModelLoadError } from '../src/model/mappingModel.ts';
import type { MlpWeights } from '../src/model/mlp.ts';
import { encodeMlpOnnx } from '../src/model/mlpOnnx.ts';
import { METADATA_KEYS } from '../src/model/modelMetadata.ts';
import { encodeOnnxModel } from '../src/model/onnxWriter.ts';
import { mulberry32 } from '../src/model/seededRandom.ts';

const dir = mkdtempSync(join(tmpdir(), 'skychoir-model-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function randomWeights(
  inputSize: number,
  outputSize: number,
  seed = 1,
  hiddenSize = 8,
): MlpWeights {
  const rng = mulberry32(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng() - 0.5);
  return {
    inputSize,
    hiddenSize,
    outputSize,
    hiddenWeights: values(inputSize * hiddenSize),
    hiddenBias: values(hiddenSize),
    outputWeights: values(hiddenSize * outputSize),
    outputBias: values(outputSize),
  };
}

function writeModel(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function mlpFile(
  name: string,
  weights: MlpWeights,
  metadata: readonly (readonly [string, string])[] = [],
): string {
  return writeModel(
    name,
    encodeMlpOnnx(weights, { layout: 'gemm', producerVersion: 'test', docString: '', metadata }),
  );
}

async function rejects(path: string, pattern: RegExp): Promise<ModelLoadError> {
  try {
    const model = await MappingModel.load(path);
    await model.dispose();
  } catch (error) {
    assert.ok(error instanceof ModelLoadError, `want ModelLoadError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.match(error.message, /keep the previous model/);
    assert.ok(error.message.startsWith(`model '${path}': `), error.message);
    return error;
  }
  assert.fail(`${path} was accepted`);
}

describe('MappingModel.load accepts', () => {
  it('the shipped default model, with its version and training-set hash', async () => {
    const model = await MappingModel.load(DEFAULT_MODEL_PATHS.onnx);
    try {
      assert.equal(model.version, 'default-2');
      assert.match(model.trainingSetHash ?? '', /^[0-9a-f]{64}$/);
      const controls = await model.run(featureVectorFrom({}));
      assert.equal(controls.length, CONTROL_COUNT);
      assert.equal(model.nonFiniteOutputs, 0);
    } finally {
      await model.dispose();
    }
  });

  it('a model without any metadata (trained elsewhere); its version names the file', async () => {
    const path = mlpFile('plain.onnx', randomWeights(FEATURE_COUNT, CONTROL_COUNT));
    const model = await MappingModel.load(path);
    try {
      assert.match(model.version, /^plain\.onnx@[0-9a-f]{12}$/);
      assert.equal(model.trainingSetHash, undefined);
    } finally {
      await model.dispose();
    }
  });

  it('a different graph with other tensor names; outputs outside [0, 1] are clamped', async () => {
    // One Gemm, no activation, input 'x' [1, 19], output 'y' [1, 22]: bias +-5 overshoots.
    const bias = Float32Array.from({ length: CONTROL_COUNT }, (_, k) => (k % 2 === 0 ? 5 : -5));
    const bytes = encodeOnnxModel({
      graphName: 'linear',
      producerName: 'elsewhere',
      producerVersion: '0',
      modelVersion: 1,
      docString: '',
      inputs: [{ name: 'x', shape: [1, FEATURE_COUNT] }],
      outputs: [{ name: 'y', shape: [1, CONTROL_COUNT] }],
      initializers: [
        {
          name: 'w',
          dims: [FEATURE_COUNT, CONTROL_COUNT],
          values: new Float32Array(FEATURE_COUNT * CONTROL_COUNT),
        },
        { name: 'b', dims: [CONTROL_COUNT], values: bias },
      ],
      nodes: [{ opType: 'Gemm', name: 'linear', inputs: ['x', 'w', 'b'], outputs: ['y'] }],
      metadata: [],
    });
    const model = await MappingModel.load(writeModel('linear.onnx', bytes));
    try {
      const controls = await model.run(featureVectorFrom({}));
      assert.deepEqual(
        [...controls],
        Array.from({ length: CONTROL_COUNT }, (_, k) => (k % 2 === 0 ? 1 : 0)),
      );
    } finally {
      await model.dispose();
    }
  });
});

describe('MappingModel.run', () => {
  it('replaces non-finite outputs by 0.5 and counts them', async () => {
    const weights = randomWeights(FEATURE_COUNT, CONTROL_COUNT);
    weights.outputBias[3] = Number.NaN;
    const model = await MappingModel.load(mlpFile('nan.onnx', weights));
    try {
      const controls = await model.run(featureVectorFrom({}));
      assert.equal(controls[3], 0.5);
      assert.ok(controls.every((v) => Number.isFinite(v) && v >= 0 && v <= 1));
      await model.run(featureVectorFrom({}));
      assert.equal(model.nonFiniteOutputs, 2);
    } finally {
      await model.dispose();
    }
  });

  it('refuses a feature vector of the wrong length, and rejects after dispose (twice is harmless)', async () => {
    const model = await MappingModel.load(DEFAULT_MODEL_PATHS.onnx);
    await assert.rejects(model.run(new Float32Array(12)), /got 12 features, want 19/);
    await model.dispose();
    await model.dispose();
    await assert.rejects(model.run(featureVectorFrom({})), /disposed/);
  });
});

describe('MappingModel.load refuses', () => {
  it('a missing file', async () => {
    await rejects(join(dir, 'nowhere.onnx'), /cannot read the file \(ENOENT/);
  });

  it('random bytes', async () => {
    const rng = mulberry32(99);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(rng() * 256));
    await rejects(
      writeModel('noise.onnx', noise),
      /is not a complete ONNX file|is not an ONNX model|onnxruntime cannot load it/,
    );
  });

  it('an empty file', async () => {
    await rejects(writeModel('empty.onnx', new Uint8Array(0)), /is not an ONNX model/);
  });

  it('a truncated file', async () => {
    const whole = readFileSync(DEFAULT_MODEL_PATHS.onnx);
    for (const length of [1, 100, Math.floor(whole.length / 2), whole.length - 1]) {
      await rejects(
        writeModel(`truncated-${length}.onnx`, whole.subarray(0, length)),
        /is not a complete ONNX file \(protobuf: .*runs past the end|is not an ONNX model|onnxruntime cannot load it/,
      );
    }
  });

  it('a model with 20 outputs', async () => {
    await rejects(
      mlpFile('twenty.onnx', randomWeights(FEATURE_COUNT, 20)),
      /output has 20 controls, want 22 \(control vector v1\)/,
    );
  });

  it('a model with 12 inputs', async () => {
    await rejects(
      mlpFile('twelve.onnx', randomWeights(12, CONTROL_COUNT)),
      /input has 12 features, want 19 \(feature vector v2\)/,
    );
  });

  it('a model whose metadata orders the features differently', async () => {
    const swapped: string[] = [...FEATURE_NAMES];
    [swapped[2], swapped[3]] = [swapped[3] ?? '', swapped[2] ?? ''];
    const path = mlpFile('swapped.onnx', randomWeights(FEATURE_COUNT, CONTROL_COUNT), [
      [METADATA_KEYS.featureNames, JSON.stringify(swapped)],
    ]);
    await rejects(
      path,
      /feature 2 is 'wind_gust' in the model's metadata, want 'wind_mean' \(feature vector v2\); retrain or re-export/,
    );
  });

  it('a model whose metadata names other controls', async () => {
    const names = CONTROL_NAMES.map((n) => (n === 'pace' ? 'tempo' : n));
    const path = mlpFile('tempo.onnx', randomWeights(FEATURE_COUNT, CONTROL_COUNT), [
      [METADATA_KEYS.controlNames, JSON.stringify(names)],
    ]);
    await rejects(path, /control 21 is 'tempo' in the model's metadata, want 'pace'/);
  });

  it('a model trained for another feature version', async () => {
    const path = mlpFile('v1.onnx', randomWeights(FEATURE_COUNT, CONTROL_COUNT), [
      [METADATA_KEYS.featureVersion, '1'],
    ]);
    await rejects(path, /trained for feature vector v1, this engine uses v2/);
  });

  it('a v1 model (13 inputs, no metadata): refused for its input size', async () => {
    await rejects(mlpFile('old13.onnx', randomWeights(13, CONTROL_COUNT)), /input has 13 features, want 19 \(feature vector v2\)/);
  });

  it('a model whose name metadata is not JSON', async () => {
    const path = mlpFile('garbled.onnx', randomWeights(FEATURE_COUNT, CONTROL_COUNT), [
      [METADATA_KEYS.controlNames, '[drone'],
    ]);
    await rejects(path, /metadata 'skychoir.control_names' is not JSON/);
  });
});
