/**
 * Tests that need a system program (ffmpeg, sox, socat, mosquitto, chromium) ask here.
 * Off CI a missing program skips the test with a clear message; under CI (CI=true) a
 * missing program is a failure, never a skip, because install/ must have installed it.
 */
import { execFileSync } from 'node:child_process';

export function findProgram(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Returns a `skip` option for node:test: false when present, a message when missing off CI. */
export function skipUnlessProgram(name: string): string | false {
  if (findProgram(name)) return false;
  const message = `${name} is not installed (run install/system-packages.sh)`;
  if (process.env.CI === 'true') throw new Error(`${message}; under CI a missing program is a failure`);
  return message;
}
