/** `skychoir train`: fit the mapping model on curator examples, register it in the store. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FEATURE_NAMES, FEATURE_VERSION, type FeatureName } from '../features/featureVector.ts';
import { CONTROL_VERSION, readControls } from '../model/controlVector.ts';
import { DEFAULT_MODEL_PATHS } from '../model/buildDefaultModel.ts';
import { crossValidatedMeanAbsError } from '../model/crossValidation.ts';
import { parseMappingExamples, type MappingExample } from '../model/mappingExamples.ts';
import { DEFAULT_BUNDLE_OPTIONS, buildModelBundle } from '../model/modelBundle.ts';
import { DEFAULT_STORE_PATH, SkychoirStore, type StoredExample } from '../store/store.ts';

export const TRAIN_USAGE = `skychoir train [--examples file.json | --from-store] [--hidden 16] [--epochs 1000] [--seed n] [--version name] [--activate] [--held-out] [--store file.db]
  --examples    an example file (docs/model.md; default: models/default-examples.json)
  --from-store  the curator examples in the store (feature vector v${FEATURE_VERSION} only)
  --hidden      hidden units (default ${DEFAULT_BUNDLE_OPTIONS.hiddenSize})
  --epochs      at most this many epochs; stops earlier when the loss plateaus (default ${DEFAULT_BUNDLE_OPTIONS.epochs})
  --seed        initialisation and shuffling seed (default ${DEFAULT_BUNDLE_OPTIONS.seed})
  --version     the new model version's name (default: trained-<UTC time>)
  --activate    make it the active model (a running engine swaps to it within seconds)
  --held-out    also report a 5-fold cross-validated error (five more trainings)
  --store       the SQLite store (default: var/skychoir.db)`;

/** A stored example as the trainer's named form; its vectors are already in contract order. */
export function exampleFromStore(row: StoredExample): MappingExample {
  const sky = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, row.features[i] ?? 0])) as Record<FeatureName, number>;
  return { name: `store-${row.id}`, note: `${row.who} ${row.createdAt} ${row.note}`.trim(), sky, controls: readControls(row.controls) };
}

function positiveInt(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} wants a positive integer, got '${text}'`);
  return n;
}

export async function trainCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      examples: { type: 'string' },
      'from-store': { type: 'boolean', default: false },
      hidden: { type: 'string' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      version: { type: 'string' },
      activate: { type: 'boolean', default: false },
      'held-out': { type: 'boolean', default: false },
      store: { type: 'string', default: DEFAULT_STORE_PATH },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(TRAIN_USAGE);
    return 0;
  }
  if (values.examples && values['from-store']) throw new Error('give --examples or --from-store, not both');
  const store = SkychoirStore.open(values.store);
  try {
    let examples: MappingExample[];
    let from: string;
    if (values['from-store']) {
      const rows = store.listExamples({ featureVersion: FEATURE_VERSION, controlVersion: CONTROL_VERSION });
      const other = store.listExamples().length - rows.length;
      if (other > 0) out(`${other} stored examples are for another feature/control version and are left out`);
      examples = rows.map(exampleFromStore);
      from = `the store (${store.path})`;
    } else {
      const path = values.examples ?? DEFAULT_MODEL_PATHS.examples;
      examples = parseMappingExamples(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
      from = path;
    }
    if (examples.length < 2) throw new Error(`${examples.length} examples in ${from}: want at least 2`);
    const options = {
      hiddenSize: positiveInt(values.hidden, '--hidden', DEFAULT_BUNDLE_OPTIONS.hiddenSize),
      epochs: positiveInt(values.epochs, '--epochs', DEFAULT_BUNDLE_OPTIONS.epochs),
      seed: positiveInt(values.seed, '--seed', DEFAULT_BUNDLE_OPTIONS.seed),
      modelVersion: values.version ?? `trained-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}`,
    };
    if (store.getModelVersion(options.modelVersion)) throw new Error(`model version '${options.modelVersion}' already exists; pick another --version`);
    out(`training on ${examples.length} examples from ${from}: hidden ${options.hiddenSize}, at most ${options.epochs} epochs, seed ${options.seed}`);
    const started = performance.now();
    const bundle = buildModelBundle(examples, {
      ...options,
      onProgress: (epoch, loss) => out(`epoch ${String(epoch).padStart(5)}  loss ${loss.toExponential(4)}`),
    });
    const t = bundle.meta.training;
    out(`trained in ${((performance.now() - started) / 1000).toFixed(2)} s (${t.epochsRun} epochs): MSE ${t.finalLoss.toExponential(3)}, training MAE ${t.trainingMeanAbsError.toFixed(4)}`);
    if (values['held-out']) out(`5-fold held-out MAE ${crossValidatedMeanAbsError(examples, options).toFixed(4)}`);
    const row = store.addModelVersion({ version: options.modelVersion, onnx: bundle.onnx, meta: bundle.meta, trainingSetHash: t.trainingSetHash });
    out(`registered model version '${row.version}' (${row.onnxBytes} bytes, training set ${t.trainingSetHash.slice(0, 12)})`);
    if (values.activate) {
      store.activateModelVersion(row.version, 'skychoir train');
      out(`activated '${row.version}'`);
    } else {
      out(`activate it with: skychoir model activate ${row.version}`);
    }
    return 0;
  } finally {
    store.close();
  }
}
