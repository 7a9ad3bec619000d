/** `skychoir render`: an offline render of a sky to a WAV file. */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { renderOfflineStream, renderSettingsFrom, RENDER_SAMPLE_RATE } from '../render/offlineRender.ts';
import { pcm24, wavHeader24 } from '../render/wavWriter.ts';
import { LevelMeter } from '../analysis/levels.ts';
import { MAX_SPEAKERS, ringOfSpeakers } from '../audio/speakerLayout.ts';
import { skyFromName } from '../sky/skyFromName.ts';
import { MappingModel } from '../model/mappingModel.ts';
import { parseDurationS } from './durations.ts';
import type { Config } from '../config/config.ts';
import { createLogger } from '../log/logger.ts';

export const RENDER_USAGE = `skychoir render --sky <calm|storm|flock|night|day|file.jsonl> --duration <10m> --seed <n> --out <file.wav>
  --sky       a preset scenario or a recorded sky log (default: calm)
  --duration  how much audio, e.g. 90s, 10m, 1h (default: 60s)
  --seed      seed for every musical choice (default: the config's seed)
  --out       where to write the 48 kHz 24-bit WAV, one channel per speaker (default: out/<sky>-<seed>.wav)
  --speakers  a ring of n speakers instead of the config's layout (e.g. 8)
  --stereo    write the stereo fold-down (what the web stream plays) instead of the speaker feeds
  --model     an ONNX mapping model (default: the config's model)
Any length: the render is made and written in segments of minutes.`;

export async function renderCommand(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sky: { type: 'string', default: 'calm' },
      duration: { type: 'string', default: '60s' },
      seed: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      speakers: { type: 'string' },
      stereo: { type: 'boolean', default: false },
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
  let speakers = config.audio.speakers;
  if (values.speakers !== undefined) {
    const n = Number(values.speakers);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SPEAKERS) throw new Error(`--speakers must be a whole number 1..${MAX_SPEAKERS}, got '${values.speakers}'`);
    speakers = ringOfSpeakers(n);
  }
  const model = await MappingModel.load(values.model ?? config.paths.model);
  const sky = skyFromName(skyName, { seed, site: config.site, location: config.location });
  const started = performance.now();
  process.stderr.write(`rendering ${durationS}s of ${sky.source.describe()}, seed ${seed}, ${speakers.length} speakers\n`);
  mkdirSync(dirname(out), { recursive: true });
  const file = openSync(out, 'w');
  const channelCount = values.stereo ? 2 : speakers.length;
  writeSync(file, wavHeader24(channelCount, RENDER_SAMPLE_RATE, Math.round(durationS * RENDER_SAMPLE_RATE)));
  const meter = new LevelMeter();
  let result;
  try {
    result = await renderOfflineStream(
      {
        sky: sky.source,
        skyStartMs: sky.startMs,
        durationS,
        seed,
        ...renderSettingsFrom(config),
        speakers,
        model,
        log,
        onProgress: (done, total) => process.stderr.write(`  ${((100 * done) / total).toFixed(0)}% (${done.toFixed(0)} s)\r`),
      },
      (chunk) => {
        const channels = values.stereo ? chunk.stereo : chunk.speakerChannels;
        writeSync(file, pcm24(channels));
        meter.push(channels);
      },
    );
  } finally {
    closeSync(file);
    await model.dispose();
  }
  const elapsedS = (performance.now() - started) / 1000;
  const levels = meter.levels;
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
      channels: channelCount,
      voicesStarted: result.voicesStarted,
      maxSoundingVoices: result.maxSoundingVoices,
      messagesAccepted: result.messagesAccepted,
      messagesDropped: result.messagesDropped,
    }),
  );
  return 0;
}
