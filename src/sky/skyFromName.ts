/**
 * Turns `--sky <preset|file>` into a sky source and the moment it starts: a scenario name
 * gives the simulator at that scenario's local start hour (on a fixed date, so renders
 * are reproducible); a path gives a replayed sky log.
 */
import { existsSync } from 'node:fs';
import { SkySimulator } from '../../sensors/simulator/skySimulator.ts';
import { SCENARIOS } from '../../sensors/simulator/scenarios.ts';
import { SkyLogReplay } from '../../sensors/replay/skyLogReplay.ts';
import type { SkySource } from '../../sensors/skySource.ts';
import type { SiteLocation } from '../features/featureExtractor.ts';
import { instantAtLocalTime } from '../features/localTime.ts';

/** Renders of presets happen on this date: mid-October, when days and nights are even. */
export const RENDER_DATE = { year: 2026, month: 10, day: 15 };

export interface NamedSky {
  source: SkySource;
  startMs: number;
}

export function skyFromName(name: string, options: { seed: number; site: string; location: SiteLocation; startMs?: number }): NamedSky {
  const scenario = SCENARIOS[name];
  if (scenario) {
    const startMs = options.startMs ?? instantAtLocalTime(RENDER_DATE, scenario.startLocalHour, options.location.timeZone);
    const source = new SkySimulator({
      scenario: name,
      seed: options.seed,
      site: options.site,
      startMs,
      latitudeDeg: options.location.latitudeDeg,
      longitudeDeg: options.location.longitudeDeg,
    });
    return { source, startMs };
  }
  if (existsSync(name)) {
    const replay = SkyLogReplay.fromFile(name, { site: options.site, startMs: options.startMs });
    return { source: replay, startMs: replay.startMs };
  }
  throw new Error(`sky '${name}' is neither a preset (${Object.keys(SCENARIOS).join(', ')}) nor a sky log file`);
}
