/** The piece file: what a curator edits, validated on load. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePiece, loadPiece, PieceError, DEFAULT_PIECE_PATH, MOVEMENTS } from '../src/conductor/piece.ts';
import { SKY_EVENT_KINDS } from '../src/ingest/sensorMessage.ts';
import { SHIPPED_SAMPLES } from './support/conductorRun.ts';

const shipped = JSON.parse(readFileSync(DEFAULT_PIECE_PATH, 'utf8')) as Record<string, unknown>;
const edit = (change: (p: Record<string, unknown>) => void): Record<string, unknown> => {
  const copy = structuredClone(shipped);
  change(copy);
  return copy;
};

const motif = (p: Record<string, unknown>, kind: string, i: number): Record<string, unknown> =>
  ((p.motifs as Record<string, Record<string, unknown>[]>)[kind] ?? [])[i] ?? {};

describe('piece', () => {
  it('the shipped piece has six movements and a family of motifs for every sky event', () => {
    const piece = loadPiece(DEFAULT_PIECE_PATH);
    assert.equal(piece.tonicPc, 2);
    assert.deepEqual(Object.keys(piece.movements).sort(), [...MOVEMENTS].sort());
    for (const kind of SKY_EVENT_KINDS) assert.ok(piece.motifs[kind].length >= 2, `${kind} has variants`);
    // Every tag the piece asks for exists in the shipped sample set.
    const tags = new Set(SHIPPED_SAMPLES.flatMap((s) => s.tags));
    for (const m of Object.values(piece.movements)) for (const t of [...m.droneTags, ...m.padTags, ...m.soloTags]) assert.ok(tags.has(t), t);
    for (const family of Object.values(piece.motifs)) for (const v of family) for (const t of v.tags) assert.ok(tags.has(t), `${v.name}: ${t}`);
  });

  const wrong: [string, (p: Record<string, unknown>) => void, RegExp][] = [
    ['a wrong version', (p) => (p.version = 2), /version: want 1/],
    ['an unknown tonic', (p) => (p.tonic = 'H'), /tonic: want a note name/],
    ['a missing movement', (p) => delete (p.movements as Record<string, unknown>).dusk, /movements\.dusk: want an object/],
    ['an unknown movement', (p) => ((p.movements as Record<string, unknown>).brunch = {}), /movements\.brunch: unknown movement/],
    ['an unknown mode', (p) => (((p.movements as Record<string, Record<string, unknown>>).noon as Record<string, unknown>).modes = ['phrygian-ish']), /noon\.modes/],
    ['a pace out of range', (p) => (((p.movements as Record<string, Record<string, unknown>>).night as Record<string, unknown>).paceScale = 9), /night\.paceScale: want a number in 0\.2\.\.3/],
    ['a motif family missing', (p) => delete (p.motifs as Record<string, unknown>).sunset, /motifs\.sunset: want a list/],
    ['a motif with a huge leap', (p) => ((motif(p, 'flock', 0)).steps = [0, 40]), /flock\[0\]\.steps/],
    ['a motif without tags', (p) => ((motif(p, 'bird', 1)).tags = []), /bird\[1\]\.tags/],
    ['a motif that travels nowhere known', (p) => ((motif(p, 'aircraft', 0)).travel = 'teleport'), /aircraft\[0\]\.travel/],
  ];
  for (const [what, change, message] of wrong) {
    it(`refuses ${what} with a message naming the field`, () => {
      assert.throws(() => parsePiece(edit(change), 'piece.json'), (err: unknown) => err instanceof PieceError && message.test((err as Error).message));
    });
  }

  it('refuses a file that is not there or not JSON', () => {
    assert.throws(() => loadPiece('/nonexistent/piece.json'), /cannot read/);
    assert.throws(() => parsePiece('not an object'), /want a JSON object/);
  });
});
