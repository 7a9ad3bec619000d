/**
 * PNG plots written by our own code: an indexed-colour raster, a 5x7 bitmap font, a
 * line chart (loudness over time) and a spectrogram. The encoder follows the PNG
 * specification (ISO/IEC 15948, W3C PNG 2nd ed.): signature, IHDR, PLTE, IDAT (zlib
 * deflate of filter-type-0 scanlines), IEND, each chunk with its CRC-32.
 */
import { deflateSync } from 'node:zlib';

export type Rgb = readonly [number, number, number];

/** CRC-32 (ISO 3309, polynomial 0xEDB88320), as PNG chunks use it. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'ascii');
  body.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** An image whose pixels index a palette of up to 256 colours. */
export class IndexedImage {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
  readonly palette: Rgb[];

  constructor(width: number, height: number, palette: Rgb[], background = 0) {
    if (palette.length === 0 || palette.length > 256)
      throw new RangeError(`palette of ${palette.length} colours (1-256)`);
    this.width = width;
    this.height = height;
    this.palette = palette;
    this.pixels = new Uint8Array(width * height).fill(background);
  }

  set(x: number, y: number, colour: number): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi >= 0 && yi >= 0 && xi < this.width && yi < this.height)
      this.pixels[yi * this.width + xi] = colour;
  }

  fillRect(x: number, y: number, w: number, h: number, colour: number): void {
    for (let j = Math.max(0, Math.round(y)); j < Math.min(this.height, Math.round(y + h)); j++) {
      for (let i = Math.max(0, Math.round(x)); i < Math.min(this.width, Math.round(x + w)); i++)
        this.pixels[j * this.width + i] = colour;
    }
  }

  /** A line (Bresenham), `thick` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, colour: number, thick = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    const r = Math.floor((thick - 1) / 2);
    for (;;) {
      if (thick <= 1) this.set(x, y, colour);
      else this.fillRect(x - r, y - r, thick, thick, colour);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Text in the 5x7 font, `scale` pixels per font dot; lower case is drawn as upper case. */
  text(x: number, y: number, s: string, colour: number, scale = 1): void {
    const x0 = Math.round(x);
    this.glyphDots(s, (i, col, row) => this.fillRect(x0 + (6 * i + col) * scale, y + row * scale, scale, scale, colour));
  }

  /** Text drawn bottom-to-top (for a y-axis label); (x, y) is its lower-left corner. */
  textUp(x: number, y: number, s: string, colour: number, scale = 1): void {
    const y0 = Math.round(y);
    this.glyphDots(s, (i, col, row) => this.fillRect(x + row * scale, y0 - (6 * i + col) * scale, scale, scale, colour));
  }

  /** Each lit dot of the text's glyphs: character i, font column and row. */
  private glyphDots(s: string, dot: (i: number, col: number, row: number) => void): void {
    [...s.toUpperCase()].forEach((ch, i) => {
      const glyph = FONT[ch] ?? FONT['?'] ?? [];
      for (let col = 0; col < 5; col++) {
        const bits = glyph[col] ?? 0;
        for (let row = 0; row < 7; row++) if (bits & (1 << row)) dot(i, col, row);
      }
    });
  }

  toPng(): Buffer {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 3; // colour type: indexed
    header[10] = 0; // deflate
    header[11] = 0; // adaptive filtering (we use filter 0 on every line)
    header[12] = 0; // no interlace
    const plte = Buffer.alloc(this.palette.length * 3);
    this.palette.forEach(([r, g, b], i) => plte.set([r, g, b], i * 3));
    const raw = Buffer.alloc((this.width + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width + 1)] = 0;
      raw.set(this.pixels.subarray(y * this.width, (y + 1) * this.width), y * (this.width + 1) + 1);
    }
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('PLTE', plte),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

/** The classic 5x7 font: five column bytes per glyph, bit 0 the top row. */
const FONT: Record<string, readonly number[]> = {
  ' ': [0, 0, 0, 0, 0],
  '0': [0x3e, 0x51, 0x49, 0x45, 0x3e],
  '1': [0x00, 0x42, 0x7f, 0x40, 0x00],
  '2': [0x42, 0x61, 0x51, 0x49, 0x46],
  '3': [0x21, 0x41, 0x45, 0x4b, 0x31],
  '4': [0x18, 0x14, 0x12, 0x7f, 0x10],
  '5': [0x27, 0x45, 0x45, 0x45, 0x39],
  '6': [0x3c, 0x4a, 0x49, 0x49, 0x30],
  '7': [0x01, 0x71, 0x09, 0x05, 0x03],
  '8': [0x36, 0x49, 0x49, 0x49, 0x36],
  '9': [0x06, 0x49, 0x49, 0x29, 0x1e],
  A: [0x7e, 0x11, 0x11, 0x11, 0x7e],
  B: [0x7f, 0x49, 0x49, 0x49, 0x36],
  C: [0x3e, 0x41, 0x41, 0x41, 0x22],
  D: [0x7f, 0x41, 0x41, 0x22, 0x1c],
  E: [0x7f, 0x49, 0x49, 0x49, 0x41],
  F: [0x7f, 0x09, 0x09, 0x09, 0x01],
  G: [0x3e, 0x41, 0x49, 0x49, 0x7a],
  H: [0x7f, 0x08, 0x08, 0x08, 0x7f],
  I: [0x00, 0x41, 0x7f, 0x41, 0x00],
  J: [0x20, 0x40, 0x41, 0x3f, 0x01],
  K: [0x7f, 0x08, 0x14, 0x22, 0x41],
  L: [0x7f, 0x40, 0x40, 0x40, 0x40],
  M: [0x7f, 0x02, 0x0c, 0x02, 0x7f],
  N: [0x7f, 0x04, 0x08, 0x10, 0x7f],
  O: [0x3e, 0x41, 0x41, 0x41, 0x3e],
  P: [0x7f, 0x09, 0x09, 0x09, 0x06],
  Q: [0x3e, 0x41, 0x51, 0x21, 0x5e],
  R: [0x7f, 0x09, 0x19, 0x29, 0x46],
  S: [0x46, 0x49, 0x49, 0x49, 0x31],
  T: [0x01, 0x01, 0x7f, 0x01, 0x01],
  U: [0x3f, 0x40, 0x40, 0x40, 0x3f],
  V: [0x1f, 0x20, 0x40, 0x20, 0x1f],
  W: [0x3f, 0x40, 0x38, 0x40, 0x3f],
  X: [0x63, 0x14, 0x08, 0x14, 0x63],
  Y: [0x07, 0x08, 0x70, 0x08, 0x07],
  Z: [0x61, 0x51, 0x49, 0x45, 0x43],
  '-': [0x08, 0x08, 0x08, 0x08, 0x08],
  '+': [0x08, 0x08, 0x3e, 0x08, 0x08],
  '.': [0x00, 0x60, 0x60, 0x00, 0x00],
  ',': [0x00, 0x50, 0x30, 0x00, 0x00],
  ':': [0x00, 0x36, 0x36, 0x00, 0x00],
  '(': [0x00, 0x1c, 0x22, 0x41, 0x00],
  ')': [0x00, 0x41, 0x22, 0x1c, 0x00],
  '/': [0x20, 0x10, 0x08, 0x04, 0x02],
  '%': [0x23, 0x13, 0x08, 0x64, 0x62],
  '=': [0x14, 0x14, 0x14, 0x14, 0x14],
  _: [0x40, 0x40, 0x40, 0x40, 0x40],
  '<': [0x08, 0x14, 0x22, 0x41, 0x00],
  '>': [0x00, 0x41, 0x22, 0x14, 0x08],
  '?': [0x02, 0x01, 0x51, 0x09, 0x06],
  "'": [0x00, 0x00, 0x07, 0x00, 0x00],
  '"': [0x00, 0x07, 0x00, 0x07, 0x00],
  '#': [0x14, 0x7f, 0x14, 0x7f, 0x14],
  '±': [0x44, 0x44, 0x5f, 0x44, 0x44],
};

export const textWidth = (s: string, scale = 1): number => s.length * 6 * scale - scale;

/** Round tick positions covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step)
    out.push(Number(t.toFixed(10)));
  return out;
}

/** Seconds as a tick label: 45 -> "45s", 600 -> "10m", 5400 -> "1h30". */
export function timeLabel(s: number): string {
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s - 3600 * h) / 60);
  return m === 0 ? `${h}h` : `${h}h${String(m).padStart(2, '0')}`;
}

/** Ticks for a time axis in round seconds, minutes or hours. */
function timeTicks(durationS: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800];
  const step = steps.find((s) => durationS / s <= 8) ?? 21600;
  const out: number[] = [];
  for (let t = 0; t <= durationS + 1e-9; t += step) out.push(t);
  return out;
}

export interface LineSeries {
  label: string;
  colour: Rgb;
  /** [time s, value] pairs; non-finite values break the line. */
  points: readonly (readonly [number, number])[];
  thick?: number;
}

export interface LineChartOptions {
  title: string;
  yLabel: string;
  durationS: number;
  yMin: number;
  yMax: number;
  /** Horizontal reference lines (e.g. the loudness target), dashed. */
  references?: { value: number; label: string; colour: Rgb }[];
  width?: number;
  height?: number;
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [222, 222, 222];
const MARGIN = { left: 64, right: 16, top: 40, bottom: 44 };

/** A line chart against time, e.g. momentary and short-term loudness. */
export function lineChartPng(series: readonly LineSeries[], options: LineChartOptions): Buffer {
  const width = options.width ?? 960;
  const height = options.height ?? 360;
  const refs = options.references ?? [];
  const palette: Rgb[] = [
    WHITE,
    BLACK,
    GRID,
    ...series.map((s) => s.colour),
    ...refs.map((r) => r.colour),
  ];
  const img = new IndexedImage(width, height, palette);
  const plot = {
    x: MARGIN.left,
    y: MARGIN.top,
    w: width - MARGIN.left - MARGIN.right,
    h: height - MARGIN.top - MARGIN.bottom,
  };
  const xOf = (t: number): number => plot.x + (t / Math.max(1e-9, options.durationS)) * plot.w;
  const yOf = (v: number): number =>
    plot.y + plot.h - ((v - options.yMin) / (options.yMax - options.yMin)) * plot.h;

  for (const v of niceTicks(options.yMin, options.yMax, 6)) {
    img.line(plot.x, yOf(v), plot.x + plot.w, yOf(v), 2);
    const label = String(v);
    img.text(plot.x - 6 - textWidth(label), yOf(v) - 3, label, 1);
  }
  for (const t of timeTicks(options.durationS)) {
    img.line(xOf(t), plot.y, xOf(t), plot.y + plot.h, 2);
    const label = timeLabel(t);
    img.text(xOf(t) - textWidth(label) / 2, plot.y + plot.h + 6, label, 1);
  }
  refs.forEach((r, i) => {
    const colour = 3 + series.length + i;
    for (let x = plot.x; x < plot.x + plot.w; x += 8)
      img.line(x, yOf(r.value), Math.min(plot.x + plot.w, x + 4), yOf(r.value), colour, 2);
  });
  series.forEach((s, i) => {
    const colour = 3 + i;
    let prev: readonly [number, number] | undefined;
    for (const p of s.points) {
      const v = Math.min(options.yMax, Math.max(options.yMin, p[1]));
      if (!Number.isFinite(p[1])) {
        prev = undefined;
        continue;
      }
      if (prev) img.line(xOf(prev[0]), yOf(prev[1]), xOf(p[0]), yOf(v), colour, s.thick ?? 1);
      prev = [p[0], v];
    }
  });
  // Reference labels last, on white, so the data never hides them.
  refs.forEach((r, i) => {
    const colour = 3 + series.length + i;
    // Alternate right and left, so a target and a measured value close together both show.
    const x = i % 2 === 0 ? plot.x + plot.w - textWidth(r.label) - 6 : plot.x + 6;
    const y = yOf(r.value) - 12;
    img.fillRect(x - 2, y - 2, textWidth(r.label) + 4, 11, 0);
    img.text(x, y, r.label, colour);
  });
  // Frame, title, axis labels, legend.
  img.line(plot.x, plot.y, plot.x + plot.w, plot.y, 1);
  img.line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h, 1);
  img.line(plot.x, plot.y, plot.x, plot.y + plot.h, 1);
  img.line(plot.x + plot.w, plot.y, plot.x + plot.w, plot.y + plot.h, 1);
  const legendWidth = series.reduce((w, s) => w + textWidth(s.label) + 28, 0);
  // A long title drops to the small font rather than run into the legend.
  img.text(
    plot.x,
    12,
    options.title,
    1,
    textWidth(options.title, 2) + legendWidth + 16 <= plot.w ? 2 : 1,
  );
  img.text(plot.x + plot.w / 2 - textWidth('TIME') / 2, height - 16, 'time', 1);
  img.textUp(12, plot.y + plot.h / 2 + textWidth(options.yLabel) / 2, options.yLabel, 1);
  let lx = plot.x + plot.w;
  for (let i = series.length - 1; i >= 0; i--) {
    const s = series[i] as LineSeries;
    lx -= textWidth(s.label) + 28;
    img.fillRect(lx, 18, 16, 3, 3 + i);
    img.text(lx + 20, 16, s.label, 1);
  }
  return img.toPng();
}

/** Magma-like colour map: black, purple, red, orange, pale yellow. */
const COLOUR_STOPS: Rgb[] = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 253, 191],
];

function colourMap(levels: number): Rgb[] {
  return Array.from({ length: levels }, (_, i) => {
    const x = (i / (levels - 1)) * (COLOUR_STOPS.length - 1);
    const k = Math.min(COLOUR_STOPS.length - 2, Math.floor(x));
    const f = x - k;
    const a = COLOUR_STOPS[k] as Rgb;
    const b = COLOUR_STOPS[k + 1] as Rgb;
    return [0, 1, 2].map((c) =>
      Math.round((a[c] ?? 0) + ((b[c] ?? 0) - (a[c] ?? 0)) * f),
    ) as unknown as Rgb;
  });
}

export interface SpectrogramOptions {
  title: string;
  durationS: number;
  /** Row r of every column covers [minHz * (maxHz/minHz)^(r/rows), ...) on a log axis. */
  minHz: number;
  maxHz: number;
  /** dB span shown below the loudest cell. */
  rangeDb?: number;
}

/**
 * A spectrogram from columns of power (one Float64Array of log-spaced rows per column,
 * row 0 the lowest frequency), drawn one pixel per cell, in dB below the loudest cell.
 */
export function spectrogramPng(
  columns: readonly Float64Array[],
  options: SpectrogramOptions,
): Buffer {
  const rows = columns[0]?.length ?? 0;
  const cols = columns.length;
  const rangeDb = options.rangeDb ?? 80;
  const levels = 200;
  const palette: Rgb[] = [WHITE, BLACK, GRID, ...colourMap(levels)];
  const legendW = 70;
  const width = MARGIN.left + cols + MARGIN.right + legendW;
  const height = MARGIN.top + rows + MARGIN.bottom;
  const img = new IndexedImage(width, height, palette);
  let top = -Infinity;
  for (const c of columns) for (const p of c) if (p > 0) top = Math.max(top, 10 * Math.log10(p));
  const px = MARGIN.left;
  const py = MARGIN.top;
  for (let x = 0; x < cols; x++) {
    const c = columns[x] as Float64Array;
    for (let r = 0; r < rows; r++) {
      const p = c[r] ?? 0;
      const db = p > 0 ? 10 * Math.log10(p) - top : -Infinity;
      const level = Math.max(
        0,
        Math.min(levels - 1, Math.round(((db + rangeDb) / rangeDb) * (levels - 1))),
      );
      img.set(px + x, py + rows - 1 - r, 3 + level);
    }
  }
  const yOfHz = (hz: number): number =>
    py +
    rows -
    1 -
    (Math.log(hz / options.minHz) / Math.log(options.maxHz / options.minHz)) * (rows - 1);
  for (const hz of [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000]) {
    if (hz < options.minHz || hz > options.maxHz) continue;
    const y = yOfHz(hz);
    img.line(px - 4, y, px - 1, y, 1);
    const label = hz >= 1000 ? `${hz / 1000}k` : String(hz);
    img.text(px - 8 - textWidth(label), y - 3, label, 1);
  }
  for (const t of timeTicks(options.durationS)) {
    const x = px + (t / Math.max(1e-9, options.durationS)) * (cols - 1);
    img.line(x, py + rows, x, py + rows + 3, 1);
    const label = timeLabel(t);
    img.text(x - textWidth(label) / 2, py + rows + 6, label, 1);
  }
  img.line(px - 1, py - 1, px + cols, py - 1, 1);
  img.line(px - 1, py + rows, px + cols, py + rows, 1);
  img.line(px - 1, py - 1, px - 1, py + rows, 1);
  img.line(px + cols, py - 1, px + cols, py + rows, 1);
  img.text(px, 12, options.title, 1, 2);
  img.text(px + cols / 2 - textWidth('TIME') / 2, height - 16, 'time', 1);
  img.textUp(12, py + rows / 2 + textWidth('HZ') / 2, 'Hz', 1);
  // Colour scale: 0 dB at the top, -range at the bottom.
  const lx = px + cols + 16;
  for (let y = 0; y < rows; y++) {
    const level = Math.round(((rows - 1 - y) / Math.max(1, rows - 1)) * (levels - 1));
    img.fillRect(lx, py + y, 12, 1, 3 + level);
  }
  for (const db of niceTicks(-rangeDb, 0, 4)) {
    const y = py + (-db / rangeDb) * (rows - 1);
    img.text(lx + 16, y - 3, `${db}`, 1);
  }
  img.text(lx, py + rows + 6, 'dB', 1);
  return img.toPng();
}
