/**
 * Frees the render thread of nodes that have ended.
 *
 * node-web-audio-api drops a node from the render graph only when its JS object is garbage
 * collected: an ended, disconnected source stays in the graph, and the render thread
 * visits it every render quantum, until then. The objects of nodes that lived a few
 * seconds sit in V8's old space, which a small, steady heap (the engine's is ~16 MB)
 * collects seldom, so the render thread's cost grows with every node made. Measured here
 * (2026-11-22, Node 24.21.0, node-web-audio-api 2.2.0): 4 short buffer sources every 0.5 s
 * for 240 s of audio cost 20.8 s of CPU, the last tenth 25 times the first; with a full
 * collection every 10 s of audio, 2.6 s, flat. The choir makes nodes all day (a voice's 2-3,
 * a mixed stem's one every period), so it asks for a full collection after every few
 * hundred nodes made: ~5 ms of the JS thread at this heap's size, off the audio thread.
 *
 * `gc` is exposed at run time (v8.setFlagsFromString), so no command line needs a flag.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** Nodes made between collections: a few minutes of a live choir, a few seconds of a render. */
export const NODES_PER_COLLECTION = 128;

let made = 0;
let collections = 0;

/** Counts nodes made; collects after every NODES_PER_COLLECTION. */
export function nodesMade(count: number): void {
  made += count;
  if (made < NODES_PER_COLLECTION) return;
  made = 0;
  collections++;
  collect();
}

/** Full collections asked for so far (for tests and benchmarks). */
export function nodeCollections(): number {
  return collections;
}
