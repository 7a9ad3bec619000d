/**
 * What the engine has learned of its sky (the seasonal normaliser and the novelty
 * detector), saved to and restored from the store's normaliser_state table: one row per
 * seasonal channel and time-of-day bucket, and one row `novelty`/0 for the trees' masses.
 */
import type { SkyMemory } from '../features/featureExtractor.ts';
import type { SkychoirStore } from './store.ts';

export const NOVELTY_ROW = { feature: 'novelty', bucket: 0 } as const;

/** Saves all of it in one transaction. */
export function saveSkyMemory(store: SkychoirStore, memory: SkyMemory): void {
  store.saveNormaliserStates([...memory.seasons.exportStates(), { ...NOVELTY_ROW, state: memory.novelty.exportState() }]);
}

/** Restores what the store holds; returns one line per row that could not be used (it keeps its prior). */
export function restoreSkyMemory(store: SkychoirStore, memory: SkyMemory): string[] {
  const rows = store.loadNormaliserStates();
  const problems = memory.seasons.importStates(rows);
  const novelty = rows.find((r) => r.feature === NOVELTY_ROW.feature && r.bucket === NOVELTY_ROW.bucket);
  if (novelty) {
    const problem = memory.novelty.importState(novelty.state);
    if (problem) problems.push(`novelty detector: ${problem}; starting fresh`);
  }
  return problems;
}
