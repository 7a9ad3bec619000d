/** `skychoir start`: the installation, live, until SIGINT or SIGTERM. */
import { parseArgs } from 'node:util';
import { LiveEngine } from '../engine/liveEngine.ts';
import { createLogger } from '../log/logger.ts';
import { SCENARIO_NAMES } from '../../sensors/simulator/scenarios.ts';
import type { Config } from '../config/config.ts';
import { missingEngineFlags } from '../../bin/engineFlags.js';

export async function startCommand(args: string[], base: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sky: { type: 'string' },
      port: { type: 'string' },
      'broker-port': { type: 'string' },
      headless: { type: 'boolean' },
      seed: { type: 'string' },
    },
    strict: true,
  });
  const config: Config = structuredClone(base);
  if (values.sky) {
    if (SCENARIO_NAMES.includes(values.sky)) config.sky = { source: 'simulator', scenario: values.sky, file: undefined };
    else config.sky = { source: 'replay', scenario: config.sky.scenario, file: values.sky };
  }
  const port = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port 0-65535`);
    return n;
  };
  config.http.port = port(values.port, 'port') ?? config.http.port;
  config.broker.port = port(values['broker-port'], 'broker-port') ?? config.broker.port;
  if (values.headless) config.audio.device = 'none';
  if (values.seed !== undefined) config.seed = Number(values.seed);

  const log = createLogger('engine');
  const missing = missingEngineFlags();
  if (missing.length > 0) {
    log.warn(`started without the engine's V8 flags (${missing.join(' ')}): memory grows for hours as V8 widens its young generation; start through bin/skychoir.js from an older Node, or pass them to node (the systemd unit does)`);
  }
  const engine = new LiveEngine(config, log);
  try {
    await engine.start();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}`);
    await engine.stop().catch((e: unknown) => log.error(`stopping after a failed start: ${(e as Error).message}`));
    leaveSoon();
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await engine.stop();
  leaveSoon();
  return 0;
}

/**
 * An audio context abandoned with its lost device never closes and keeps the event loop
 * alive, as does anything a failed start left half made; once stopped, leave regardless.
 */
function leaveSoon(): void {
  setTimeout(() => process.exit(), 2000).unref();
}
