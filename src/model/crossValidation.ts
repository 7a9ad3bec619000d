/**
 * How well the model guesses skies it was not shown: k-fold cross-validation.
 *
 * Example n goes to fold n mod k (deterministic, and neighbouring examples in the file,
 * which are often variations of one scene, land in different folds). Each fold is held
 * out in turn, the model is trained on the rest with the same options, and the mean
 * absolute control error on the held-out examples is pooled over all folds.
 */
import type { MappingExample } from './mappingExamples.ts';
import type { ModelBundleOptions } from './modelBundle.ts';
import { DEFAULT_BUNDLE_OPTIONS, meanAbsError, trainerOptionsOf, trainingSetOf } from './modelBundle.ts';
import { trainMlp } from './mlpTrainer.ts';

export function crossValidatedMeanAbsError(
  examples: readonly MappingExample[],
  options: Partial<ModelBundleOptions> = {},
  folds = 5,
): number {
  const o = { ...DEFAULT_BUNDLE_OPTIONS, ...options };
  let weightedSum = 0;
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((_, n) => n % folds !== fold);
    const held = examples.filter((_, n) => n % folds === fold);
    if (held.length === 0) continue;
    const { weights } = trainMlp(trainingSetOf(train), trainerOptionsOf(o));
    weightedSum += meanAbsError(weights, trainingSetOf(held)) * held.length;
  }
  return weightedSum / examples.length;
}
