import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, type SplitEvent } from '../sensors/serial/lineSplitter.ts';

const lines = (events: SplitEvent[]) =>
  events.filter((e) => e.kind === 'line').map((e) => (e.kind === 'line' ? e.line : ''));

test('CR LF, LF and CR all end a line; a blank line is passed on once', () => {
  const s = new LineSplitter({ maxLineBytes: 100, stxFraming: false });
  assert.deepEqual(lines(s.push(Buffer.from('a\r\nb\nc\rd\r\n\r\ne'))), ['a', 'b', 'c', 'd', '']);
  assert.deepEqual(lines(s.push(Buffer.from('\r'))), ['e']);
  assert.deepEqual(lines(s.push(Buffer.from('\nf\n'))), ['f']);
});

test('STX framing: a new STX cuts an unfinished frame', () => {
  const s = new LineSplitter({ maxLineBytes: 100, stxFraming: true });
  const events = s.push(Buffer.from('\x02Q,229\x02Q,1\x03AB\r\n'));
  assert.deepEqual(events, [
    { kind: 'cut', partial: '\x02Q,229' },
    { kind: 'line', line: '\x02Q,1\x03AB' },
  ]);
});

test('an over-long line is reported once, then reading resumes', () => {
  const s = new LineSplitter({ maxLineBytes: 8, stxFraming: false });
  const events = s.push(Buffer.from('0123456789abcdef\nok\n'));
  assert.deepEqual(events, [
    { kind: 'overflow', bytes: 16 },
    { kind: 'line', line: 'ok' },
  ]);
});

test('property: splitting does not depend on how the bytes are chunked', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat(300), { maxLength: 10 }),
      fc.boolean(),
      (bytes, cuts, stx) => {
        const whole = new LineSplitter({ maxLineBytes: 40, stxFraming: stx }).push(bytes);
        const chunked = new LineSplitter({ maxLineBytes: 40, stxFraming: stx });
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const events: SplitEvent[] = [];
        let from = 0;
        for (const p of [...points, bytes.length]) {
          events.push(...chunked.push(bytes.subarray(from, p)));
          from = p;
        }
        assert.deepEqual(events, whole);
        for (const e of whole) if (e.kind === 'line') assert.ok(e.line.length <= 40);
      },
    ),
    { numRuns: 1000 },
  );
});
