// V8 settings the engine runs with, in one place: bin/skychoir.js hands them to the pinned
// Node, the systemd unit's ExecStart carries them, and the soak benchmark runs with them.
//
// --max-semi-space-size=16 (MiB): V8 grows the young generation with the allocation rate
// up to its own ceiling (128 MiB of semi-spaces in Node 24 on this machine), doubling it
// hours into a run; the pages it touches stay resident. A render of the day measured RSS
// less the transposition cache rising 491 -> 519 MiB from hour 1 to 7 with the default,
// 494 -> 495 MiB with this bound, and rendering as fast (docs/benchmarks.md, the soak).
// 16 MiB is V8's earlier default; the engine's live heap is ~17 MiB.
// Only a command-line flag or NODE_OPTIONS sets it: v8.setFlagsFromString after start-up
// does not resize the young generation (measured).
export const ENGINE_V8_FLAGS = ['--max-semi-space-size=16'];

/** The engine's V8 flags this process was started without (from its execArgv and NODE_OPTIONS). */
export function missingEngineFlags(
  execArgv = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
) {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  const name = (flag) => flag.split('=')[0].replace(/_/g, '-');
  return ENGINE_V8_FLAGS.filter((flag) => !given.some((g) => name(g) === name(flag)));
}
