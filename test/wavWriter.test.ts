/**
 * The WAV writer's 24-bit samples against Buffer.writeIntLE, the obvious way to write them
 * (and the writer's own before it was made ~50 times faster): any float, in range or not.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pcm24 } from '../src/render/wavWriter.ts';

function reference(channels: Float32Array[]): Buffer {
  const frames = channels[0]?.length ?? 0;
  const out = Buffer.alloc(frames * channels.length * 3);
  let o = 0;
  for (let i = 0; i < frames; i++) {
    for (const channel of channels) {
      const x = Math.max(-1, Math.min(1, channel[i] ?? 0));
      out.writeIntLE(Math.round(x * 8388607), o, 3);
      o += 3;
    }
  }
  return out;
}

it('writes every sample as writeIntLE would, interleaved, clipped to +-1', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 8 })
        .chain((channels) =>
          fc.array(
            fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 5, maxLength: 5 }),
            { minLength: channels, maxLength: channels },
          ),
        ),
      (rows) => {
        const channels = rows.map((r) => Float32Array.from(r));
        assert.deepEqual(pcm24(channels), reference(channels));
      },
    ),
  );
  // The ends and the rounding of a half.
  const edges = [Float32Array.of(1, -1, 0, 0.5 / 8388607, -0.5 / 8388607, 1.5, -1.5)];
  assert.deepEqual(pcm24(edges), reference(edges));
});
