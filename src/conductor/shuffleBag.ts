/**
 * Chooses among variants without repeating: each round plays every variant once in a
 * seeded random order, and a new round never starts with the variant that ended the last.
 */
import type { Rng } from './rng.ts';

export class ShuffleBag<T> {
  private readonly items: readonly T[];
  private bag: T[] = [];
  private last: T | undefined;

  constructor(items: readonly T[]) {
    if (items.length === 0) throw new Error('ShuffleBag: no items');
    this.items = items;
  }

  next(rng: Rng): T {
    if (this.bag.length === 0) {
      this.bag = [...this.items];
      for (let i = this.bag.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [this.bag[i], this.bag[j]] = [this.bag[j] as T, this.bag[i] as T];
      }
      // bag.pop() takes from the end: keep the last one played away from there.
      if (this.bag.length > 1 && this.bag.at(-1) === this.last) [this.bag[0], this.bag[this.bag.length - 1]] = [this.bag.at(-1) as T, this.bag[0] as T];
    }
    const item = this.bag.pop() as T;
    this.last = item;
    return item;
  }
}
