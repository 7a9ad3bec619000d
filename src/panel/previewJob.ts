/**
 * A preview render, in its own process so the live engine's thread never waits on it:
 * `node src/panel/previewJob.ts '<json>'`. Renders one sky (a preset or a composed sky)
 * with each model given, writes a WAV each, and prints one JSON line per render.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOffline } from '../render/offlineRender.ts';
import { encodeWav24 } from '../render/wavWriter.ts';
import { measureLevels } from '../analysis/levels.ts';
import { MappingModel } from '../model/mappingModel.ts';
import { skyFromName } from '../sky/skyFromName.ts';
import { SkyLogReplay, parseSkyLog } from '../../sensors/replay/skyLogReplay.ts';
import { composedSkyLog, composedSkyStartMs, parseComposedSky } from './composedSky.ts';
import type { SiteLocation } from '../features/featureExtractor.ts';
import type { CuratorSettings } from '../engine/curatorSettings.ts';

export interface PreviewJobArgs {
  id: string;
  sky: { preset: string } | { composed: unknown };
  renders: { label: string; modelPath: string }[];
  durationS: number;
  seed: number;
  site: string;
  location: SiteLocation;
  samplesDir: string;
  settings: CuratorSettings;
  outDir: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as PreviewJobArgs;
  mkdirSync(args.outDir, { recursive: true });
  for (const render of args.renders) {
    let source;
    let startMs;
    if ('preset' in args.sky) {
      const named = skyFromName(args.sky.preset, { seed: args.seed, site: args.site, location: args.location });
      source = named.source;
      startMs = named.startMs;
    } else {
      const sky = parseComposedSky(args.sky.composed);
      startMs = composedSkyStartMs(sky, args.location);
      const log = composedSkyLog(sky, { site: args.site, startMs, durationS: args.durationS });
      source = new SkyLogReplay(parseSkyLog(log, 'composed sky'), 'composed sky', { site: args.site });
    }
    const model = await MappingModel.load(render.modelPath);
    const result = await renderOffline({
      sky: source,
      skyStartMs: startMs,
      durationS: args.durationS,
      seed: args.seed,
      site: args.site,
      location: args.location,
      samplesDir: args.samplesDir,
      model,
      masterDb: args.settings.masterDb,
      settings: args.settings,
    });
    await model.dispose();
    const file = join(args.outDir, `${args.id}-${render.label}.wav`);
    writeFileSync(file, encodeWav24(result.channels, result.sampleRate));
    const levels = measureLevels(result.channels, result.sampleRate);
    console.log(JSON.stringify({ label: render.label, model: model.version, file, rmsDbfs: Number(levels.rmsDbfs.toFixed(1)), peakDbfs: Number(levels.peakDbfs.toFixed(1)), voicesStarted: result.voicesStarted }));
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
