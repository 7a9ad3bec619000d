/**
 * Voices mixed by the planner instead of the render thread: each voice's samples (its
 * pre-rendered transposition, onset then looped sustain) times its envelope, added into
 * one channel per speaker at its placement. ChoirGraph does this for offline renders, a
 * layer's voices into one buffer a control period long, which the renderer then copies
 * as one node: in node-web-audio-api a node costs the render thread about as much per
 * render quantum whatever it does, and a voice node cost as much as mixing the voice here
 * (bench/graph-cost.ts, docs/benchmarks.md).
 *
 * The arithmetic is the Web Audio API's own for the nodes it replaces: a gain automated by
 * linear ramps between corners (AudioParam linearRampToValueAtTime: v0 + (v1 - v0) *
 * (t - t0) / (t1 - t0) at each sample frame's time), held at the last corner's value; a
 * buffer played from a frame, looped whole. So a voice mixed here and the same voice as
 * nodes differ by float rounding (test/voiceMix.test.ts).
 */

import { MixKernel } from './mixKernel.ts';

/** Where a voice sings: a speaker (channel) and its share, fixed or along a path. */
export interface Placement {
  speaker: number;
  gain: number;
  /** Corners (performance time s, gain), linear between, when the voice travels; `gain` is then unused. */
  path?: [number, number][];
}

/** What mixing a voice needs to know of it. */
export interface MixableVoice {
  buffers: { readonly onsetData: Float32Array; readonly sustainData: Float32Array };
  /** Performance frames where the onset and the sustain loop start (the onset is skipped when equal). */
  startFrame: number;
  sustainFrame: number;
  /** The envelope's corners (performance time s, gain), linear between; the last is 0, when it ends. */
  envelope: [number, number][];
  placement: Placement[];
}

/** The frame after a voice's last (non-zero) sample. */
export function endFrameOf(voice: MixableVoice, sampleRate: number): number {
  return Math.ceil((voice.envelope.at(-1)?.[0] ?? 0) * sampleRate);
}

/**
 * Mixes voices into one channel per speaker, in the kernel's memory (mixKernel.ts): the
 * work space is reused from one span to the next.
 */
export class VoiceMixer {
  private readonly kernel = new MixKernel();
  private readonly channelCount: number;
  private frames = 0;
  private out: Float32Array<ArrayBuffer>[] = [];
  private scratch: Float32Array<ArrayBuffer> = new Float32Array(0);
  private gains = new Float32Array(0);
  /** Channels written by the last mix (the others are silent); all, after the work space moved. */
  private written: boolean[] = [];

  constructor(channels: number) {
    this.channelCount = channels;
  }

  /**
   * Mixes `voices` over performance frames [fromFrame, fromFrame + frames): one array per
   * speaker (views of the work space, valid until the next call), or undefined if none of
   * them sounds there.
   */
  mix(
    fromFrame: number,
    frames: number,
    voices: Iterable<MixableVoice>,
    sampleRate: number,
  ): Float32Array<ArrayBuffer>[] | undefined {
    this.layout(frames);
    const out = this.out.map((c) => c.subarray(0, frames));
    // Only what the last mix wrote needs clearing: the rest of the work space is still silent.
    out.forEach((c, k) => {
      if (this.written[k] !== false) c.fill(0);
    });
    this.written = out.map(() => false);
    let sounding = false;
    for (const voice of voices) if (this.add(out, fromFrame, voice, sampleRate)) sounding = true;
    return sounding ? out : undefined;
  }

  /** Whether the last mix wrote to each channel: one it did not is silent (no need to copy it). */
  get channelsWritten(): readonly boolean[] {
    return this.written;
  }

  /** Channels, then the voice's samples, in the kernel's memory, for spans of up to `frames`. */
  private layout(frames: number): void {
    if (frames <= this.frames) return;
    this.frames = frames;
    const bytes = frames * 4;
    this.kernel.reserve(bytes * (this.channelCount + 1));
    this.out = Array.from({ length: this.channelCount }, (_, c) =>
      this.kernel.floats(c * bytes, frames),
    );
    this.scratch = this.kernel.floats(this.channelCount * bytes, frames);
    this.gains = new Float32Array(frames);
    this.written = [];
  }

  private add(
    out: readonly Float32Array<ArrayBuffer>[],
    fromFrame: number,
    voice: MixableVoice,
    sampleRate: number,
  ): boolean {
    const length = out[0]?.length ?? 0;
    const s0 = Math.max(fromFrame, voice.startFrame);
    const s1 = Math.min(fromFrame + length, endFrameOf(voice, sampleRate));
    if (s1 <= s0) return false;
    const n = s1 - s0;
    const samples = this.scratch.subarray(0, n);
    readVoice(voice, s0, samples);
    if (voice.placement.some((p) => p.path)) {
      // Rare (an aircraft's swell): envelope and path gains sample by sample.
      const envelope = this.gains.subarray(0, n);
      cornersInto(envelope, s0, voice.envelope, sampleRate);
      for (let i = 0; i < n; i++) samples[i] = (samples[i] as number) * (envelope[i] as number);
      for (const p of voice.placement) {
        const channel = out[p.speaker]?.subarray(s0 - fromFrame, s1 - fromFrame);
        if (!channel) continue;
        this.written[p.speaker] = true;
        const g = this.gains.subarray(0, n);
        cornersInto(g, s0, p.path ?? [[0, p.gain]], sampleRate);
        for (let i = 0; i < n; i++)
          channel[i] = (channel[i] as number) + (samples[i] as number) * (g[i] as number);
      }
      return true;
    }
    // Standing voices, the most of them: each stretch of the envelope (a linear ramp or a
    // level) is one multiply-add per speaker in the kernel, from the ramp's value at the
    // stretch's first frame and its slope per frame.
    forEachStretch(voice.envelope, s0, s1, sampleRate, (a, b, value, slope) => {
      for (const p of voice.placement) {
        const channel = out[p.speaker];
        if (!channel || (value === 0 && slope === 0)) continue;
        this.written[p.speaker] = true;
        this.kernel.mix(
          channel.byteOffset + (a - fromFrame) * 4,
          samples.byteOffset + (a - s0) * 4,
          b - a,
          value * p.gain,
          slope * p.gain,
        );
      }
    });
    return true;
  }
}

/**
 * Calls `each(a, b, value, slope)` for the stretches of frames [s0, s1) over which the
 * param automated through `corners` is one linear piece: its value at frame a and its
 * change per frame. Frame f belongs to the ramp from t0 to t1 when t0 <= f / rate < t1,
 * as in cornersInto.
 */
function forEachStretch(
  corners: readonly (readonly [number, number])[],
  s0: number,
  s1: number,
  sampleRate: number,
  each: (a: number, b: number, value: number, slope: number) => void,
): void {
  const first = corners[0];
  if (!first) return;
  let a = s0;
  const upTo = (t: number): number => Math.min(s1, Math.max(a, firstFrameAtOrAfter(t, sampleRate)));
  // Before the first corner: its value.
  let b = upTo(first[0]);
  if (b > a) each(a, b, first[1], 0);
  a = b;
  for (let c = 1; c < corners.length && a < s1; c++) {
    const [t0, v0] = corners[c - 1] as readonly [number, number];
    const [t1, v1] = corners[c] as readonly [number, number];
    if (t1 <= t0) continue;
    b = upTo(t1);
    if (b > a) {
      const slope = (v1 - v0) / (t1 - t0);
      each(a, b, v0 + slope * (a / sampleRate - t0), slope / sampleRate);
    }
    a = b;
  }
  if (a < s1) each(a, s1, corners.at(-1)?.[1] ?? 0, 0);
}

/** The first frame whose time (frame / rate) is at or after t. */
function firstFrameAtOrAfter(t: number, sampleRate: number): number {
  let f = Math.ceil(t * sampleRate);
  while ((f - 1) / sampleRate >= t) f--;
  while (f / sampleRate < t) f++;
  return f;
}

/** The voice's raw samples (no envelope) for frames [from, from + into.length), all within its life. */
function readVoice(voice: MixableVoice, from: number, into: Float32Array): void {
  const end = from + into.length;
  let f = from;
  if (f < voice.sustainFrame) {
    const onset = voice.buffers.onsetData;
    const k = Math.min(end, voice.sustainFrame);
    const a = f - voice.startFrame;
    const b = k - voice.startFrame;
    into.set(onset.subarray(a, Math.min(b, onset.length)), 0);
    if (b > onset.length) into.fill(0, Math.max(0, onset.length - a), k - from);
    f = k;
  }
  const sustain = voice.buffers.sustainData;
  const period = sustain.length;
  while (f < end) {
    const pos = (f - voice.sustainFrame) % period;
    const len = Math.min(period - pos, end - f);
    into.set(sustain.subarray(pos, pos + len), f - from);
    f += len;
  }
}

/**
 * The values of a param automated through `corners` (time s, value; the first set, then a
 * linear ramp to each next) at frames [fromFrame, fromFrame + into.length): before the
 * first corner its value, after the last the last's.
 */
export function cornersInto(
  into: Float32Array,
  fromFrame: number,
  corners: readonly (readonly [number, number])[],
  sampleRate: number,
): void {
  const n = into.length;
  const first = corners[0];
  if (!first) {
    into.fill(0);
    return;
  }
  let i = 0;
  // Before the first corner: its value (a setValueAtTime holds back to the start).
  while (i < n && (fromFrame + i) / sampleRate < first[0]) into[i++] = first[1];
  for (let c = 1; c < corners.length && i < n; c++) {
    const [t0, v0] = corners[c - 1] as readonly [number, number];
    const [t1, v1] = corners[c] as readonly [number, number];
    if (t1 <= t0) continue; // a step: the next corner's value from its time on
    const slope = (v1 - v0) / (t1 - t0);
    while (i < n) {
      const t = (fromFrame + i) / sampleRate;
      if (t >= t1) break;
      into[i++] = v0 + slope * (t - t0);
    }
  }
  const last = corners.at(-1) as readonly [number, number];
  if (i < n) into.fill(last[1], i);
}
