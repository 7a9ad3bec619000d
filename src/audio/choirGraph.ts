/**
 * The audio graph on a node-web-audio-api context, one channel per speaker:
 *
 *   voice: onset buffer, then sustain loop (pre-rendered at its pitch) -> envelope gain
 *          -> the layer's speaker merger, at one or two speakers (pairwise panning)
 *   layer bus (N channels): merger -> gain -> low-pass -> master
 *                                              \-> send -> hall (feedback delay network) -> master
 *   master (N channels): gain -> limiter (Tone.Limiter per speaker pair) -> ceiling
 *          (Tone.WaveShaper, -1 dBFS) -> speakers;  ceiling -> stereo fold-down -> ceiling -> meter -> taps
 *
 * Lean by measurement (issue 9, bench/graph-cost.ts): voices play pre-rendered
 * transpositions from render-quantum boundaries, which the renderer copies instead of
 * interpolating; a voice is 2-4 nodes with one automated param (its envelope), placed by
 * static gains instead of a StereoPanner (an automated pan costs more than the voice);
 * effects live on the shared layer buses; the hall is a delay network, not a convolver.
 * Voices, buses and hall are native nodes; the master chain is Tone's.
 *
 * It executes the conductor's decisions and nothing else: no musical choices here.
 * Every change ramps; voices fade in and out; nodes are released when a voice ends.
 */
import { Tone } from './tone.ts';
import { LAYERS, type LayerName } from '../model/controlVector.ts';
import type { Decision, LayerTarget, VoiceRelease, VoiceStart } from '../conductor/decisions.ts';
import { RampedParam } from './rampedParam.ts';
import { ceilingCurve, CEILING_DBFS } from './outputCeiling.ts';
import { FdnReverb } from './fdnReverb.ts';
import { isPlainStereo, panGains, panToAzimuth, ringOf, STEREO_SPEAKERS, stereoFoldDown, type Ring, type Speaker } from './speakerLayout.ts';
import { RENDER_QUANTUM, Transpositions } from './transpositions.ts';
import type { SampleBank } from '../samples/sampleBank.ts';

/** A layer's bus: native nodes automated by declarative targets. */
interface LayerBus {
  merger: ChannelMergerNode;
  gain: GainNode;
  lowpass: BiquadFilterNode;
  send: GainNode;
  gainTarget: RampedParam;
  lowpassTarget: RampedParam;
  sendTarget: RampedParam;
  /** The layer's sound after its low-pass, when metered. */
  meter?: AnalyserNode;
}

interface Voice {
  sources: AudioBufferSourceNode[];
  envelope: GainNode;
  /** Gains to speakers beyond the envelope's own: the far one of a pair, or a moving voice's path. */
  placement: GainNode[];
  endS: number;
}

/** Points per moving voice's path: a gain curve per speaker it passes (every ~0.5 s of a 24 s swell). */
const PATH_POINTS = 48;

export interface ChoirGraphOptions {
  /** Master volume in dB before the limiter (the curator's master, already capped). */
  masterDb: number;
  /** Limiter threshold; the ceiling behind it is the hard limit. */
  limiterDb?: number;
  reverbDecayS?: number;
  seed: number;
  /** The speakers, one output channel each (default: a stereo pair). */
  speakers?: readonly Speaker[];
  /** Measure each layer's level with an analyser (the live panel's meters); renders skip it. */
  layerMeters?: boolean;
}

/** Never schedule closer to "now" than this: a ramp that starts in the past is a step. */
const SCHEDULE_MARGIN_S = 0.02;

export class ChoirGraph {
  readonly context: Tone.Context;
  readonly speakers: readonly Speaker[];
  private readonly raw: BaseAudioContext;
  private readonly ring: Ring;
  private readonly transpositions: Transpositions;
  private readonly buses: Record<LayerName, LayerBus>;
  private readonly hall: FdnReverb;
  private readonly master: GainNode;
  /** The master level, ramped on the native param (see RampedParam for why not Tone's). */
  private readonly masterTarget: RampedParam;
  private readonly limiters: Tone.Limiter[] = [];
  private readonly ceiling: Tone.WaveShaper;
  /** Nodes that only route channels (splitters, mergers, fold-down gains). */
  private readonly plumbing: AudioNode[] = [];
  readonly meter: AnalyserNode;
  private readonly voices = new Map<number, Voice>();
  private disposed = false;
  voicesStarted = 0;
  unknownSamples = 0;

  constructor(raw: BaseAudioContext, bank: SampleBank, options: ChoirGraphOptions) {
    this.raw = raw;
    this.speakers = options.speakers ?? STEREO_SPEAKERS;
    const channels = this.speakers.length;
    this.ring = ringOf(this.speakers);
    this.transpositions = new Transpositions(raw, bank);
    // 'offline' clock: Tone's own ticker stays idle. We schedule on the context clock
    // ourselves, so no timers run for Tone's Transport, live or offline.
    this.context = new Tone.Context({ context: raw as unknown as AudioContext, clockSource: 'offline' });
    const context = this.context;

    const destination = raw.destination;
    if (destination.channelCount !== channels) {
      destination.channelCount = Math.min(channels, destination.maxChannelCount || channels);
    }
    // One channel per speaker, never up- or down-mixed by the speaker rules (which only know 1, 2, 4, 6).
    destination.channelInterpretation = 'discrete';

    this.master = raw.createGain();
    this.master.channelCountMode = 'explicit';
    this.master.channelCount = channels;
    this.master.channelInterpretation = 'discrete';
    this.master.gain.automationRate = 'k-rate'; // ramps of seconds (see the buses)
    this.masterTarget = new RampedParam(this.master.gain, Tone.dbToGain(options.masterDb));

    this.ceiling = new Tone.WaveShaper({ context });
    // Set on the node at once: Tone applies a curve given in its options only once the
    // context is running, which an offline context never is before it renders (a render
    // went to +12.6 dBFS that way). The ceiling must hold from the first sample.
    this.ceiling.curve = ceilingCurve(CEILING_DBFS);
    this.ceiling.oversample = 'none';
    this.connectLimiters(options.limiterDb ?? -4);
    Tone.connect(this.ceiling, destination);

    // The stereo mix every tap hears (stream, meters): the speakers folded down to a pair.
    this.meter = raw.createAnalyser();
    this.meter.fftSize = 2048;
    if (isPlainStereo(this.speakers)) {
      Tone.connect(this.ceiling, this.meter);
    } else {
      this.foldDown(this.meter);
    }
    // An analyser renders only when pulled towards the destination: a silent link does it.
    const mute = raw.createGain();
    mute.gain.value = 0;
    this.meter.connect(mute);
    mute.connect(destination);
    this.plumbing.push(mute);

    this.hall = new FdnReverb(raw, { channels, t60S: options.reverbDecayS ?? 4.5 });
    this.hall.output.connect(this.master);

    const buses = {} as Record<LayerName, LayerBus>;
    for (const layer of LAYERS) {
      const merger = raw.createChannelMerger(channels);
      const gain = raw.createGain();
      const lowpass = raw.createBiquadFilter();
      lowpass.type = 'lowpass';
      lowpass.Q.value = 0.5;
      const send = raw.createGain();
      // Bus params move in ramps of seconds: computed once per render quantum (2.7 ms) they
      // step by under 0.01 dB or a hundredth of a tone, and the renderer skips the
      // per-sample work (a low-pass otherwise recomputes its coefficients every sample, on
      // every speaker's channel: the most expensive node in the graph, bench/graph-cost.ts).
      for (const param of [gain.gain, lowpass.frequency, send.gain]) param.automationRate = 'k-rate';
      merger.connect(gain);
      gain.connect(lowpass);
      lowpass.connect(this.master);
      lowpass.connect(send);
      send.connect(this.hall.input);
      let meter: AnalyserNode | undefined;
      if (options.layerMeters) {
        meter = raw.createAnalyser();
        meter.fftSize = 2048;
        lowpass.connect(meter);
        meter.connect(mute);
      }
      buses[layer] = {
        merger,
        meter,
        gain,
        lowpass,
        send,
        gainTarget: new RampedParam(gain.gain, 0),
        lowpassTarget: new RampedParam(lowpass.frequency, 4000),
        sendTarget: new RampedParam(send.gain, 0.3),
      };
    }
    this.buses = buses;
  }

  /** master -> limiter(s) -> ceiling: one stereo-linked limiter per pair of speakers. */
  private connectLimiters(thresholdDb: number): void {
    const channels = this.speakers.length;
    const make = (): Tone.Limiter => {
      const limiter = new Tone.Limiter({ context: this.context, threshold: thresholdDb });
      this.limiters.push(limiter);
      return limiter;
    };
    if (channels <= 2) {
      const limiter = make();
      Tone.connect(this.master, limiter);
      limiter.connect(this.ceiling);
      return;
    }
    const raw = this.raw;
    const split = raw.createChannelSplitter(channels);
    const join = raw.createChannelMerger(channels);
    this.master.connect(split);
    this.plumbing.push(split, join);
    for (let first = 0; first < channels; first += 2) {
      const width = Math.min(2, channels - first);
      const pairIn = raw.createChannelMerger(width);
      const pairOut = raw.createChannelSplitter(width);
      const limiter = make();
      for (let c = 0; c < width; c++) split.connect(pairIn, first + c, c);
      Tone.connect(pairIn, limiter);
      Tone.connect(limiter, pairOut);
      for (let c = 0; c < width; c++) pairOut.connect(join, c, first + c);
      this.plumbing.push(pairIn, pairOut);
    }
    Tone.connect(join, this.ceiling);
  }

  /** ceiling -> [gain left, gain right] per speaker -> a stereo pair, into `into`. */
  private foldDown(into: AudioNode): void {
    const raw = this.raw;
    const matrix = stereoFoldDown(this.speakers);
    const split = raw.createChannelSplitter(this.speakers.length);
    const pair = raw.createChannelMerger(2);
    const sides = [raw.createGain(), raw.createGain()];
    Tone.connect(this.ceiling, split);
    this.plumbing.push(split, pair, ...sides);
    sides.forEach((side, s) => {
      side.channelCountMode = 'explicit';
      side.channelCount = 1;
      side.connect(pair, 0, s);
    });
    matrix.forEach((gains, speaker) => {
      gains.forEach((g, s) => {
        if (g < 1e-4) return;
        const tap = raw.createGain();
        tap.gain.value = g;
        split.connect(tap, speaker);
        tap.connect(sides[s] as GainNode);
        this.plumbing.push(tap);
      });
    });
    // Speakers each under the ceiling can add up past it: the pair gets its own.
    const pairCeiling = raw.createWaveShaper();
    pairCeiling.curve = ceilingCurve(CEILING_DBFS);
    pair.connect(pairCeiling);
    pairCeiling.connect(into);
    this.plumbing.push(pairCeiling);
  }

  get now(): number {
    return this.raw.currentTime;
  }

  /** The finished mix as a stereo pair (the speakers folded down): connect taps here. */
  get output(): AudioNode {
    return this.meter;
  }

  get soundingVoices(): number {
    return this.voices.size;
  }

  /** Native nodes in use by voices, for the node-count checks. */
  get voiceNodeCount(): number {
    let n = 0;
    for (const v of this.voices.values()) n += v.sources.length + 1 + v.placement.length;
    return n;
  }

  /** Pre-rendered transpositions held (bounded). */
  get transpositionsCached(): number {
    return this.transpositions.size;
  }

  apply(decisions: readonly Decision[]): void {
    if (this.disposed) return;
    for (const d of decisions) {
      if (d.type === 'start') this.startVoice(d);
      else if (d.type === 'release') this.releaseVoice(d);
      else this.setLayer(d);
    }
  }

  private at(time: number): number {
    return Math.max(time, this.raw.currentTime + SCHEDULE_MARGIN_S);
  }

  private setLayer(d: LayerTarget): void {
    const bus = this.buses[d.layer];
    const t = this.at(d.time);
    // Tolerances: 0.1 dB of gain, 3 % of cut-off (a twentieth of a tone), 2 % of send.
    bus.gainTarget.rampTo(Tone.dbToGain(d.gainDb), t, d.rampS, 0.0116);
    bus.lowpassTarget.rampTo(Math.min(16000, Math.max(80, d.lowpassHz)), t, d.rampS, 0.03);
    bus.sendTarget.rampTo(Math.min(1, Math.max(0, d.reverbSend)), t, d.rampS, 0.02);
  }

  private startVoice(d: VoiceStart): void {
    const buffers = this.transpositions.get(d.sampleId, d.rate);
    if (!buffers) {
      this.unknownSamples++;
      return;
    }
    const raw = this.raw;
    // Start on a render-quantum boundary (at most 2.7 ms late at 48 kHz), where a buffer
    // at rate 1 with no offset and no loop points is copied rather than interpolated.
    const quantum = Math.ceil((this.at(d.time) * raw.sampleRate) / RENDER_QUANTUM - 1e-6);
    const t = (quantum * RENDER_QUANTUM) / raw.sampleRate;
    const sustainAt = ((quantum + buffers.onsetQuanta) * RENDER_QUANTUM) / raw.sampleRate;
    const level = Tone.dbToGain(d.gainDb);
    const sustainEnd = t + d.attackS + d.holdS;
    const endS = sustainEnd + d.releaseS;

    const from = d.azimuthDeg ?? panToAzimuth(d.pan);
    const to = d.azimuthToDeg ?? from;
    const envelope = raw.createGain();
    const merger = this.buses[d.layer].merger;
    const placement: GainNode[] = [];
    let peak = level;
    if (Math.abs(to - from) < 1) {
      // Standing still: the nearer speaker's share rides on the envelope; the farther one's
      // is a fixed ratio of it (one node more, no automation).
      const [near, far] = panGains(this.ring, from);
      const nearGain = near?.gain ?? 1;
      peak = level * nearGain;
      envelope.connect(merger, 0, near?.speaker ?? 0);
      if (far && nearGain > 0) {
        const spread = raw.createGain();
        spread.gain.value = far.gain / nearGain;
        envelope.connect(spread);
        spread.connect(merger, 0, far.speaker);
        placement.push(spread);
      }
    } else {
      // Travelling (an aircraft's swell): a gain curve for each speaker on the path.
      for (const [speaker, curve] of pathCurves(this.ring, from, to, PATH_POINTS)) {
        const g = raw.createGain();
        g.gain.setValueCurveAtTime(curve, t, endS - t);
        envelope.connect(g);
        g.connect(merger, 0, speaker);
        placement.push(g);
      }
    }
    envelope.gain.setValueAtTime(0, t);
    envelope.gain.linearRampToValueAtTime(peak, t + d.attackS);
    envelope.gain.setValueAtTime(peak, sustainEnd);
    envelope.gain.linearRampToValueAtTime(0, endS);

    const sources: AudioBufferSourceNode[] = [];
    const onset = raw.createBufferSource();
    onset.buffer = buffers.onset;
    onset.connect(envelope);
    onset.start(t);
    sources.push(onset);
    let last = onset;
    if (sustainAt < endS) {
      const sustain = raw.createBufferSource();
      sustain.buffer = buffers.sustain;
      sustain.loop = true;
      sustain.connect(envelope);
      sustain.start(sustainAt);
      sustain.stop(endS + 0.05);
      sources.push(sustain);
      last = sustain;
    } else {
      onset.stop(endS + 0.05);
    }
    const voice: Voice = { sources, envelope, placement, endS };
    last.onended = () => this.forget(d.voiceId, voice);
    this.voices.set(d.voiceId, voice);
    this.voicesStarted++;
  }

  private releaseVoice(d: VoiceRelease): void {
    const voice = this.voices.get(d.voiceId);
    if (!voice) return;
    const t = this.at(d.time);
    const end = t + d.releaseS;
    if (end >= voice.endS) return; // it is already fading out sooner than that
    // Hold the envelope where it is at t, then fade from there: no jump, no click.
    voice.envelope.gain.cancelAndHoldAtTime(t);
    voice.envelope.gain.linearRampToValueAtTime(0, end);
    for (const source of voice.sources) source.stop(end + 0.05);
    voice.endS = end;
  }

  private forget(voiceId: number, voice: Voice): void {
    if (this.voices.get(voiceId) === voice) this.voices.delete(voiceId);
    for (const source of voice.sources) source.disconnect();
    voice.envelope.disconnect();
    for (const g of voice.placement) g.disconnect();
  }

  /** RMS of the last ~43 ms of output, in dBFS (live metering for /healthz). */
  outputRmsDbfs(): number {
    return analyserRmsDbfs(this.meter);
  }

  /**
   * Each layer's measured level (RMS of its last ~43 ms after the layer's low-pass, before
   * the master), in dBFS; null for every layer when the graph was built without meters.
   */
  layerRmsDbfs(): Record<LayerName, number | null> {
    const out = {} as Record<LayerName, number | null>;
    for (const layer of LAYERS) {
      const meter = this.buses[layer].meter;
      out[layer] = meter ? analyserRmsDbfs(meter) : null;
    }
    return out;
  }

  /** Sets the master volume with a ramp (curator volume, quiet hours). */
  setMasterDb(db: number, rampS = 3): void {
    this.masterTarget.rampTo(Tone.dbToGain(db), this.at(this.raw.currentTime), rampS);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const [id, voice] of this.voices) {
      for (const source of voice.sources) {
        try {
          source.stop();
        } catch {
          // not started yet, or stopped already: nothing to do
        }
      }
      this.forget(id, voice);
    }
    for (const bus of Object.values(this.buses)) {
      bus.merger.disconnect();
      bus.gain.disconnect();
      bus.lowpass.disconnect();
      bus.send.disconnect();
      bus.meter?.disconnect();
    }
    this.hall.dispose();
    this.master.disconnect();
    for (const limiter of this.limiters) limiter.dispose();
    this.ceiling.dispose();
    for (const node of this.plumbing) node.disconnect();
    this.meter.disconnect();
    // Not this.context.dispose(): Tone's Context.dispose() also closes the native context,
    // without awaiting it, while its owner (the live engine) closes it too; two closes at
    // once made node-web-audio-api panic ("Panic in async function", an unhandled
    // rejection at stop). The owner of the native context closes it, once. Tone's context
    // runs no timers here (clockSource 'offline'), so there is nothing else to release.
  }
}

/** Per speaker, the gains along a path from one azimuth to another (linear in angle). */
function pathCurves(ring: Ring, from: number, to: number, points: number): Map<number, Float32Array<ArrayBuffer>> {
  const curves = new Map<number, Float32Array<ArrayBuffer>>();
  for (let k = 0; k < points; k++) {
    const azimuth = from + ((to - from) * k) / (points - 1);
    for (const { speaker, gain } of panGains(ring, azimuth)) {
      let curve = curves.get(speaker);
      if (!curve) {
        curve = new Float32Array(points);
        curves.set(speaker, curve);
      }
      curve[k] = gain;
    }
  }
  return curves;
}

function analyserRmsDbfs(meter: AnalyserNode): number {
  const block = new Float32Array(meter.fftSize);
  meter.getFloatTimeDomainData(block);
  let sum = 0;
  for (const x of block) sum += x * x;
  const rms = Math.sqrt(sum / block.length);
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}
