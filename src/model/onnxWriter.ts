/**
 * Encodes an ONNX ModelProto from a plain description of a float32 graph.
 *
 * Field numbers are those of onnx/onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto);
 * each message below names the ones it uses. We write only what a float32 feed-forward graph
 * needs. Writing our own encoder keeps `protobufjs` and the Python `onnx` package out of
 * the engine; the result is loaded by the real onnxruntime in the tests.
 */
import { ProtoWriter } from './protobufWire.ts';

/** IR version 8 (onnx.proto `Version.IR_VERSION_2021_7_30`): read by every onnxruntime since 1.10. */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset 17 (ONNX 1.12): MatMul-13, Add-14, Tanh-13, Sigmoid-13, Gemm-13. */
export const ONNX_OPSET = 17;

/** onnx.proto TensorProto.DataType.FLOAT */
const DATA_TYPE_FLOAT = 1;
/** onnx.proto AttributeProto.AttributeType */
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;

/** A constant float32 tensor stored in the graph (an initializer), row-major. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly values: Float32Array;
}

/** A named graph input or output: a float32 tensor; a string dim is symbolic (e.g. batch "N"). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

export type OnnxAttribute =
  | { readonly name: string; readonly int: number }
  | { readonly name: string; readonly float: number };

export interface OnnxNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: readonly OnnxAttribute[];
}

export interface OnnxModel {
  readonly graphName: string;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly modelVersion: number;
  readonly docString: string;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: readonly OnnxInitializer[];
  /** Topologically sorted, as GraphProto.node requires. */
  readonly nodes: readonly OnnxNode[];
  /** Written in this order to ModelProto.metadata_props (keys should be distinct). */
  readonly metadata: readonly (readonly [key: string, value: string])[];
}

// TensorProto: dims=1, data_type=2, name=8, raw_data=9 (raw_data is little-endian IEEE 754).
function tensorProto(tensor: OnnxInitializer): ProtoWriter {
  const expected = tensor.dims.reduce((a, b) => a * b, 1);
  if (expected !== tensor.values.length) {
    throw new RangeError(
      `tensor '${tensor.name}': dims ${tensor.dims.join('x')} need ${expected} values, got ${tensor.values.length}`,
    );
  }
  const raw = new Uint8Array(tensor.values.length * 4);
  const view = new DataView(raw.buffer);
  tensor.values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.int(1, d);
  return w.int(2, DATA_TYPE_FLOAT).string(8, tensor.name).bytes(9, raw);
}

// ValueInfoProto: name=1, type=2. TypeProto: tensor_type=1. TypeProto.Tensor: elem_type=1,
// shape=2. TensorShapeProto: dim=1. Dimension: dim_value=1, dim_param=2.
function valueInfoProto(value: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of value.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, DATA_TYPE_FLOAT).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, value.name).message(2, type);
}

// AttributeProto: name=1, f=2, i=3, type=20.
function attributeProto(attribute: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, attribute.name);
  if ('int' in attribute) return w.int(3, attribute.int).int(20, ATTRIBUTE_INT);
  return w.float32(2, attribute.float).int(20, ATTRIBUTE_FLOAT);
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5.
function nodeProto(node: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(3, node.name).string(4, node.opType);
  for (const a of node.attributes ?? []) w.message(5, attributeProto(a));
  return w;
}

// GraphProto: node=1, name=2, initializer=5, input=11, output=12.
function graphProto(model: OnnxModel): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of model.nodes) w.message(1, nodeProto(n));
  w.string(2, model.graphName);
  for (const t of model.initializers) w.message(5, tensorProto(t));
  for (const i of model.inputs) w.message(11, valueInfoProto(i));
  for (const o of model.outputs) w.message(12, valueInfoProto(o));
  return w;
}

/**
 * ModelProto: ir_version=1, producer_name=2, producer_version=3, model_version=5,
 * doc_string=6, graph=7, opset_import=8 (OperatorSetIdProto: domain=1, version=2),
 * metadata_props=14 (StringStringEntryProto: key=1, value=2).
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
    .int(1, ONNX_IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .int(5, model.modelVersion)
    .string(6, model.docString)
    .message(7, graphProto(model))
    // The empty domain is the default "ai.onnx" operator set.
    .message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET));
  for (const [key, value] of model.metadata) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value));
  }
  return w.finish();
}
