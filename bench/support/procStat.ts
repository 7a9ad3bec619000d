/**
 * What the benches read of other processes from /proc (Linux): CPU time and children.
 * proc(5): /proc/<pid>/stat fields after the command's ')' are state, ppid, ...; utime and
 * stime are the 14th and 15th fields, in clock ticks.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ on Linux: the unit of utime and stime. */
export const CLOCK_TICKS = 100;

/** CPU seconds (user + system, every thread) a process has used; 0 if it is gone. */
export function processCpuS(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Children of `parent` whose command is `name` (the engine's ffmpeg encoders). */
export function childrenNamed(parent: number, name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === name && ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
