// The ONNX writer and the TS reference agree with the real onnxruntime, in both graph
// layouts, and the build is byte-for-byte deterministic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { FEATURES, FEATURE_COUNT, featureVectorFrom } from '../src/features/featureVector.ts';
import { CONTROL_COUNT, CONTROL_NAMES } from '../src/model/controlVector.ts';
import { readDefaultExamples } from '../src/model/buildDefaultModel.ts';
import { mlpForward } from '../src/model/mlp.ts';
import type { MlpOnnxLayout } from '../src/model/mlpOnnx.ts';
import { encodeMlpOnnx } from '../src/model/mlpOnnx.ts';
import { buildModelBundle } from '../src/model/modelBundle.ts';
import { METADATA_KEYS, readOnnxSummary } from '../src/model/modelMetadata.ts';
import { ProtoWriter, readProtoFields } from '../src/model/protobufWire.ts';

// A short training is enough to get non-trivial weights; the shipped model is tested elsewhere.
const bundle = buildModelBundle(readDefaultExamples(), { epochs: 150, modelVersion: 'test-1' });

async function session(layout: MlpOnnxLayout): Promise<ort.InferenceSession> {
  const bytes = encodeMlpOnnx(bundle.weights, {
    layout,
    producerVersion: 'test',
    docString: '',
    metadata: [],
  });
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

async function ortControls(s: ort.InferenceSession, features: Float32Array): Promise<Float32Array> {
  const out = await s.run({ features: new ort.Tensor('float32', features, [1, FEATURE_COUNT]) });
  const data = out.controls?.data;
  assert.ok(data instanceof Float32Array);
  return data;
}

/** Feature vectors anywhere in the documented ranges. */
const featureVectors = fc
  .tuple(...FEATURES.map((f) => fc.double({ min: f.min, max: f.max, noNaN: true })))
  .map((values) => Float32Array.from(values));

describe('ONNX writer against onnxruntime', () => {
  for (const layout of ['matmul', 'gemm'] as const) {
    it(`${layout} graph: onnxruntime equals the TS forward pass within 1e-5 on 200 skies`, async () => {
      const s = await session(layout);
      try {
        let worst = 0;
        await fc.assert(
          fc.asyncProperty(featureVectors, async (features) => {
            const got = await ortControls(s, features);
            const want = mlpForward(bundle.weights, features);
            assert.equal(got.length, CONTROL_COUNT);
            got.forEach((v, k) => {
              worst = Math.max(worst, Math.abs(v - (want[k] ?? Number.NaN)));
            });
            assert.ok(worst < 1e-5, `max difference ${worst}`);
          }),
          { numRuns: 200, seed: 17 },
        );
      } finally {
        await s.release();
      }
    });
  }

  it('a batch [N, 13] runs through the symbolic batch dimension, row by row as singles', async () => {
    const s = await session('matmul');
    try {
      const rows = readDefaultExamples()
        .slice(0, 5)
        .map((e) => featureVectorFrom(e.sky));
      const batch = new Float32Array(rows.length * FEATURE_COUNT);
      rows.forEach((x, n) => batch.set(x, n * FEATURE_COUNT));
      const out = await s.run({
        features: new ort.Tensor('float32', batch, [rows.length, FEATURE_COUNT]),
      });
      assert.deepEqual(out.controls?.dims, [rows.length, CONTROL_COUNT]);
      const data = out.controls?.data;
      assert.ok(data instanceof Float32Array);
      for (const [n, x] of rows.entries()) {
        const single = await ortControls(s, x);
        single.forEach((v, k) =>
          assert.ok(Math.abs(v - (data[n * CONTROL_COUNT + k] ?? Number.NaN)) < 1e-6),
        );
      }
    } finally {
      await s.release();
    }
  });

  it('the Gemm layout gives the same outputs as the MatMul layout', async () => {
    const [a, b] = await Promise.all([session('matmul'), session('gemm')]);
    try {
      for (const example of readDefaultExamples()) {
        const features = featureVectorFrom(example.sky);
        const [x, y] = await Promise.all([ortControls(a, features), ortControls(b, features)]);
        x.forEach((v, k) =>
          assert.ok(
            Math.abs(v - (y[k] ?? Number.NaN)) < 1e-6,
            `${example.name} ${CONTROL_NAMES[k]}`,
          ),
        );
      }
    } finally {
      await Promise.all([a.release(), b.release()]);
    }
  });
});

describe('determinism', () => {
  it('the same examples and options give byte-identical weights, ONNX and metadata', () => {
    const examples = readDefaultExamples();
    const again = buildModelBundle(examples, { epochs: 150, modelVersion: 'test-1' });
    assert.deepEqual(again.weights, bundle.weights);
    assert.deepEqual(again.onnx, bundle.onnx);
    assert.deepEqual(again.meta, bundle.meta);
  });

  it('a different seed gives different weights', () => {
    const other = buildModelBundle(readDefaultExamples(), {
      epochs: 150,
      modelVersion: 'test-1',
      seed: 2,
    });
    assert.notDeepEqual(other.onnx, bundle.onnx);
  });

  it('the training-set hash ignores names and notes but not numbers', () => {
    const examples = readDefaultExamples();
    const renamed = examples.map((e, i) => ({ ...e, name: `x${i}`, note: '' }));
    assert.equal(
      buildModelBundle(renamed, { epochs: 1 }).meta.training.trainingSetHash,
      bundle.meta.training.trainingSetHash,
    );
    const first = examples[0];
    assert.ok(first);
    const nudged = [
      { ...first, controls: { ...first.controls, pace: first.controls.pace + 0.01 } },
      ...examples.slice(1),
    ];
    assert.notEqual(
      buildModelBundle(nudged, { epochs: 1 }).meta.training.trainingSetHash,
      bundle.meta.training.trainingSetHash,
    );
  });
});

describe('protobuf wire and metadata', () => {
  it('metadata_props written by the builder read back by the loader', () => {
    const summary = readOnnxSummary(bundle.onnx);
    assert.equal(summary.irVersion, 8);
    assert.equal(summary.producerName, 'skychoir');
    assert.equal(summary.hasGraph, true);
    assert.deepEqual(
      JSON.parse(summary.metadata.get(METADATA_KEYS.featureNames) ?? ''),
      FEATURES.map((f) => f.name),
    );
    assert.deepEqual(JSON.parse(summary.metadata.get(METADATA_KEYS.controlNames) ?? ''), [
      ...CONTROL_NAMES,
    ]);
    assert.equal(summary.metadata.get(METADATA_KEYS.modelVersion), 'test-1');
    assert.equal(
      summary.metadata.get(METADATA_KEYS.trainingSetHash),
      bundle.meta.training.trainingSetHash,
    );
  });

  it('varints round-trip, including 64-bit and negative int64', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.integer({ min: 1, max: 536_870_911 }),
        (value, field) => {
          const [read] = [...readProtoFields(new ProtoWriter().int(field, value).finish())];
          assert.equal(read?.field, field);
          assert.equal(read?.value, BigInt.asUintN(64, value));
        },
      ),
    );
  });
});
