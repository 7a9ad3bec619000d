/**
 * The mix's momentary loudness, measured inside the graph (so a render measures itself
 * too) as BS.1770-4 defines it: every speaker's channel K-weighted, mean-squared over the
 * last 400 ms, summed over the speakers. The graph only keeps the recent past, an analyser
 * per speaker; the K-weighting and the sum are done here, in JS, when a reading is asked
 * for (the leveller asks once per control period). `momentaryLufs()` at any moment, live
 * or at a render's suspension, deterministic offline.
 *
 * Why not filters in the graph: the render thread filters every sample of every speaker
 * whether anybody reads or not. Two 8-channel IIR nodes, a squaring wave shaper and a
 * smoothing filter cost 0.5 s of render-thread CPU per 30 s on 8 speakers, an eighth of the
 * graph; eight analysers copy their input and cost 0.09 s (bench/graph-cost.ts,
 * docs/benchmarks.md). Reading 8 speakers' 0.5 s here costs ~1 ms of the JS thread.
 */
import type { MasterFinish } from './masterFinish.ts';
import { kWeightPair, kWeightingFilters, lufsOf, type Biquad } from '../analysis/loudness.ts';

/** BS.1770-4's momentary block. */
const WINDOW_S = 0.4;
/**
 * Filtered before the window and thrown away, so the filters start each reading from
 * silence and have settled by the window (the 38 Hz high-pass is critically damped: its
 * transient falls 100 dB in ~60 ms).
 */
const SETTLE_S = 0.1;
/** The Web Audio API's largest analyser window. */
const MAX_FFT_SIZE = 32768;

export class LoudnessProbe {
  private readonly analysers: AnalyserNode[] = [];
  private readonly nodes: AudioNode[] = [];
  /** The speakers' recent past, one block per speaker. */
  private readonly blocks: Float32Array<ArrayBuffer>[] = [];
  private readonly finish: MasterFinish | undefined;
  private readonly windowFrames: number;
  private readonly settleFrames: number;
  private readonly shelf: Biquad;
  private readonly highPass: Biquad;
  private readonly state = new Float64Array(8);
  private readonly sums = new Float64Array(2);

  /**
   * Measures `source` (`channels` channels, one per speaker); `pull` is a silent route to
   * the destination. With `finish`, the source is the master before its limiters and
   * ceiling, which are computed on the window read (a graph whose owner finishes the
   * samples it renders: masterFinish.ts); they remember ~10 ms, which the settling covers.
   */
  constructor(
    raw: BaseAudioContext,
    source: AudioNode,
    channels: number,
    pull: AudioNode,
    finish?: MasterFinish,
  ) {
    this.finish = finish?.fresh();
    ({ shelf: this.shelf, highPass: this.highPass } = kWeightingFilters(raw.sampleRate));
    const wanted = Math.round((WINDOW_S + SETTLE_S) * raw.sampleRate);
    let fftSize = 32;
    while (fftSize < wanted && fftSize < MAX_FFT_SIZE) fftSize *= 2;
    // Above ~65 kHz the largest analyser holds less than the window and its settling.
    this.windowFrames = Math.min(
      Math.round(WINDOW_S * raw.sampleRate),
      fftSize - Math.round((SETTLE_S * raw.sampleRate) / 2),
    );
    this.settleFrames = Math.round(SETTLE_S * raw.sampleRate);
    for (let c = 0; c < channels; c++) this.blocks.push(new Float32Array(fftSize));
    const split = raw.createChannelSplitter(channels);
    source.connect(split);
    this.nodes.push(split);
    for (let c = 0; c < channels; c++) {
      const analyser = raw.createAnalyser();
      analyser.fftSize = fftSize;
      split.connect(analyser, c);
      // An analyser renders only when pulled towards the destination.
      analyser.connect(pull);
      this.analysers.push(analyser);
      this.nodes.push(analyser);
    }
  }

  /** Loudness of the last 400 ms, LUFS (-Infinity in silence). */
  momentaryLufs(): number {
    const length = this.blocks[0]?.length ?? 0;
    const settle = length - this.windowFrames;
    const from = Math.max(0, settle - this.settleFrames);
    this.analysers.forEach((analyser, c) =>
      analyser.getFloatTimeDomainData(this.blocks[c] as Float32Array<ArrayBuffer>),
    );
    // The finish, if any, as it would be heard from rest over the read frames. Nearly
    // always it is a gain after its delay: then the frames that delay earlier are weighted
    // and scaled instead of being finished first (the same sum, a pass fewer).
    let shift = 0;
    let scale = 1;
    if (this.finish) {
      const gain = this.finish.steadyGain(this.blocks.map((block) => block.subarray(from)));
      if (gain === undefined) {
        this.finish.reset();
        this.finish.process(this.blocks.map((block) => block.subarray(from)));
      } else {
        shift = Math.min(from, this.finish.delayFrames);
        scale = gain * gain;
      }
    }
    // Speakers two at a time (kWeightPair): the settling first, its sums thrown away.
    let sum = 0;
    for (let c = 0; c < this.blocks.length; c += 2) {
      const x = this.blocks[c] as Float32Array;
      const y = this.blocks[c + 1];
      this.state.fill(0);
      kWeightPair(
        x,
        y ?? x,
        from - shift,
        settle - shift,
        this.state,
        this.shelf,
        this.highPass,
        this.sums,
      );
      this.sums.fill(0);
      kWeightPair(
        x,
        y ?? x,
        settle - shift,
        length - shift,
        this.state,
        this.shelf,
        this.highPass,
        this.sums,
      );
      sum += (this.sums[0] as number) + (y ? (this.sums[1] as number) : 0);
    }
    sum *= scale;
    return lufsOf(sum / this.windowFrames);
  }

  dispose(): void {
    for (const node of this.nodes) node.disconnect();
  }
}
