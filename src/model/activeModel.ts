/**
 * Which mapping model plays: the store's active version, else the shipped default file.
 * `ActiveModelWatcher` polls the store and hot-swaps the running performance when the
 * curator activates or rolls back (`skychoir model activate|rollback`, from any process:
 * the store is the signal). A version that fails to load is logged once and the previous
 * model keeps playing.
 */
import type { SkychoirStore } from '../store/store.ts';
import type { ControlModel } from '../engine/controlModel.ts';
import type { Logger } from '../log/logger.ts';
import { MappingModel, ModelLoadError } from './mappingModel.ts';

/** The label of "no active version in the store: the default file". */
export const SHIPPED_DEFAULT = '(shipped default)';

export function activeVersionName(store: SkychoirStore): string {
  return store.activeModelVersion()?.version ?? SHIPPED_DEFAULT;
}

/** Loads a store version, or the default file for SHIPPED_DEFAULT. Throws ModelLoadError. */
export async function loadModelVersion(store: SkychoirStore, version: string, defaultPath: string): Promise<MappingModel> {
  if (version === SHIPPED_DEFAULT) return MappingModel.load(defaultPath);
  let bytes: Uint8Array;
  try {
    bytes = store.modelBytes(version);
  } catch (error) {
    throw new ModelLoadError(`store:${version}`, (error as Error).message);
  }
  return MappingModel.fromBytes(bytes, `store:${version}`);
}

export interface ModelSwapTarget {
  swapModel(next: ControlModel): Promise<ControlModel>;
}

export class ActiveModelWatcher {
  readonly #store: SkychoirStore;
  readonly #target: ModelSwapTarget;
  readonly #defaultPath: string;
  readonly #log: Logger | undefined;
  #playing: string;
  #refused: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  /** `playing` is the version name the target plays now (activeVersionName at start-up). */
  constructor(store: SkychoirStore, target: ModelSwapTarget, defaultPath: string, playing: string, log?: Logger) {
    this.#store = store;
    this.#target = target;
    this.#defaultPath = defaultPath;
    this.#playing = playing;
    this.#log = log;
  }

  get playing(): string {
    return this.#playing;
  }

  /** Looks once; swaps if the store's active version changed. Never throws. Returns whether it swapped. */
  async check(): Promise<boolean> {
    if (this.#checking) return false;
    this.#checking = true;
    try {
      const wanted = activeVersionName(this.#store);
      if (wanted === this.#playing || wanted === this.#refused) return false;
      let next: MappingModel;
      try {
        next = await loadModelVersion(this.#store, wanted, this.#defaultPath);
      } catch (error) {
        this.#refused = wanted;
        this.#log?.error(`${(error as Error).message} (still playing ${this.#playing})`);
        return false;
      }
      const previous = await this.#target.swapModel(next);
      this.#log?.info('mapping model swapped', { from: this.#playing, to: wanted });
      this.#playing = wanted;
      this.#refused = undefined;
      if (previous instanceof MappingModel) await previous.dispose();
      return true;
    } catch (error) {
      this.#log?.warnRepeated('model-watch', `cannot read the active model version: ${(error as Error).message}`);
      return false;
    } finally {
      this.#checking = false;
    }
  }

  start(intervalMs = 5000): void {
    this.stop();
    this.#timer = setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
