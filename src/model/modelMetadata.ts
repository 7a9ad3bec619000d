/**
 * The metadata a skychoir model carries inside its ONNX file (ModelProto.metadata_props),
 * and a reader for it.
 *
 * onnxruntime-node 1.30 exposes input/output names, types and shapes but not
 * metadata_props, so we read them straight from the bytes: metadata_props is field 14 of
 * the top-level ModelProto, each entry a StringStringEntryProto (key=1, value=2)
 * (onnx/onnx.proto). Keeping the metadata inside the .onnx file means a model can never be
 * separated from the names that say how to feed it.
 */
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT, readProtoFields } from './protobufWire.ts';

export const METADATA_KEYS = {
  /** JSON array of feature names, in input order. */
  featureNames: 'skychoir.feature_names',
  /** JSON array of control names, in output order. */
  controlNames: 'skychoir.control_names',
  /** FEATURE_VERSION the model was trained for, as a decimal string. */
  featureVersion: 'skychoir.feature_version',
  /** CONTROL_VERSION the model was trained for, as a decimal string. */
  controlVersion: 'skychoir.control_version',
  /** sha256 of the canonical training set (see mappingExamples.ts trainingSetHash). */
  trainingSetHash: 'skychoir.training_set_hash',
  /** A human-facing version string, e.g. "default-1". */
  modelVersion: 'skychoir.model_version',
} as const;

export interface OnnxFileSummary {
  readonly irVersion: number | undefined;
  readonly producerName: string | undefined;
  readonly hasGraph: boolean;
  readonly metadata: ReadonlyMap<string, string>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readEntry(bytes: Uint8Array): [string, string] {
  let key = '';
  let value = '';
  for (const f of readProtoFields(bytes)) {
    if (f.wireType !== WIRE_LENGTH_DELIMITED) continue;
    if (f.field === 1) key = utf8.decode(f.value);
    else if (f.field === 2) value = utf8.decode(f.value);
  }
  return [key, value];
}

/**
 * Reads the top-level ModelProto fields we check before handing the bytes to onnxruntime:
 * ir_version (1), producer_name (2), graph (7, presence only) and metadata_props (14).
 * Throws ProtoDecodeError (or a TypeError for invalid UTF-8) if the bytes are not protobuf.
 */
export function readOnnxSummary(bytes: Uint8Array): OnnxFileSummary {
  let irVersion: number | undefined;
  let producerName: string | undefined;
  let hasGraph = false;
  const metadata = new Map<string, string>();
  for (const f of readProtoFields(bytes)) {
    if (f.field === 1 && f.wireType === WIRE_VARINT) irVersion = Number(f.value);
    else if (f.field === 2 && f.wireType === WIRE_LENGTH_DELIMITED)
      producerName = utf8.decode(f.value);
    else if (f.field === 7 && f.wireType === WIRE_LENGTH_DELIMITED) hasGraph = true;
    else if (f.field === 14 && f.wireType === WIRE_LENGTH_DELIMITED) {
      const [key, value] = readEntry(f.value);
      metadata.set(key, value);
    }
  }
  return { irVersion, producerName, hasGraph, metadata };
}
