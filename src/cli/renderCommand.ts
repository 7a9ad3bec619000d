/** `skychoir render`: an offline render of a sky to a WAV file. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { renderOffline, renderSettingsFrom } from '../render/offlineRender.ts';
import { encodeWav24 } from '../render/wavWriter.ts';
import { measureLevels } from '../analysis/levels.ts';
import { skyFromName } from '../sky/skyFromName.ts';
import { MappingModel } from '../model/mappingModel.ts';
import { parseDurationS } from './durations.ts';
import type { Config } from '../config/config.ts';
import { createLogger } from '../log/logger.ts';

export const RENDER_USAGE = `skychoir render --sky <calm|storm|flock|night|day|file.jsonl> --duration <10m> --seed <n> --out <file.wav>
  --sky       a preset scenario or a recorded sky log (default: calm)
  --duration  how much audio, e.g. 90s, 10m, 1h (default: 60s)
  --seed      seed for every musical choice (default: the config's seed)
  --out       where to write the 48 kHz 24-bit stereo WAV (default: out/<sky>-<seed>.wav)
  --model     an ONNX mapping model (default: the config's model)`;

export async function renderCommand(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sky: { type: 'string', default: 'calm' },
      duration: { type: 'string', default: '60s' },
      seed: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(RENDER_USAGE);
    return 0;
  }
  const seed = values.seed === undefined ? config.seed : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${values.seed}'`);
  const durationS = parseDurationS(values.duration);
  const skyName = values.sky;
  const out = values.out ?? `out/${skyName.replace(/[^A-Za-z0-9_-]/g, '_')}-${seed}.wav`;
  const log = createLogger('render');
  const model = await MappingModel.load(values.model ?? config.paths.model);
  const sky = skyFromName(skyName, { seed, site: config.site, location: config.location });
  const started = performance.now();
  process.stderr.write(`rendering ${durationS}s of ${sky.source.describe()}, seed ${seed}\n`);
  const result = await renderOffline({
    sky: sky.source,
    skyStartMs: sky.startMs,
    durationS,
    seed,
    ...renderSettingsFrom(config),
    model,
    log,
    onProgress: (done, total) => process.stderr.write(`  ${((100 * done) / total).toFixed(0)}% (${done.toFixed(0)} s)\r`),
  });
  await model.dispose();
  const elapsedS = (performance.now() - started) / 1000;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, encodeWav24(result.channels, result.sampleRate));
  const levels = measureLevels(result.channels, result.sampleRate);
  console.log(
    JSON.stringify({
      out,
      sky: skyName,
      seed,
      durationS,
      renderS: Number(elapsedS.toFixed(2)),
      realtimeFactor: Number((durationS / elapsedS).toFixed(1)),
      peakDbfs: Number(levels.peakDbfs.toFixed(2)),
      rmsDbfs: Number(levels.rmsDbfs.toFixed(2)),
      voicesStarted: result.voicesStarted,
      maxSoundingVoices: result.maxSoundingVoices,
      messagesAccepted: result.messagesAccepted,
      messagesDropped: result.messagesDropped,
    }),
  );
  return 0;
}
