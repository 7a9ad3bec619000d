// Training cost: 1000 examples (labelled by the shipped model: a realistic target surface),
// the defaults of `skychoir train` (mini-batches of 32, early stopping) against the old
// full-batch 3000 epochs (the baseline, same run), with held-out error on 200 more.
//
//   node_modules/.bin/node bench/model-training.ts [--no-baseline]
import { cpus } from 'node:os';
import { FEATURES } from '../src/features/featureVector.ts';
import { buildDefaultModel, readDefaultExamples } from '../src/model/buildDefaultModel.ts';
import { mlpForward } from '../src/model/mlp.ts';
import { DEFAULT_BUNDLE_OPTIONS, meanAbsError, trainingSetOf } from '../src/model/modelBundle.ts';
import { trainMlp, type MlpTrainingOptions, type TrainingSet } from '../src/model/mlpTrainer.ts';
import { mulberry32 } from '../src/model/seededRandom.ts';

const rng = mulberry32(1);
const skies = Array.from({ length: 1200 }, () => Float32Array.from(FEATURES, (f) => f.min + rng() * (f.max - f.min)));
const { weights } = buildDefaultModel();
const targets = skies.map((x) => mlpForward(weights, x));
const train: TrainingSet = { inputs: skies.slice(0, 1000), targets: targets.slice(0, 1000) };
const held: TrainingSet = { inputs: skies.slice(1000), targets: targets.slice(1000) };
const o = DEFAULT_BUNDLE_OPTIONS;
const defaults: MlpTrainingOptions = { hiddenSize: o.hiddenSize, seed: o.seed, epochs: o.epochs, learningRate: o.learningRate, weightDecay: o.weightDecay, batchSize: o.batchSize, patience: o.patience };
const rows: [string, TrainingSet, TrainingSet | undefined, MlpTrainingOptions][] = [
  ['1000, defaults (batch 32, early stop)', train, held, defaults],
  [`${readDefaultExamples().length} shipped, defaults`, trainingSetOf(readDefaultExamples()), undefined, defaults],
];
if (!process.argv.includes('--no-baseline'))
  rows.push(['1000, full batch 3000 epochs (old)', train, held, { ...defaults, batchSize: 1_000_000, epochs: 3000, patience: 0 }]);

console.log(`mapping model training, hidden ${o.hiddenSize}`);
console.log(`${cpus()[0]?.model ?? 'unknown cpu'} x${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log('| examples, options                      | seconds | epochs | ms/epoch | final MSE | held-out MAE |');
console.log('|----------------------------------------|--------:|-------:|---------:|----------:|-------------:|');
for (const [name, set, test, options] of rows) {
  const t = performance.now();
  const r = trainMlp(set, options);
  const s = (performance.now() - t) / 1000;
  console.log(`| ${name.padEnd(38)} | ${s.toFixed(2).padStart(7)} | ${String(r.epochs).padStart(6)} | ${((s * 1000) / r.epochs).toFixed(2).padStart(8)} | ${r.finalLoss.toExponential(2).padStart(9)} | ${(test ? meanAbsError(r.weights, test).toFixed(4) : '-').padStart(12)} |`);
}
