/** The engine as the live benches run it: headless, free ports, a fresh store, the sky from sensors only. */
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Config } from '../../src/config/config.ts';

/** A config for an engine in `dir` (its users file at dir/users.json, its store at dir/store.db). */
export function benchEngineConfig(dir: string): Config {
  const config: Config = structuredClone(DEFAULT_CONFIG);
  config.http.port = 0;
  config.broker.port = 0;
  config.broker.usersFile = join(dir, 'users.json');
  config.audio.device = 'none';
  config.paths.store = join(dir, 'store.db');
  config.sky = { source: 'sensors', scenario: config.sky.scenario, file: undefined };
  return config;
}
