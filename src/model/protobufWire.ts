/**
 * The protocol-buffer wire format, just enough of it to write and read ONNX files.
 *
 * ONNX files are protobuf messages (onnx/onnx.proto, proto2 syntax). We need three wire
 * types: 0 (varint) for integers and enums, 2 (length-delimited) for strings, bytes and
 * embedded messages, and 5 (32-bit) only to skip unknown fields when reading. Wire format:
 * https://protobuf.dev/programming-guides/encoding/
 *
 * Writing is deterministic: fields come out in the order they are written, so the same
 * message gives the same bytes (the model build relies on this for byte-identical files).
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();

/** Builds one message. Nested messages are built by their own writer and embedded as bytes. */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  #push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  #tag(field: number, wireType: number): void {
    this.#varint((BigInt(field) << 3n) | BigInt(wireType));
  }

  #varint(value: bigint): void {
    // int64 fields use two's complement: a negative number is 10 bytes on the wire.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.#push(Uint8Array.from(bytes));
  }

  /** An int32/int64/enum field (wire type 0). */
  int(field: number, value: number | bigint): this {
    this.#tag(field, WIRE_VARINT);
    this.#varint(BigInt(value));
    return this;
  }

  /** A 32-bit float field (wire type 5), little-endian IEEE 754. */
  float32(field: number, value: number): this {
    this.#tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#push(bytes);
    return this;
  }

  /** A bytes field, or an embedded message given as its encoded bytes (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, WIRE_LENGTH_DELIMITED);
    this.#varint(BigInt(value.length));
    this.#push(value);
    return this;
  }

  /** A string field: UTF-8 bytes (wire type 2). */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message. */
  message(field: number, message: ProtoWriter): this {
    return this.bytes(field, message.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** One field as read off the wire; `value` is the varint or the length-delimited payload. */
export type ProtoField =
  | { readonly field: number; readonly wireType: typeof WIRE_VARINT; readonly value: bigint }
  | {
      readonly field: number;
      readonly wireType: typeof WIRE_LENGTH_DELIMITED;
      readonly value: Uint8Array;
    }
  | {
      readonly field: number;
      readonly wireType: typeof WIRE_FIXED32 | typeof WIRE_FIXED64;
      readonly value: Uint8Array;
    };

/** Thrown when bytes are not a well-formed protobuf message. */
export class ProtoDecodeError extends Error {
  override name = 'ProtoDecodeError';
}

/**
 * Reads the top-level fields of one message, in order. Throws ProtoDecodeError on anything
 * malformed (bad wire type, length running past the end, varint longer than 10 bytes), so
 * random bytes are rejected rather than misread.
 */
export function* readProtoFields(bytes: Uint8Array): Generator<ProtoField> {
  let offset = 0;

  const readVarint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = bytes[offset];
      if (byte === undefined)
        throw new ProtoDecodeError(`varint runs past the end at byte ${offset}`);
      offset += 1;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtoDecodeError(`varint longer than 10 bytes at byte ${offset}`);
  };

  const take = (length: number): Uint8Array => {
    if (offset + length > bytes.length) {
      throw new ProtoDecodeError(
        `field of ${length} bytes at byte ${offset} runs past the end (${bytes.length})`,
      );
    }
    const slice = bytes.subarray(offset, offset + length);
    offset += length;
    return slice;
  };

  while (offset < bytes.length) {
    const at = offset;
    const tag = readVarint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (field === 0) throw new ProtoDecodeError(`field number 0 at byte ${at}`);
    switch (wireType) {
      case WIRE_VARINT:
        yield { field, wireType, value: readVarint() };
        break;
      case WIRE_LENGTH_DELIMITED: {
        const length = readVarint();
        if (length > BigInt(bytes.length)) {
          throw new ProtoDecodeError(
            `field of ${length} bytes at byte ${at} runs past the end (${bytes.length})`,
          );
        }
        yield { field, wireType, value: take(Number(length)) };
        break;
      }
      case WIRE_FIXED32:
        yield { field, wireType, value: take(4) };
        break;
      case WIRE_FIXED64:
        yield { field, wireType, value: take(8) };
        break;
      default:
        // Wire types 3 and 4 (groups) are deprecated and never used by onnx.proto.
        throw new ProtoDecodeError(`unsupported wire type ${wireType} at byte ${at}`);
    }
  }
}
