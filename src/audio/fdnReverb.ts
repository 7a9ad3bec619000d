/**
 * The hall: a feedback delay network (Jot & Chaigne 1991; Smith, "Physical Audio Signal
 * Processing", FDN reverberation) built from native nodes. Eight delay lines of mutually
 * prime lengths, each through a one-pole low-pass with the decay for the wanted T60 (one
 * IIR node: highs die first, as in a stone lobby), mixed back by a Householder matrix
 * (A = I - 2/N 11^T: lossless, every line feeds every other, one summing node instead of
 * N^2 gains).
 *
 * Why not a convolver: a 4.5 s stereo convolution costs the render thread ~67 ms per
 * second of audio on this machine, more than the whole graph may spend at 20x real time;
 * this network is 17 nodes, two per line (bench/graph-cost.ts). And it is naturally
 * multichannel: line i sounds from speaker i mod N and listens to speaker i mod N's send,
 * so the hall is as wide as the room, with a different, decorrelated tail on each speaker.
 */

export interface FdnOptions {
  /** Speakers: the input and output channel count. */
  channels: number;
  /** Time for the tail to fall by 60 dB. */
  t60S: number;
  /** Low-pass in the loop: the tail's brightness. */
  dampingHz?: number;
}

/** Delay lengths in ms: primes of samples at 48 kHz spread over 29-89 ms (echo density without flutter). */
const DELAYS_MS = [29.71, 37.13, 41.11, 43.73, 53.29, 61.73, 68.33, 89.09];

/**
 * The hall's level: its wet signal matches the 4.5 s convolution hall it replaced,
 * measured on a 90 s storm render with the dry path cut (both -19.8..-19.9 dBFS RMS). An
 * impulse into one speaker's send then leaves about -10 dB of its energy in the tail; a
 * choir, sent to several lines at once, adds up coherently across them, hence the lower
 * figure. A send that feeds k lines is scaled by 1/sqrt(k) so every layout gets the same hall.
 */
const WET_GAIN = 0.32;

export class FdnReverb {
  /** Multichannel send in, one channel per speaker: scaled to the hall's level, then split per line. */
  readonly input: GainNode;
  private readonly split: ChannelSplitterNode;
  /** Multichannel tail out: one channel per speaker. */
  readonly output: ChannelMergerNode;
  private readonly nodes: AudioNode[] = [];

  constructor(context: BaseAudioContext, options: FdnOptions) {
    const n = DELAYS_MS.length;
    const channels = Math.max(1, options.channels);
    this.split = context.createChannelSplitter(channels);
    this.output = context.createChannelMerger(channels);
    // A speaker's send feeds n/N lines (N <= n), or a line sounds from N/n speakers (N > n):
    // either way the tail's energy grows by that factor, which the input gain takes back.
    const fanOut = Math.max(n / channels, channels / n);
    const wet = context.createGain();
    wet.channelCountMode = 'explicit';
    wet.channelCount = channels;
    wet.channelInterpretation = 'discrete';
    wet.gain.value = WET_GAIN / Math.sqrt(fanOut);
    wet.connect(this.split);
    this.input = wet;
    const mix = context.createGain();
    mix.gain.value = -2 / n;
    this.nodes.push(wet, this.split, this.output, mix);
    // One-pole low-pass in the loop (highs die first, as in a stone lobby), cut-off fc.
    const a = Math.exp((-2 * Math.PI * (options.dampingHz ?? 5200)) / context.sampleRate);
    DELAYS_MS.forEach((ms, i) => {
      const delayS = ms / 1000;
      // The line's input sums the send, its own feedback and the matrix's shared part
      // (an AudioNode adds whatever is connected to it: no junction node needed).
      const delay = context.createDelay(0.2);
      delay.delayTime.value = delayS;
      // Decay and damping in one node: y = g (1 - a) x + a y[-1], unity at DC times g,
      // where g loses 60 dB over t60S.
      const g = 10 ** ((-3 * delayS) / options.t60S);
      const decay = context.createIIRFilter([g * (1 - a)], [1, -a]);
      delay.connect(decay);
      decay.connect(delay); // the identity part of the Householder matrix
      decay.connect(mix); // ... and its -2/N 11^T part, through one summing node
      mix.connect(delay);
      // Fewer speakers than lines: line i serves speaker i mod N. More: speaker c feeds line
      // c mod 8 and line i sounds from every speaker c with c mod 8 = i.
      for (let c = 0; c < channels; c++) {
        if (channels <= n ? c !== i % channels : c % n !== i) continue;
        this.split.connect(delay, c);
        decay.connect(this.output, 0, c);
      }
      this.nodes.push(delay, decay);
    });
  }

  dispose(): void {
    for (const node of this.nodes) node.disconnect();
  }
}
