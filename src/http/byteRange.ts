/**
 * A request's Range header against a file's size (RFC 9110, 14.1.2: one range of bytes:
 * `bytes=first-last`, `bytes=first-`, or `bytes=-suffix`). Media players ask for ranges
 * (Chromium opens an audio element's source with `bytes=0-` and seeks with more), and a
 * server that answers every one with the whole file from its start leaves them unable to
 * seek, or stalled.
 */

/** The bytes to send, inclusive; 'unsatisfiable' (416); or undefined: send it all (no header, or one not understood, as the RFC allows). */
export function byteRange(
  header: string | undefined,
  size: number,
): { first: number; last: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined; // several ranges, other units, nonsense: the whole file
  const [, from = '', to = ''] = m;
  if (from === '' && to === '') return undefined;
  if (from === '') {
    // The last `to` bytes.
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { first: Math.max(0, size - suffix), last: size - 1 };
  }
  const first = Number(from);
  const last = to === '' ? size - 1 : Math.min(size - 1, Number(to));
  if (!Number.isSafeInteger(first) || first >= size || last < first) return 'unsatisfiable';
  return { first, last };
}
