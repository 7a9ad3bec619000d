/**
 * The engine's scheduling priority in the benches: as install/systemd/skychoir.service runs
 * it (Nice=-5, so its audio thread is not starved by other work on the box), unless
 * `--nice=<n>` says otherwise. Lowering niceness needs privileges; without them the bench
 * runs at 0 and says so.
 */
import { getPriority, setPriority } from 'node:os';

export const UNIT_NICE = -5;

/** `--nice=<n>` from the command line, else the unit's. */
export function wantedNice(argv: readonly string[] = process.argv): number {
  const flag = argv.find((a) => a.startsWith('--nice='));
  return flag ? Number(flag.slice('--nice='.length)) : UNIT_NICE;
}

/** The command line without `--` flags (the benches' positional arguments). */
export function positional(argv: readonly string[] = process.argv): string[] {
  return argv.slice(2).filter((a) => !a.startsWith('--'));
}

/**
 * Sets this thread's niceness (threads it starts later, such as the audio render thread,
 * inherit it on Linux); returns what it got.
 */
export function reniceSelf(nice: number): number {
  try {
    setPriority(nice);
  } catch {
    // not permitted: stay where we are
  }
  return getPriority();
}
