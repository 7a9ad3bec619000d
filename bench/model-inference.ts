// Mapping-model costs: single-vector inference through onnxruntime (what the engine calls)
// against the plain-TS forward pass of the same weights (the baseline, same run).
//
//   node_modules/.bin/node bench/model-inference.ts
import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { FEATURES } from '../src/features/featureVector.ts';
import { DEFAULT_MODEL_PATHS, buildDefaultModel } from '../src/model/buildDefaultModel.ts';
import { MappingModel } from '../src/model/mappingModel.ts';
import { mlpForward } from '../src/model/mlp.ts';
import { mulberry32 } from '../src/model/seededRandom.ts';

const RUNS = 10_000;
const WARMUP = 500;

function randomSkies(count: number, seed: number): Float32Array[] {
  const rng = mulberry32(seed);
  return Array.from({ length: count }, () =>
    Float32Array.from(FEATURES, (f) => f.min + rng() * (f.max - f.min)),
  );
}

function percentile(sortedMicros: readonly number[], p: number): number {
  return (
    sortedMicros[Math.min(sortedMicros.length - 1, Math.floor((p / 100) * sortedMicros.length))] ??
    Number.NaN
  );
}

interface Row {
  readonly name: string;
  readonly micros: number[];
}

async function time(
  name: string,
  skies: readonly Float32Array[],
  run: (x: Float32Array) => unknown,
): Promise<Row> {
  for (let i = 0; i < WARMUP; i++) await run(skies[i % skies.length] ?? new Float32Array());
  const micros: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const x = skies[i % skies.length] ?? new Float32Array();
    const t = performance.now();
    await run(x);
    micros.push((performance.now() - t) * 1000);
  }
  micros.sort((a, b) => a - b);
  return { name, micros };
}

const skies = randomSkies(1000, 1);
const { weights } = buildDefaultModel();
const model = await MappingModel.load(DEFAULT_MODEL_PATHS.onnx);
const rows = [
  await time('TS forward (baseline)', skies, (x) => mlpForward(weights, x)),
  await time('ORT MappingModel.run', skies, (x) => model.run(x)),
];
await model.dispose();

console.log(`mapping model inference, ${RUNS} single-vector runs after ${WARMUP} warm-up`);
console.log(
  `${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, Node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? '?'}, ${new Date().toISOString().slice(0, 10)}`,
);
console.log('| path                    | p50 µs | p99 µs | mean µs |');
console.log('|-------------------------|-------:|-------:|--------:|');
for (const r of rows) {
  const mean = r.micros.reduce((a, b) => a + b, 0) / r.micros.length;
  console.log(
    `| ${r.name.padEnd(23)} | ${percentile(r.micros, 50).toFixed(1).padStart(6)} | ${percentile(r.micros, 99).toFixed(1).padStart(6)} | ${mean.toFixed(1).padStart(7)} |`,
  );
}

// Training costs: bench/model-training.ts.
