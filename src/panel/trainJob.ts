/**
 * Training, in its own process so the live engine's thread never waits on it:
 * `node src/panel/trainJob.ts '<json>'`. Fits the mapping model on the shipped examples
 * plus the curator's examples in the store (the curator teaches on top of what the model
 * knows, not from nothing), registers the result as a new, inactive model version and
 * prints JSON lines: progress, then the version.
 */
import { readFileSync } from 'node:fs';
import { FEATURE_VERSION } from '../features/featureVector.ts';
import { CONTROL_VERSION } from '../model/controlVector.ts';
import { parseMappingExamples } from '../model/mappingExamples.ts';
import { DEFAULT_BUNDLE_OPTIONS, buildModelBundle } from '../model/modelBundle.ts';
import { SkychoirStore } from '../store/store.ts';
import { exampleFromStore } from '../cli/trainCommand.ts';

export interface TrainJobArgs {
  storePath: string;
  examplesPath: string;
  version: string;
  who: string;
}

function main(): void {
  const args = JSON.parse(process.argv[2] ?? '{}') as TrainJobArgs;
  const store = SkychoirStore.open(args.storePath);
  try {
    const shipped = parseMappingExamples(JSON.parse(readFileSync(args.examplesPath, 'utf8')) as unknown, args.examplesPath);
    const curated = store.listExamples({ featureVersion: FEATURE_VERSION, controlVersion: CONTROL_VERSION }).map(exampleFromStore);
    if (curated.length === 0) throw new Error('no curator examples yet: add one (capture or compose a sky, set its mix) before training');
    // Each curator example counts as much as four shipped ones: the curator's word on a sky
    // should move the model there, not be averaged away by 67 others.
    const examples = [...shipped, ...curated.flatMap((e) => [0, 1, 2, 3].map((k) => ({ ...e, name: `${e.name}#${k}` })))];
    let lastReport = 0;
    const bundle = buildModelBundle(examples, {
      ...DEFAULT_BUNDLE_OPTIONS,
      modelVersion: args.version,
      onProgress: (epoch, loss) => {
        if (Date.now() - lastReport < 500) return;
        lastReport = Date.now();
        console.log(JSON.stringify({ epoch, loss }));
      },
    });
    const t = bundle.meta.training;
    const row = store.addModelVersion({ version: args.version, onnx: bundle.onnx, meta: bundle.meta, trainingSetHash: t.trainingSetHash });
    console.log(
      JSON.stringify({
        version: row.version,
        examples: examples.length,
        curatorExamples: curated.length,
        epochs: t.epochsRun,
        trainingMeanAbsError: Number(t.trainingMeanAbsError.toFixed(4)),
      }),
    );
  } finally {
    store.close();
  }
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
