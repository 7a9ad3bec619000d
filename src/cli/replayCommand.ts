/** `skychoir sensor replay <file>`: publishes a recorded sky log over MQTT, 1x or faster. */
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SkyLogReplay } from '../../sensors/replay/skyLogReplay.ts';
import { SkyPublisher } from '../../sensors/skyPublisher.ts';

export const REPLAY_USAGE = `skychoir sensor replay <sky.jsonl> [--broker mqtt://127.0.0.1:1883] [--site lobby] [--speed 1] [--loop] [--ha-discovery]
  --speed         1 plays at the recorded pace, 60 plays an hour a minute
  --loop          start again at the end
  --ha-discovery  announce the sensors to Home Assistant (MQTT discovery)`;

export async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      site: { type: 'string', default: 'lobby' },
      speed: { type: 'string', default: '1' },
      loop: { type: 'boolean' },
      'ha-discovery': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    console.log(REPLAY_USAGE);
    return values.help ? 0 : 2;
  }
  const speed = Number(values.speed);
  if (!(speed > 0 && speed <= 10_000)) throw new Error(`--speed must be a number in (0, 10000], got '${values.speed}'`);
  const startMs = Date.now();
  const replay = SkyLogReplay.fromFile(file, { site: values.site, startMs, loop: values.loop ?? false });
  for (const problem of replay.problems.slice(0, 20)) console.error(problem);
  const publisher = new SkyPublisher({
    brokerUrl: values.broker,
    site: values.site,
    source: replay,
    startMs,
    // Sky time runs `speed` times faster than the wall clock.
    now: () => startMs + (Date.now() - startMs) * speed,
    username: process.env.SKYCHOIR_MQTT_USERNAME,
    password: process.env.SKYCHOIR_MQTT_PASSWORD,
    homeAssistantDiscovery: values['ha-discovery'] ?? false,
  });
  publisher.start();
  console.error(`${replay.describe()} at ${speed}x to ${values.broker}`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await publisher.stop();
  console.error(`published ${publisher.published} messages`);
  return 0;
}
