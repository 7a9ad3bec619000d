/**
 * Curator examples for the mapping model: "under this sky, the choir should sound like this".
 *
 * An example file is a JSON array of `{ name, note?, sky, controls }`. `sky` names some
 * features (the rest take their typical value, as in featureVectorFrom); `controls` names
 * every control. Parsed here, once, into typed values or a MappingExamplesError that says
 * which example and which field is wrong.
 */
import { createHash } from 'node:crypto';
import type { FeatureName, FeatureVector } from '../features/featureVector.ts';
import { FEATURES, featureVectorFrom } from '../features/featureVector.ts';
import type { ControlVector, Controls, LayerControls, LayerName } from './controlVector.ts';
import { GLOBAL_CONTROLS, LAYER_CONTROLS, LAYERS, controlVectorFrom } from './controlVector.ts';

export interface MappingExample {
  readonly name: string;
  readonly note: string;
  readonly sky: Partial<Record<FeatureName, number>>;
  readonly controls: Controls;
}

export class MappingExamplesError extends Error {
  override name = 'MappingExamplesError';
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unitNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new MappingExamplesError(
      `${where}: want a number in [0, 1], got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function parseSky(value: unknown, where: string): Partial<Record<FeatureName, number>> {
  if (!isObject(value))
    throw new MappingExamplesError(`${where}.sky: want an object of feature values`);
  const sky: Partial<Record<FeatureName, number>> = {};
  for (const [key, v] of Object.entries(value)) {
    const spec = FEATURES.find((f) => f.name === key);
    if (!spec)
      throw new MappingExamplesError(
        `${where}.sky: unknown feature '${key}' (features: ${FEATURES.map((f) => f.name).join(', ')})`,
      );
    if (typeof v !== 'number' || !Number.isFinite(v) || v < spec.min || v > spec.max) {
      throw new MappingExamplesError(
        `${where}.sky.${key}: want a number in [${spec.min}, ${spec.max}], got ${JSON.stringify(v)}`,
      );
    }
    sky[spec.name] = v;
  }
  return sky;
}

function parseControls(value: unknown, where: string): Controls {
  if (!isObject(value) || !isObject(value.layers)) {
    throw new MappingExamplesError(
      `${where}.controls: want { layers: { ${LAYERS.join(', ')} }, tension, pace }`,
    );
  }
  const layersIn = value.layers;
  const layers = {} as Record<LayerName, LayerControls>;
  for (const layer of LAYERS) {
    const layerIn = layersIn[layer];
    if (!isObject(layerIn))
      throw new MappingExamplesError(`${where}.controls.layers.${layer}: missing`);
    const [gain, register, density, brightness, space] = LAYER_CONTROLS.map((c) =>
      unitNumber(layerIn[c], `${where}.controls.layers.${layer}.${c}`),
    ) as [number, number, number, number, number];
    layers[layer] = { gain, register, density, brightness, space };
  }
  const [tension, pace] = GLOBAL_CONTROLS.map((c) =>
    unitNumber(value[c], `${where}.controls.${c}`),
  ) as [number, number];
  return { layers, tension, pace };
}

/** Parses an example file's JSON; `source` names the file in error messages. */
export function parseMappingExamples(json: unknown, source: string): MappingExample[] {
  if (!Array.isArray(json))
    throw new MappingExamplesError(`${source}: want a JSON array of examples`);
  const names = new Set<string>();
  return json.map((item: unknown, index) => {
    if (!isObject(item)) throw new MappingExamplesError(`${source}[${index}]: want an object`);
    const name = item.name;
    if (typeof name !== 'string' || name === '')
      throw new MappingExamplesError(`${source}[${index}]: want a non-empty "name"`);
    if (names.has(name))
      throw new MappingExamplesError(`${source}[${index}]: duplicate name '${name}'`);
    names.add(name);
    const where = `${source} example '${name}'`;
    const note = typeof item.note === 'string' ? item.note : '';
    return {
      name,
      note,
      sky: parseSky(item.sky, where),
      controls: parseControls(item.controls, where),
    };
  });
}

export interface ResolvedExample {
  readonly features: FeatureVector;
  readonly controls: ControlVector;
}

/** The numbers the model learns from: full feature and control vectors in contract order. */
export function resolveExample(example: MappingExample): ResolvedExample {
  return {
    features: featureVectorFrom(example.sky),
    controls: controlVectorFrom(example.controls),
  };
}

/**
 * sha256 (hex) of the canonical JSON of a training set: `[{"features":[...13],"controls":[...22]}, ...]`
 * in file order, numbers being the float32 vector entries written by JSON.stringify. Names
 * and notes are left out, so renaming or annotating an example does not change the hash;
 * changing any number, or the order, does.
 */
export function trainingSetHash(examples: readonly MappingExample[]): string {
  const canonical = JSON.stringify(
    examples.map((e) => {
      const r = resolveExample(e);
      return { features: Array.from(r.features), controls: Array.from(r.controls) };
    }),
  );
  return createHash('sha256').update(canonical).digest('hex');
}
