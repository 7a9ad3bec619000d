/**
 * The mapping model at run time: an ONNX file, checked on load, turning a feature vector
 * into a control vector through onnxruntime-node.
 *
 * Any ONNX model with the skychoir signature works, wherever it was trained: one float32
 * input [N or 1, 13], one float32 output [N or 1, 22]; tensor names are free. If the file
 * carries skychoir metadata (ModelProto.metadata_props, see modelMetadata.ts) the feature
 * and control names and versions must match this build, so a model trained for another
 * order of features is refused instead of played. A refused model throws ModelLoadError;
 * the caller keeps the model it had (it never stops singing).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_VERSION,
  featureVectorFrom,
} from '../features/featureVector.ts';
import { CONTROL_COUNT, CONTROL_NAMES, CONTROL_VERSION } from './controlVector.ts';
import type { ControlVector } from './controlVector.ts';
import type { OnnxFileSummary } from './modelMetadata.ts';
import { METADATA_KEYS, readOnnxSummary } from './modelMetadata.ts';

const KEEP_PREVIOUS = 'keep the previous model';

/** A model file that must not be used; the message says what is wrong and what to do. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
  readonly source: string;
  constructor(source: string, problem: string, advice: string = KEEP_PREVIOUS) {
    super(`model '${source}': ${problem}; ${advice}`);
    this.source = source;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

function checkNames(
  source: string,
  summary: OnnxFileSummary,
  key: string,
  want: readonly string[],
  what: 'feature' | 'control',
  version: number,
): void {
  const text = summary.metadata.get(key);
  if (text === undefined) return;
  let names: unknown;
  try {
    names = JSON.parse(text);
  } catch {
    throw new ModelLoadError(source, `metadata '${key}' is not JSON`);
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new ModelLoadError(source, `metadata '${key}' is not a JSON array of names`);
  }
  const advice = `retrain or re-export it with the ${what} order of ${what} vector v${version}; ${KEEP_PREVIOUS}`;
  if (names.length !== want.length) {
    throw new ModelLoadError(
      source,
      `metadata names ${names.length} ${what}s, want ${want.length} (${what} vector v${version})`,
      advice,
    );
  }
  const at = names.findIndex((n, i) => n !== want[i]);
  if (at >= 0) {
    throw new ModelLoadError(
      source,
      `${what} ${at} is '${String(names[at])}' in the model's metadata, want '${want[at]}' (${what} vector v${version})`,
      advice,
    );
  }
}

function checkVersion(
  source: string,
  summary: OnnxFileSummary,
  key: string,
  want: number,
  what: string,
): void {
  const text = summary.metadata.get(key);
  if (text !== undefined && text !== String(want)) {
    throw new ModelLoadError(
      source,
      `trained for ${what} vector v${text}, this engine uses v${want}`,
    );
  }
}

/** Checks one graph input/output: float32, rank 2, batch dim symbolic or 1, last dim `size`. */
function checkTensor(
  source: string,
  value: ort.InferenceSession.ValueMetadata | undefined,
  role: 'input' | 'output',
  size: number,
  unit: string,
  contract: string,
): void {
  if (value === undefined) throw new ModelLoadError(source, `has no ${role}`);
  if (!value.isTensor) throw new ModelLoadError(source, `${role} '${value.name}' is not a tensor`);
  if (value.type !== 'float32')
    throw new ModelLoadError(source, `${role} '${value.name}' is ${value.type}, want float32`);
  const shape = value.shape;
  if (shape.length === 0) return; // shape not declared: the probe run in load() decides
  const last = shape[shape.length - 1];
  if (shape.length !== 2 || (typeof shape[0] === 'number' && shape[0] !== 1)) {
    throw new ModelLoadError(
      source,
      `${role} '${value.name}' has shape [${shape.join(', ')}], want [N, ${size}] (${contract})`,
    );
  }
  if (typeof last === 'number' && last !== size) {
    throw new ModelLoadError(source, `${role} has ${last} ${unit}, want ${size} (${contract})`);
  }
}

export class MappingModel {
  /** Where the model came from (a path, or a label for bytes). */
  readonly source: string;
  /** skychoir.model_version from the metadata, else `<file name>@<sha256 prefix>`. */
  readonly version: string;
  readonly trainingSetHash: string | undefined;
  /** All of ModelProto.metadata_props. */
  readonly metadata: ReadonlyMap<string, string>;
  #session: ort.InferenceSession | undefined;
  readonly #inputName: string;
  readonly #outputName: string;
  #nonFiniteOutputs = 0;

  private constructor(
    source: string,
    version: string,
    summary: OnnxFileSummary,
    session: ort.InferenceSession,
  ) {
    this.source = source;
    this.version = version;
    this.metadata = summary.metadata;
    this.trainingSetHash = summary.metadata.get(METADATA_KEYS.trainingSetHash);
    this.#session = session;
    this.#inputName = session.inputNames[0] ?? '';
    this.#outputName = session.outputNames[0] ?? '';
  }

  /** Reads, checks and opens an ONNX model file. Throws ModelLoadError if it must not be used. */
  static async load(onnxPath: string): Promise<MappingModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(onnxPath);
    } catch (error) {
      throw new ModelLoadError(onnxPath, `cannot read the file (${describe(error)})`);
    }
    return MappingModel.fromBytes(bytes, onnxPath);
  }

  /** As load(), for model bytes held elsewhere (e.g. the store); `source` names them in errors. */
  static async fromBytes(bytes: Uint8Array, source: string): Promise<MappingModel> {
    const notOnnx = `${KEEP_PREVIOUS} and rebuild or re-export the file`;
    let summary: OnnxFileSummary;
    try {
      summary = readOnnxSummary(bytes);
    } catch (error) {
      throw new ModelLoadError(
        source,
        `is not a complete ONNX file (protobuf: ${describe(error)})`,
        notOnnx,
      );
    }
    if (summary.irVersion === undefined || !summary.hasGraph) {
      throw new ModelLoadError(source, 'is not an ONNX model (no ir_version or no graph)', notOnnx);
    }
    checkVersion(source, summary, METADATA_KEYS.featureVersion, FEATURE_VERSION, 'feature');
    checkVersion(source, summary, METADATA_KEYS.controlVersion, CONTROL_VERSION, 'control');
    checkNames(
      source,
      summary,
      METADATA_KEYS.featureNames,
      FEATURE_NAMES,
      'feature',
      FEATURE_VERSION,
    );
    checkNames(
      source,
      summary,
      METADATA_KEYS.controlNames,
      CONTROL_NAMES,
      'control',
      CONTROL_VERSION,
    );

    let session: ort.InferenceSession;
    try {
      // One thread each: a 13-16-22 MLP is microseconds of work, and the audio thread
      // must not compete with an inference thread pool.
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
    } catch (error) {
      throw new ModelLoadError(source, `onnxruntime cannot load it (${describe(error)})`, notOnnx);
    }
    try {
      if (session.inputNames.length !== 1) {
        throw new ModelLoadError(
          source,
          `has ${session.inputNames.length} inputs, want 1 (features, float32 [N, ${FEATURE_COUNT}])`,
        );
      }
      if (session.outputNames.length !== 1) {
        throw new ModelLoadError(
          source,
          `has ${session.outputNames.length} outputs, want 1 (controls, float32 [N, ${CONTROL_COUNT}])`,
        );
      }
      checkTensor(
        source,
        session.inputMetadata[0],
        'input',
        FEATURE_COUNT,
        'features',
        `feature vector v${FEATURE_VERSION}`,
      );
      checkTensor(
        source,
        session.outputMetadata[0],
        'output',
        CONTROL_COUNT,
        'controls',
        `control vector v${CONTROL_VERSION}`,
      );
      const version =
        summary.metadata.get(METADATA_KEYS.modelVersion) ??
        `${basename(source)}@${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
      const model = new MappingModel(source, version, summary, session);
      await model.#probe();
      return model;
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** One run on the typical sky: proves the graph executes and really gives 22 controls. */
  async #probe(): Promise<void> {
    let length: number;
    try {
      length = (await this.#infer(featureVectorFrom({}))).length;
    } catch (error) {
      throw new ModelLoadError(
        this.source,
        `fails on a typical feature vector (${describe(error)})`,
      );
    }
    if (length !== CONTROL_COUNT) {
      throw new ModelLoadError(
        this.source,
        `output has ${length} controls, want ${CONTROL_COUNT} (control vector v${CONTROL_VERSION})`,
      );
    }
  }

  async #infer(features: Float32Array): Promise<Float32Array> {
    const session = this.#session;
    if (session === undefined) throw new Error(`model '${this.source}' is disposed`);
    const results = await session.run({
      [this.#inputName]: new ort.Tensor('float32', features, [1, features.length]),
    });
    const output = results[this.#outputName];
    if (output === undefined || !(output.data instanceof Float32Array)) {
      throw new Error(`output '${this.#outputName}' is not float32 data`);
    }
    return output.data;
  }

  /** How many output values were non-finite (and replaced by 0.5) since load. */
  get nonFiniteOutputs(): number {
    return this.#nonFiniteOutputs;
  }

  /**
   * Controls for one feature vector (FEATURE_COUNT long, FEATURES order). Every value is
   * in [0, 1]: non-finite outputs become 0.5 (mid-range: audible, never extreme) and are
   * counted; the rest are clamped. Rejects if the model is disposed or onnxruntime fails.
   */
  async run(features: Float32Array): Promise<ControlVector> {
    if (features.length !== FEATURE_COUNT) {
      throw new RangeError(
        `model '${this.source}': got ${features.length} features, want ${FEATURE_COUNT}`,
      );
    }
    const raw = await this.#infer(features);
    const controls = new Float32Array(CONTROL_COUNT);
    for (let k = 0; k < CONTROL_COUNT; k++) {
      const v = raw[k] ?? Number.NaN;
      if (Number.isFinite(v)) {
        controls[k] = Math.min(1, Math.max(0, v));
      } else {
        controls[k] = 0.5;
        this.#nonFiniteOutputs += 1;
      }
    }
    return controls;
  }

  /** Releases the onnxruntime session. Safe to call twice; run() rejects afterwards. */
  async dispose(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.release();
  }
}
