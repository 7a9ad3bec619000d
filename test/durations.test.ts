/** Durations as people write them on the command line. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationS } from '../src/cli/durations.ts';

describe('parseDurationS', () => {
  for (const [text, seconds] of [
    ['90', 90],
    ['90s', 90],
    ['10m', 600],
    ['1.5h', 5400],
    ['1h30m', 5400],
    ['2h5m10s', 7510],
    [' 45s ', 45],
    ['0.5s', 0.5],
  ] as const) {
    it(`'${text}' is ${seconds} s`, () => assert.equal(parseDurationS(text), seconds));
  }

  for (const text of ['', '   ', 'abc', '10x', '-5m', '1h30', 'h', '5 m', '0s', '0', '1e3s', '10m-5s']) {
    it(`refuses '${text}' with a hint`, () => {
      assert.throws(() => parseDurationS(text), new RegExp(`duration '${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' is not like 90s, 10m, 1.5h or 1h30m`));
    });
  }
});
