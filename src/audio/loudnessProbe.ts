/**
 * The mix's momentary loudness, measured inside the graph (so a render measures itself
 * too): every speaker's channel K-weighted (BS.1770-4's two filters, as IIR nodes with the
 * standard's coefficients), squared, summed over the speakers, and smoothed over ~400 ms
 * (a one-pole of time constant 0.4 s, where BS.1770 uses a 400 ms block). Reading it is
 * one sample of an analyser: `momentaryLufs()` at any moment, live or at a render's
 * suspension, deterministic offline.
 */
import { kWeightingFilters, lufsOf } from '../analysis/loudness.ts';

/** The smoothing's time constant, for BS.1770's 400 ms momentary block. */
const SMOOTHING_S = 0.4;

export class LoudnessProbe {
  private readonly analyser: AnalyserNode;
  private readonly nodes: AudioNode[] = [];
  private readonly block: Float32Array<ArrayBuffer>;

  /** Measures `source` (`channels` channels, one per speaker); `pull` is a silent route to the destination. */
  constructor(raw: BaseAudioContext, source: AudioNode, channels: number, pull: AudioNode) {
    const { shelf, highPass } = kWeightingFilters(raw.sampleRate);
    const multi = <T extends AudioNode>(node: T): T => {
      node.channelCountMode = 'explicit';
      node.channelCount = channels;
      node.channelInterpretation = 'discrete';
      this.nodes.push(node);
      return node;
    };
    const stage1 = multi(raw.createIIRFilter([shelf.b0, shelf.b1, shelf.b2], [1, shelf.a1, shelf.a2]));
    const stage2 = multi(raw.createIIRFilter([highPass.b0, highPass.b1, highPass.b2], [1, highPass.a1, highPass.a2]));
    // x^2 by a curve: the input halved so the +4 dB shelf's peaks up to 2 stay on it.
    const half = multi(raw.createGain());
    half.gain.value = 0.5;
    const square = multi(raw.createWaveShaper());
    const curve = new Float32Array(8193);
    for (let i = 0; i < curve.length; i++) {
      const u = (i / (curve.length - 1)) * 2 - 1;
      curve[i] = 4 * u * u;
    }
    square.curve = curve;
    const split = raw.createChannelSplitter(channels);
    const sum = raw.createGain();
    sum.channelCountMode = 'explicit';
    sum.channelCount = 1;
    const a = Math.exp(-1 / (SMOOTHING_S * raw.sampleRate));
    const smooth = raw.createIIRFilter([1 - a], [1, -a]);
    this.analyser = raw.createAnalyser();
    this.analyser.fftSize = 128;
    this.block = new Float32Array(this.analyser.fftSize);
    source.connect(stage1);
    stage1.connect(stage2);
    stage2.connect(half);
    half.connect(square);
    square.connect(split);
    for (let c = 0; c < channels; c++) split.connect(sum, c);
    sum.connect(smooth);
    smooth.connect(this.analyser);
    this.analyser.connect(pull);
    this.nodes.push(split, sum, smooth, this.analyser);
  }

  /** Loudness of the last ~400 ms, LUFS (-Infinity in silence). */
  momentaryLufs(): number {
    this.analyser.getFloatTimeDomainData(this.block);
    return lufsOf(this.block[this.block.length - 1] ?? 0);
  }

  dispose(): void {
    for (const node of this.nodes) node.disconnect();
  }
}
