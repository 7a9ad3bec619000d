/**
 * Range headers against a file's size (RFC 9110): what a media player asks for is served,
 * what cannot be is refused (416), what is not understood gets the whole file.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { byteRange } from '../src/http/byteRange.ts';

it('reads the forms a player sends', () => {
  assert.deepEqual(byteRange('bytes=0-', 1000), { first: 0, last: 999 });
  assert.deepEqual(byteRange('bytes=100-199', 1000), { first: 100, last: 199 });
  assert.deepEqual(byteRange('bytes=900-5000', 1000), { first: 900, last: 999 });
  assert.deepEqual(byteRange('bytes=-100', 1000), { first: 900, last: 999 });
  assert.deepEqual(byteRange('bytes=-5000', 1000), { first: 0, last: 999 });
  assert.equal(byteRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.equal(byteRange('bytes=500-400', 1000), 'unsatisfiable');
  assert.equal(byteRange('bytes=-0', 1000), 'unsatisfiable');
  assert.equal(byteRange(undefined, 1000), undefined);
  assert.equal(byteRange('bytes=0-10,20-30', 1000), undefined, 'several ranges: the whole file');
  assert.equal(byteRange('items=0-1', 1000), undefined);
  assert.equal(byteRange('bytes=-', 1000), undefined);
});

it('whatever the header, a range it gives lies inside the file and is not empty', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `bytes=${a}-${b}`),
        fc.nat().map((n) => `bytes=-${n}`),
        fc.nat().map((n) => `bytes=${n}-`),
      ),
      fc.nat({ max: 1e9 }),
      (header, size) => {
        const r = byteRange(header, size);
        if (r === undefined || r === 'unsatisfiable') return true;
        return Number.isSafeInteger(r.first) && r.first >= 0 && r.first <= r.last && r.last < size;
      },
    ),
    { numRuns: 5000 },
  );
});
