/**
 * The immediate control path's budget, a token bucket on a clock of our own: a burst is
 * spent at once, then one per 1/rate; a quiet spell refills it, never beyond the burst.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UpdateBudget } from '../src/engine/updateBudget.ts';

it('spends a burst at once, then one every 1000 / perSecond ms', () => {
  const budget = new UpdateBudget(5, 100, 0);
  for (let i = 0; i < 5; i++) {
    assert.equal(budget.waitMs(0), 0);
    budget.spend(0);
  }
  assert.equal(budget.waitMs(0), 10);
  assert.equal(budget.waitMs(4), 6);
  assert.equal(budget.waitMs(10), 0);
  budget.spend(10);
  assert.equal(budget.waitMs(10), 10);
  // A quiet second refills it to the burst and no further.
  assert.equal(budget.waitMs(1010), 0);
  for (let i = 0; i < 5; i++) budget.spend(1010);
  assert.equal(budget.waitMs(1010), 10);
});

it('whatever the pattern of demands, it never spends more than burst + rate x time', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 400 }),
      (steps) => {
        const budget = new UpdateBudget(50, 100, 0);
        let now = 0;
        let spent = 0;
        for (const step of steps) {
          now += step;
          // A greedy spender: everything the budget allows at this moment.
          while (budget.waitMs(now) === 0) {
            budget.spend(now);
            spent++;
          }
        }
        return spent <= 50 + Math.floor((now * 100) / 1000) + 1;
      },
    ),
  );
});

it('a clock that steps back costs no debt', () => {
  const budget = new UpdateBudget(1, 100, 1000);
  budget.spend(1000);
  assert.equal(budget.waitMs(500), 10);
  assert.equal(budget.waitMs(1010), 0);
});
