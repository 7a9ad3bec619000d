/**
 * `skychoir record`: writes a site's live sensor traffic to a sky log (docs/contracts.md,
 * "Sky log"), which `skychoir sensor replay` and `skychoir render --sky file` play back.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { parseDurationS } from './durations.ts';

export const RECORD_USAGE = `skychoir record --out sky.jsonl [--broker mqtt://127.0.0.1:1883] [--site lobby] [--duration 24h]
  records every sensor message of the site (state, event, availability) until stopped`;

export async function recordCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      broker: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
      site: { type: 'string', default: 'lobby' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    console.log(RECORD_USAGE);
    return values.help ? 0 : 2;
  }
  const out = createWriteStream(values.out, { flags: 'a' });
  const client = await mqtt.connectAsync(values.broker, {
    username: process.env.SKYCHOIR_MQTT_USERNAME,
    password: process.env.SKYCHOIR_MQTT_PASSWORD,
  });
  await client.subscribeAsync(`skychoir/${values.site}/sensor/#`, { qos: 1 });
  let lines = 0;
  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // availability payloads are plain words; anything else is kept as text, as received
    }
    out.write(JSON.stringify({ at: new Date().toISOString(), topic, payload: body, retain: packet.retain }) + '\n');
    lines++;
  });
  const stop = values.duration
    ? new Promise((resolve) => setTimeout(resolve, parseDurationS(values.duration as string) * 1000))
    : Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await stop;
  await client.endAsync();
  out.end();
  await once(out, 'finish');
  console.error(`recorded ${lines} messages to ${values.out}`);
  return 0;
}
