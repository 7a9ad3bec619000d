/** Renders a preset sky through the real pipeline (samples, ONNX model, Tone graph). */
import { renderOffline, renderSettingsFrom, type RenderResult } from '../../src/render/offlineRender.ts';
import { MappingModel } from '../../src/model/mappingModel.ts';
import { skyFromName } from '../../src/sky/skyFromName.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';

export async function renderPreset(sky: string, durationS: number, seed: number): Promise<RenderResult> {
  const config = DEFAULT_CONFIG;
  const model = await MappingModel.load(config.paths.model);
  try {
    const named = skyFromName(sky, { seed, site: config.site, location: config.location });
    return await renderOffline({
      sky: named.source,
      skyStartMs: named.startMs,
      durationS,
      seed,
      ...renderSettingsFrom(config),
      model,
    });
  } finally {
    await model.dispose();
  }
}
