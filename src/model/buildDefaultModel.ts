/**
 * Builds the shipped default model from the shipped examples:
 *
 *   node_modules/.bin/node src/model/buildDefaultModel.ts [--held-out]
 *
 * reads models/default-examples.json, trains deterministically and writes
 * models/default.onnx and models/default.meta.json. `--held-out` also reports a 5-fold
 * cross-validated error (five more trainings). Rebuilding must reproduce the committed
 * files byte for byte; test/model.test.ts checks that, so the model is never hand-edited.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossValidatedMeanAbsError } from './crossValidation.ts';
import type { MappingExample } from './mappingExamples.ts';
import { parseMappingExamples } from './mappingExamples.ts';
import type { ModelBundle, ModelBundleOptions } from './modelBundle.ts';
import { buildModelBundle } from './modelBundle.ts';

export { buildModelBundle };

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

export const DEFAULT_MODEL_PATHS = {
  examples: join(modelsDir, 'default-examples.json'),
  onnx: join(modelsDir, 'default.onnx'),
  meta: join(modelsDir, 'default.meta.json'),
} as const;

export function readDefaultExamples(path: string = DEFAULT_MODEL_PATHS.examples): MappingExample[] {
  return parseMappingExamples(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
}

/** The exact text written to `.meta.json` (stable key order, trailing newline). */
export function metaJsonText(bundle: ModelBundle): string {
  return `${JSON.stringify(bundle.meta, null, 2)}\n`;
}

/** The default model as it should be on disk, built from the shipped examples. */
export function buildDefaultModel(options: Partial<ModelBundleOptions> = {}): ModelBundle {
  return buildModelBundle(readDefaultExamples(), options);
}

function main(args: readonly string[]): void {
  const started = performance.now();
  const examples = readDefaultExamples();
  console.log(`${examples.length} examples from ${DEFAULT_MODEL_PATHS.examples}`);
  const bundle = buildModelBundle(examples, {
    onProgress: (epoch, loss) =>
      console.log(`epoch ${String(epoch).padStart(5)}  loss ${loss.toExponential(4)}`),
  });
  writeFileSync(DEFAULT_MODEL_PATHS.onnx, bundle.onnx);
  writeFileSync(DEFAULT_MODEL_PATHS.meta, metaJsonText(bundle));
  const t = bundle.meta.training;
  console.log(
    `final loss (MSE) ${t.finalLoss.toExponential(4)}, training MAE ${t.trainingMeanAbsError.toFixed(4)}`,
  );
  console.log(`training set ${t.trainingSetHash}`);
  console.log(
    `wrote ${DEFAULT_MODEL_PATHS.onnx} (${bundle.onnx.length} bytes, sha256 ${bundle.meta.onnxSha256})`,
  );
  console.log(`wrote ${DEFAULT_MODEL_PATHS.meta}`);
  if (args.includes('--held-out')) {
    console.log(`5-fold held-out MAE ${crossValidatedMeanAbsError(examples).toFixed(4)}`);
  }
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) main(process.argv.slice(2));
