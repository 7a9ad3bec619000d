/**
 * The inner loop of voice mixing (voiceMix.ts) as WebAssembly SIMD: `dst[i] += src[i] *
 * (v + dv * i)`, four samples an instruction. The same loop in JS costs ~3-4 ns a sample
 * on this project's 2-vCPU machine (V8 neither vectorises it nor keeps Float32Array
 * arithmetic in single precision), which made mixing 60 voices cost the JS thread about
 * as much as their nodes cost the render thread (docs/benchmarks.md, graph cost).
 *
 * The module is assembled here from its instructions (the WebAssembly binary format,
 * https://webassembly.github.io/spec/core/binary/), so the repository holds no binary
 * and nothing is compiled at install time. Its memory is the mixer's work space: the
 * caller places sample arrays in it (`floats`) and passes their byte offsets.
 */

// Value types and the few opcodes used (core spec 5.3 and 5.4; SIMD opcodes follow the 0xfd prefix).
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeS: 0x4e,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Shl: 0x74,
  f32Load: 0x2a,
  f32Store: 0x38,
  f32Add: 0x92,
  f32Mul: 0x94,
  f32ConvertI32S: 0xb2,
} as const;
const simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  i32x4Splat: 0x11,
  f32x4Splat: 0x13,
  i32x4Add: 0xae,
  f32x4Add: 0xe4,
  f32x4Mul: 0xe6,
  f32x4ConvertI32x4S: 0xfa,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const v128 = (code: number): number[] => [0xfd, ...uleb(code)];
/** memarg: alignment (log2 bytes) and offset 0. */
const mem = (align: number): number[] => [align, 0];

// mix(dst, src, n, v, dv): dst[i] += src[i] * (v + dv * i), i < n; dst and src are byte offsets.
const [DST, SRC, N, V, DV] = [0, 1, 2, 3, 4];
const [I, IDX, VV, DVV, END4] = [5, 6, 7, 8, 9];
const get = (local: number): number[] => [op.localGet, local];
const set = (local: number): number[] => [op.localSet, local];
/** base + i * 4 */
const address = (base: number): number[] => [
  ...get(base),
  ...get(I),
  op.i32Const,
  2,
  op.i32Shl,
  op.i32Add,
];

const body: number[] = [
  ...get(V), ...v128(simd.f32x4Splat), ...set(VV),
  ...get(DV), ...v128(simd.f32x4Splat), ...set(DVV),
  // idx = [0, 1, 2, 3]: each lane's sample number
  ...v128(simd.const), ...[0, 1, 2, 3].flatMap((k) => [k, 0, 0, 0]), ...set(IDX),
  ...get(N), op.i32Const, ...sleb(-4), op.i32And, ...set(END4),
  op.block, 0x40, op.loop, 0x40,
  ...get(I), ...get(END4), op.i32GeS, op.brIf, 1,
  ...address(DST),
  ...address(DST), ...v128(simd.load), ...mem(2),
  ...address(SRC), ...v128(simd.load), ...mem(2),
  ...get(IDX), ...v128(simd.f32x4ConvertI32x4S), ...get(DVV), ...v128(simd.f32x4Mul), ...get(VV), ...v128(simd.f32x4Add),
  ...v128(simd.f32x4Mul), ...v128(simd.f32x4Add),
  ...v128(simd.store), ...mem(2),
  ...get(IDX), op.i32Const, 4, ...v128(simd.i32x4Splat), ...v128(simd.i32x4Add), ...set(IDX),
  ...get(I), op.i32Const, 4, op.i32Add, ...set(I),
  op.br, 0, op.end, op.end,
  // the last n % 4 samples one at a time
  op.block, 0x40, op.loop, 0x40,
  ...get(I), ...get(N), op.i32GeS, op.brIf, 1,
  ...address(DST),
  ...address(DST), op.f32Load, ...mem(2),
  ...address(SRC), op.f32Load, ...mem(2),
  ...get(I), op.f32ConvertI32S, ...get(DV), op.f32Mul, ...get(V), op.f32Add,
  op.f32Mul, op.f32Add,
  op.f32Store, ...mem(2),
  ...get(I), op.i32Const, 1, op.i32Add, ...set(I),
  op.br, 0, op.end, op.end,
  op.end,
]; // prettier-ignore

const locals = vec([
  [1, I32],
  [3, V128],
  [1, I32],
]);
const func = [...locals, ...body];
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [F32], [F32]]), ...vec([])]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, 1]])), // one memory, at least one page; grown by the caller
  ...section(
    7,
    vec([
      [...name('mix'), 0x00, 0],
      [...name('memory'), 0x02, 0],
    ]),
  ),
  ...section(10, vec([[...uleb(func.length), ...func]])),
]);

const PAGE = 65536;

/** The kernel and its memory. */
export class MixKernel {
  private readonly memory: WebAssembly.Memory;
  private readonly run: (dst: number, src: number, n: number, v: number, dv: number) => void;

  constructor() {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.mix as (
      dst: number,
      src: number,
      n: number,
      v: number,
      dv: number,
    ) => void;
  }

  /** Makes the memory at least `bytes` long; views taken before a growth are void. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  /** A view of `length` floats at byte offset `at` of the work space. */
  floats(at: number, length: number): Float32Array<ArrayBuffer> {
    return new Float32Array(this.memory.buffer, at, length);
  }

  /** dst[i] += src[i] * (v + dv * i) for i < n; dst and src are byte offsets into the work space. */
  mix(dst: number, src: number, n: number, v: number, dv: number): void {
    this.run(dst, src, n, v, dv);
  }
}
