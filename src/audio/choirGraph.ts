/**
 * The audio graph on a node-web-audio-api context, one channel per speaker:
 *
 *   voice: onset buffer, then sustain loop (pre-rendered at its pitch) -> envelope gain
 *          -> the layer's speaker merger, at one or two speakers (pairwise panning)
 *   layer bus (N channels): merger -> gain -> low-pass -> master
 *                                              \-> send -> hall (feedback delay network) -> master
 *   master (N channels): gain -> limiter (Tone.Limiter per speaker pair) -> ceiling
 *          (Tone.WaveShaper, -1 dBFS) -> speakers;  ceiling -> stereo fold-down -> ceiling -> meter -> taps
 *          (a render computes limiters and ceiling on its rendered samples instead: masterFinish.ts)
 *   probe: the speakers' last 0.5 s in analysers, K-weighted when read (LoudnessProbe)
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
 *
 * Times are performance time: the context's clock plus an origin. The graph keeps what it
 * was told as plain data (each voice's buffers, start and envelope; each param's ramps), so
 * it can continue on a fresh context (`continueOn`) exactly where it was: how a render of
 * hours is made in segments of minutes with bounded memory (src/render/offlineRender.ts).
 */
import { Tone } from './tone.ts';
import { LAYERS, type LayerName } from '../model/controlVector.ts';
import type { Decision, LayerTarget, VoiceRelease, VoiceStart } from '../conductor/decisions.ts';
import { RampedParam, scheduleCorners, valueOfCorners } from './rampedParam.ts';
import { ceilingCurve, CEILING_DBFS } from './outputCeiling.ts';
import { FdnReverb } from './fdnReverb.ts';
import { LoudnessProbe } from './loudnessProbe.ts';
import { isPlainStereo, panGains, panToAzimuth, ringOf, STEREO_SPEAKERS, stereoFoldDown, type Ring, type Speaker } from './speakerLayout.ts';
import { RENDER_QUANTUM, Transpositions, type VoiceBuffers } from './transpositions.ts';
import { endFrameOf, VoiceMixer, type MixableVoice, type Placement } from './voiceMix.ts';
import { nodesMade } from './nodeCollector.ts';
import { LIMITER_THRESHOLD_DB, MasterFinish } from './masterFinish.ts';
import type { SampleBank } from '../samples/sampleBank.ts';

/** A layer's bus: native nodes automated by declarative targets (BusTargets). */
interface LayerBus {
  /** Voice nodes' way in, one input per speaker (none when the voices are mixed ahead: their buffers go into `gain`). */
  merger: ChannelMergerNode | undefined;
  gain: GainNode;
  lowpass: BiquadFilterNode;
  send: GainNode;
  /** The layer's sound after its low-pass, when metered. */
  meter?: AnalyserNode;
}

/**
 * A voice as data, in performance time: enough to sound it again on another context, or
 * to mix it (voiceMix.ts). Start frames are render-quantum aligned.
 */
interface VoicePlan extends MixableVoice {
  layer: LayerName;
  buffers: VoiceBuffers;
}

/** A layer's voices mixed ahead into buffers (graphs with `mixAheadS`). */
interface Stem {
  /** Performance frame up to which the layer's voices are mixed and scheduled. */
  mixedUntil: number;
  takes: StemTake[];
}

/** One buffer of a stem, playing performance frames [from, to). */
interface StemTake {
  source: AudioBufferSourceNode;
  from: number;
  to: number;
}

/** A voice's nodes on the current context. */
interface VoiceNodes {
  sources: AudioBufferSourceNode[];
  envelope: GainNode;
  /** Gains to speakers beyond the envelope's own: the far one of a pair, or a moving voice's path. */
  placement: GainNode[];
  /** The envelope's share of the voice (the nearer speaker's gain when it stands between two). */
  scale: number;
}

interface Voice {
  plan: VoicePlan;
  nodes: VoiceNodes | undefined;
}

/** An attack this slow or slower hides the sample's onset (its first ~0.5-1.4 s). */
const SLOW_ATTACK_S = 0.5;

/** From this many speakers on, a standing voice sings from the nearest one (no phantom image). */
const SNAP_FROM_SPEAKERS = 4;

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
  /**
   * Transpositions made by an earlier graph of the same samples (one on a context lost
   * with its device): a new graph takes them over instead of making them again.
   */
  transpositions?: Transpositions;
  /**
   * Mix the voices ahead, this far past the present (s), a layer's voices into one buffer
   * per control period, instead of giving each voice nodes of its own (voiceMix.ts). For
   * renders, whose planner hands over decisions and calls `apply` every control period
   * while the render waits: set it to the planner's lookahead, so no decision lands in
   * what is already mixed. Not live: there, a JS thread that stalls longer than this
   * would silence every voice, while voice nodes sing on by themselves.
   */
  mixAheadS?: number;
  /**
   * Build the stereo fold-down and its meter for taps (default true). A render of more
   * than two speakers folds down its output itself and skips them: 20-odd nodes fewer.
   */
  taps?: boolean;
  /**
   * Build the master's limiters and ceiling into the graph (default true). A render leaves
   * them out and applies the same arithmetic to the samples it renders (`masterFinish()`,
   * masterFinish.ts, offlineRender.ts), and the loudness probe to the window it reads: on
   * 8 speakers the nodes cost the render thread a third of the graph (bench/graph-cost.ts).
   * Live, they are always in the graph: nothing reaches the speakers past them.
   */
  finishInGraph?: boolean;
}

/** Never schedule closer to "now" than this: a ramp that starts in the past is a step. */
const SCHEDULE_MARGIN_S = 0.02;

/** Ended voices are kept this long as data, so a continuation re-creates their hall tail. */
const KEEP_ENDED_S = 12;

/** Everything built on one context (the voices' nodes aside). */
interface ContextNodes {
  tone: Tone.Context;
  buses: Record<LayerName, LayerBus>;
  hall: FdnReverb;
  master: GainNode;
  limiters: Tone.Limiter[];
  /** The hard ceiling (absent when the graph's owner finishes the rendered samples). */
  ceiling: Tone.WaveShaper | undefined;
  /** The mix, one channel per speaker: the ceiling's output, or the master's when not finished here. */
  out: AudioNode;
  /** The stereo mix's meter, when the graph has taps. */
  meter: AnalyserNode | undefined;
  /** The mix's momentary loudness (the leveller's ear). */
  loudness: LoudnessProbe;
  /** Nodes that only route channels (splitters, mergers, fold-down gains, the mute). */
  plumbing: AudioNode[];
}

/** A layer bus's targets, kept across contexts. */
interface BusTargets {
  gain: RampedParam;
  lowpass: RampedParam;
  send: RampedParam;
}

export class ChoirGraph {
  readonly speakers: readonly Speaker[];
  private raw: BaseAudioContext;
  /** Performance frames at the current context's time 0 (a whole number of render quanta). */
  private originFrames = 0;
  private readonly options: ChoirGraphOptions;
  private readonly ring: Ring;
  private readonly transpositions: Transpositions;
  private nodes: ContextNodes;
  /** The master level, ramped on the native param (see RampedParam for why not Tone's). */
  private readonly masterTarget: RampedParam;
  private readonly targets: Record<LayerName, BusTargets>;
  private readonly voices = new Map<number, Voice>();
  /** Voices that ended lately, as data; and those re-created from them on this context. */
  private ended: VoicePlan[] = [];
  private echoes: VoiceNodes[] = [];
  /** Each layer's mixed voices, when the graph mixes ahead. */
  private readonly stems: Record<LayerName, Stem> | undefined;
  private mixer: VoiceMixer | undefined;
  private disposed = false;
  voicesStarted = 0;
  unknownSamples = 0;

  constructor(raw: BaseAudioContext, bank: SampleBank, options: ChoirGraphOptions) {
    this.raw = raw;
    this.options = options;
    this.speakers = options.speakers ?? STEREO_SPEAKERS;
    this.ring = ringOf(this.speakers);
    this.transpositions = options.transpositions ?? new Transpositions(raw, bank);
    this.transpositions.useContext(raw);
    this.nodes = this.build(raw);
    const now = (): number => this.now;
    this.masterTarget = new RampedParam(this.nodes.master.gain, Tone.dbToGain(options.masterDb), now);
    const targets = {} as Record<LayerName, BusTargets>;
    for (const layer of LAYERS) {
      const bus = this.nodes.buses[layer];
      targets[layer] = {
        gain: new RampedParam(bus.gain.gain, 0, now),
        lowpass: new RampedParam(bus.lowpass.frequency, 4000, now),
        send: new RampedParam(bus.send.gain, 0.3, now),
      };
    }
    this.targets = targets;
    if (options.mixAheadS !== undefined) {
      const stems = {} as Record<LayerName, Stem>;
      for (const layer of LAYERS) stems[layer] = { mixedUntil: 0, takes: [] };
      this.stems = stems;
    }
  }

  /** The Tone.js context over the current native one. */
  get context(): Tone.Context {
    return this.nodes.tone;
  }

  /** The stereo mix's meter (the speakers folded down), when the graph has taps. */
  get meter(): AnalyserNode | undefined {
    return this.nodes.meter;
  }

  private build(raw: BaseAudioContext): ContextNodes {
    const channels = this.speakers.length;
    // 'offline' clock: Tone's own ticker stays idle. We schedule on the context clock
    // ourselves, so no timers run for Tone's Transport, live or offline.
    const tone = new Tone.Context({ context: raw as unknown as AudioContext, clockSource: 'offline' });
    const plumbing: AudioNode[] = [];
    const destination = raw.destination;
    if (destination.channelCount !== channels) {
      destination.channelCount = Math.min(channels, destination.maxChannelCount || channels);
    }
    // One channel per speaker, never up- or down-mixed by the speaker rules (which only know 1, 2, 4, 6).
    destination.channelInterpretation = 'discrete';

    const master = raw.createGain();
    master.channelCountMode = 'explicit';
    master.channelCount = channels;
    master.channelInterpretation = 'discrete';
    master.gain.automationRate = 'k-rate'; // ramps of seconds (see the buses)

    let ceiling: Tone.WaveShaper | undefined;
    let out: AudioNode;
    let limiters: Tone.Limiter[] = [];
    const finishInGraph = this.options.finishInGraph ?? true;
    if (finishInGraph) {
      ceiling = new Tone.WaveShaper({ context: tone });
      // Set on the node at once: Tone applies a curve given in its options only once the
      // context is running, which an offline context never is before it renders (a render
      // went to +12.6 dBFS that way). The ceiling must hold from the first sample.
      ceiling.curve = ceilingCurve(CEILING_DBFS);
      ceiling.oversample = 'none';
      out = ceiling.output as unknown as AudioNode;
      limiters = connectLimiters(raw, tone, master, ceiling, this.options.limiterDb ?? LIMITER_THRESHOLD_DB, plumbing);
    } else {
      out = master;
    }
    out.connect(destination);

    // The stereo mix every tap hears (stream, meters): the speakers folded down to a pair.
    // An analyser renders only when pulled towards the destination: a silent link does it.
    const mute = raw.createGain();
    mute.gain.value = 0;
    mute.connect(destination);
    plumbing.push(mute);
    let meter: AnalyserNode | undefined;
    if (this.options.taps ?? true) {
      meter = raw.createAnalyser();
      meter.fftSize = 2048;
      if (isPlainStereo(this.speakers)) out.connect(meter);
      else foldDown(raw, this.speakers, out, meter, plumbing);
      meter.connect(mute);
    }

    const loudness = new LoudnessProbe(raw, out, channels, mute, finishInGraph ? undefined : this.masterFinish());

    const hall = new FdnReverb(raw, { channels, t60S: this.options.reverbDecayS ?? 4.5 });
    hall.output.connect(master);

    const buses = {} as Record<LayerName, LayerBus>;
    for (const layer of LAYERS) {
      const merger = this.options.mixAheadS === undefined ? raw.createChannelMerger(channels) : undefined;
      const gain = raw.createGain();
      // One channel per speaker, as the merger gives it or a mixed stem's buffer has it.
      gain.channelCountMode = 'explicit';
      gain.channelCount = channels;
      gain.channelInterpretation = 'discrete';
      const lowpass = raw.createBiquadFilter();
      lowpass.type = 'lowpass';
      lowpass.Q.value = 0.5;
      const send = raw.createGain();
      // Bus params move in ramps of seconds: computed once per render quantum (2.7 ms) they
      // step by under 0.01 dB or a hundredth of a tone, and the renderer skips the
      // per-sample work (a low-pass otherwise recomputes its coefficients every sample, on
      // every speaker's channel: the most expensive node in the graph, bench/graph-cost.ts).
      for (const param of [gain.gain, lowpass.frequency, send.gain]) param.automationRate = 'k-rate';
      merger?.connect(gain);
      gain.connect(lowpass);
      lowpass.connect(master);
      lowpass.connect(send);
      send.connect(hall.input);
      let layerMeter: AnalyserNode | undefined;
      if (this.options.layerMeters) {
        layerMeter = raw.createAnalyser();
        layerMeter.fftSize = 2048;
        lowpass.connect(layerMeter);
        layerMeter.connect(mute);
      }
      buses[layer] = { merger, meter: layerMeter, gain, lowpass, send };
    }
    return { tone, buses, hall, master, limiters, ceiling, out, meter, loudness, plumbing };
  }

  /** Performance time now. */
  get now(): number {
    return this.raw.currentTime + this.originS;
  }

  private get originS(): number {
    return this.originFrames / this.raw.sampleRate;
  }

  /** The finished mix as a stereo pair (the speakers folded down): connect taps here. */
  get output(): AudioNode {
    if (!this.nodes.meter) throw new Error('this graph was built without taps');
    return this.nodes.meter;
  }

  get soundingVoices(): number {
    return this.voices.size;
  }

  /** Native nodes in use by voices, for the node-count checks. */
  get voiceNodeCount(): number {
    let n = 0;
    for (const layer of LAYERS) n += this.stems?.[layer].takes.length ?? 0;
    for (const v of [...[...this.voices.values()].map((v) => v.nodes), ...this.echoes]) {
      if (v) n += v.sources.length + 1 + v.placement.length;
    }
    return n;
  }

  /** The transposition cache, to hand to a graph that takes over from this one. */
  get transpositionCache(): Transpositions {
    return this.transpositions;
  }

  /**
   * The master's limiters and ceiling as arithmetic, in the state of ones that have heard
   * nothing: for the owner of a graph built without them (`finishInGraph: false`) to apply
   * to the samples it renders, in order.
   */
  masterFinish(): MasterFinish {
    return new MasterFinish(this.speakers.length, this.raw.sampleRate, this.options.limiterDb ?? LIMITER_THRESHOLD_DB);
  }

  /** Pre-rendered transpositions held (bounded). */
  get transpositionsCached(): number {
    return this.transpositions.size;
  }

  /** Memory the cached transpositions hold (bounded with them). */
  get transpositionBytes(): number {
    return this.transpositions.bytes;
  }

  /**
   * Makes the transpositions these notes will need now rather than when they are sung (a
   * new one costs ~8 ms of the JS thread; a lobby's first minutes make most it will use).
   */
  prepare(notes: readonly { sampleId: string; rate: number }[]): void {
    for (const n of notes) this.transpositions.get(n.sampleId, n.rate);
  }

  /** Transpositions made so far and the JS time they took (ms). */
  get transpositionWork(): { made: number; ms: number } {
    return { made: this.transpositions.rendered, ms: this.transpositions.renderMs };
  }

  apply(decisions: readonly Decision[]): void {
    if (this.disposed) return;
    for (const d of decisions) {
      if (d.type === 'start') this.startVoice(d);
      else if (d.type === 'release') this.releaseVoice(d);
      else this.setLayer(d);
    }
    this.mixAhead();
  }

  /**
   * Mixes each layer's voices up to `mixAheadS` past now (or `until`, if later) and
   * schedules the buffers; lets go of voices mixed to their end (kept as data a while for
   * a continuation's hall tail).
   */
  private mixAhead(until = 0): void {
    const stems = this.stems;
    if (!stems || this.options.mixAheadS === undefined) return;
    const rate = this.raw.sampleRate;
    const quantumAtOrAfter = (s: number): number => Math.ceil((s * rate) / RENDER_QUANTUM) * RENDER_QUANTUM;
    const nowFrame = quantumAtOrAfter(this.now);
    const target = Math.max(until, quantumAtOrAfter(this.now + this.options.mixAheadS));
    for (const layer of LAYERS) {
      const stem = stems[layer];
      // Never behind the present: what the render has passed is gone (only a stalled
      // planner gets here, which a render never is).
      const from = Math.max(stem.mixedUntil, nowFrame);
      if (from < target) this.mixStem(layer, stem, from, target);
      stem.mixedUntil = Math.max(stem.mixedUntil, target);
    }
    for (const [id, voice] of this.voices) {
      if (endFrameOf(voice.plan, rate) <= stems[voice.plan.layer].mixedUntil) this.forget(id, voice);
    }
  }

  /** Mixes a layer's voices (sounding, and ended lately) over frames [from, to) into one buffer, scheduled to play there. */
  private mixStem(layer: LayerName, stem: Stem, from: number, to: number): void {
    const channels = this.speakers.length;
    const frames = to - from;
    const rate = this.raw.sampleRate;
    this.mixer ??= new VoiceMixer(channels);
    const plans = [...[...this.voices.values()].map((v) => v.plan), ...this.ended].filter((plan) => plan.layer === layer);
    const out = this.mixer.mix(from, frames, plans, rate);
    if (!out) return; // silence needs no node
    const buffer = this.raw.createBuffer(channels, frames, rate);
    // A new buffer is silent: only the channels the voices reached are copied in.
    const written = this.mixer.channelsWritten;
    out.forEach((c, k) => {
      if (written[k]) buffer.copyToChannel(c, k);
    });
    const source = this.raw.createBufferSource();
    source.buffer = buffer;
    source.connect(this.nodes.buses[layer].gain);
    // From a render-quantum boundary, at rate 1, no offset, no loop: the renderer copies it.
    source.start((from - this.originFrames) / rate);
    const take: StemTake = { source, from, to };
    source.onended = () => {
      source.disconnect();
      stem.takes = stem.takes.filter((t) => t !== take);
    };
    stem.takes.push(take);
    nodesMade(1);
  }

  /**
   * A change to a layer's voices from performance frame `frame` on (a voice starts, a
   * release): what is mixed from there is dropped, to be mixed again at the end of `apply`.
   */
  private remixFrom(layer: LayerName, frame: number): void {
    const stem = this.stems?.[layer];
    if (!stem || frame >= stem.mixedUntil) return;
    const rate = this.raw.sampleRate;
    for (const take of stem.takes) {
      if (take.to <= frame) continue;
      if (take.from >= frame) {
        // Not begun: it never plays.
        take.source.onended = null;
        take.source.disconnect();
      } else take.source.stop((frame - this.originFrames) / rate);
    }
    stem.takes = stem.takes.filter((take) => take.from < frame);
    stem.mixedUntil = frame;
  }

  /**
   * Continues on a fresh context whose time 0 is performance frame `originFrames` (a
   * whole number of render quanta): the master and the buses pick up their ramps where
   * they are, every voice sounding then (and those that ended in the last few seconds, for
   * the hall's tail) sounds again from the same sample of the same buffer with the same
   * envelope. A render continued this way matches one made in one piece once the hall has
   * forgotten what came before (test/renderSegments.test.ts).
   */
  continueOn(raw: BaseAudioContext, originFrames: number): void {
    if (this.disposed) return;
    if (originFrames % RENDER_QUANTUM !== 0) throw new Error(`continueOn: origin ${originFrames} is not a whole number of render quanta`);
    // Mixed voices are mixed again on the new context up to where they were.
    const mixedUntil = this.stems ? Math.max(...LAYERS.map((l) => this.stems?.[l].mixedUntil ?? 0)) : 0;
    this.releaseNodes();
    this.raw = raw;
    this.originFrames = originFrames;
    this.transpositions.useContext(raw);
    this.nodes = this.build(raw);
    const origin = this.originS;
    this.masterTarget.carryTo(this.nodes.master.gain, origin);
    for (const layer of LAYERS) {
      const bus = this.nodes.buses[layer];
      const t = this.targets[layer];
      t.gain.carryTo(bus.gain.gain, origin);
      t.lowpass.carryTo(bus.lowpass.frequency, origin);
      t.send.carryTo(bus.send.gain, origin);
    }
    this.ended = this.ended.filter((plan) => endOf(plan) + KEEP_ENDED_S > origin);
    if (this.stems) {
      for (const layer of LAYERS) this.stems[layer] = { mixedUntil: originFrames, takes: [] };
      this.mixAhead(mixedUntil);
      return;
    }
    for (const [id, voice] of this.voices) this.sound(id, voice);
    for (const plan of this.ended) {
      const echo: VoiceNodes | undefined = this.realise(plan, () => {
        this.echoes = this.echoes.filter((e) => e !== echo);
        if (echo) releaseVoiceNodes(echo);
      });
      if (echo) this.echoes.push(echo);
    }
  }

  private at(time: number): number {
    return Math.max(time, this.now + SCHEDULE_MARGIN_S);
  }

  private setLayer(d: LayerTarget): void {
    const t = this.targets[d.layer];
    const at = this.at(d.time);
    // Tolerances: 0.1 dB of gain, 3 % of cut-off (a twentieth of a tone), 2 % of send.
    t.gain.rampTo(Tone.dbToGain(d.gainDb), at, d.rampS, 0.0116);
    t.lowpass.rampTo(Math.min(16000, Math.max(80, d.lowpassHz)), at, d.rampS, 0.03);
    t.send.rampTo(Math.min(1, Math.max(0, d.reverbSend)), at, d.rampS, 0.02);
  }

  private startVoice(d: VoiceStart): void {
    const buffers = this.transpositions.get(d.sampleId, d.rate);
    if (!buffers) {
      this.unknownSamples++;
      return;
    }
    const rate = this.raw.sampleRate;
    // Start on a render-quantum boundary (at most 2.7 ms late at 48 kHz), where a buffer
    // at rate 1 with no offset and no loop points is copied rather than interpolated.
    const quanta = Math.ceil(((this.at(d.time) - this.originS) * rate) / RENDER_QUANTUM - 1e-6);
    const startFrame = this.originFrames + quanta * RENDER_QUANTUM;
    const t = startFrame / rate;
    const level = Tone.dbToGain(d.gainDb);
    const sustainEnd = t + d.attackS + d.holdS;
    const endS = sustainEnd + d.releaseS;
    const fromDeg = d.azimuthDeg ?? panToAzimuth(d.pan);
    const plan: VoicePlan = {
      layer: d.layer,
      buffers,
      startFrame,
      // A slow attack hides the sample's own onset: such a voice begins on its sustain loop
      // (one node fewer while it begins; most of the bed's voices, drone and pad).
      sustainFrame: startFrame + (d.attackS >= SLOW_ATTACK_S ? 0 : buffers.onsetQuanta * RENDER_QUANTUM),
      envelope: [
        [t, 0],
        [t + d.attackS, level],
        [sustainEnd, level],
        [endS, 0],
      ],
      placement: this.placementOf(fromDeg, d.azimuthToDeg ?? fromDeg, t, endS),
    };
    const voice: Voice = { plan, nodes: undefined };
    this.voices.set(d.voiceId, voice);
    if (this.stems) this.remixFrom(plan.layer, startFrame);
    else this.sound(d.voiceId, voice);
    this.voicesStarted++;
  }

  /** The speakers a voice sings from, and how much from each. */
  private placementOf(fromDeg: number, toDeg: number, startS: number, endS: number): Placement[] {
    if (Math.abs(toDeg - fromDeg) >= 1) {
      // Travelling (an aircraft's swell): each speaker on the path gets a gain that ramps
      // point to point along it.
      return [...pathPoints(this.ring, fromDeg, toDeg, startS, endS, PATH_POINTS)].map(([speaker, path]) => ({ speaker, gain: 1, path }));
    }
    const gains = panGains(this.ring, fromDeg);
    const nearest = gains.reduce((a, b) => (b.gain > a.gain ? b : a), gains[0] ?? { speaker: 0, gain: 1 });
    // Among many speakers a voice sings from the nearest one, whole: a real source, as in a
    // choir standing round the room, which listeners walking through a lobby place
    // wherever they are (a phantom image between two speakers only holds at the middle),
    // and one node a voice fewer (measured: a node costs the render thread about as much
    // as a voice's samples, bench/graph-cost.ts).
    if (this.ring.order.length >= SNAP_FROM_SPEAKERS || gains.length < 2) return [{ speaker: nearest.speaker, gain: 1 }];
    // A pair: the phantom image between them.
    return gains.map((g) => ({ speaker: g.speaker, gain: g.gain }));
  }

  /** Gives a voice its nodes on the current context; it is forgotten when they end. */
  private sound(id: number, voice: Voice): void {
    const nodes = this.realise(voice.plan, () => {
      // An ended event of a context left behind must not end the voice on the new one
      // (seen under load: the binding delivers a dropped context's ended events late, and
      // a voice went silent before its release).
      if (voice.nodes === nodes && this.now >= endOf(voice.plan)) this.forget(id, voice);
    });
    voice.nodes = nodes;
  }

  /** Builds a voice's nodes on the current context, from wherever it is at the context's start. */
  private realise(plan: VoicePlan, onEnded: () => void): VoiceNodes | undefined {
    const raw = this.raw;
    const rate = raw.sampleRate;
    const origin = this.originS;
    const endS = endOf(plan);
    if (endS + 0.05 <= origin) return undefined;
    const local = (t: number): number => Math.max(0, t - origin);
    const merger = this.nodes.buses[plan.layer].merger;
    if (!merger) throw new Error('voice nodes on a graph that mixes its voices ahead');
    const envelope = raw.createGain();
    const placement: GainNode[] = [];
    let scale = 1;
    const [first, ...others] = plan.placement;
    if (first && !first.path) {
      // The first speaker's share rides on the envelope; another's (the second of a pair,
      // for a phantom image between them) is a fixed ratio of it: one node more, no automation.
      scale = first.gain;
      envelope.connect(merger, 0, first.speaker);
      for (const p of others) {
        const spread = raw.createGain();
        spread.gain.value = p.gain / scale;
        envelope.connect(spread);
        spread.connect(merger, 0, p.speaker);
        placement.push(spread);
      }
    } else {
      for (const p of plan.placement) {
        const g = raw.createGain();
        scheduleCorners(g.gain, p.path ?? [[0, p.gain]], this.now, origin, 1);
        envelope.connect(g);
        g.connect(merger, 0, p.speaker);
        placement.push(g);
      }
    }
    scheduleCorners(envelope.gain, plan.envelope, this.now, origin, scale);

    const sources: AudioBufferSourceNode[] = [];
    const onsetFrom = plan.startFrame - this.originFrames; // frames on this context, < 0 if begun
    const sustainFrom = plan.sustainFrame - this.originFrames;
    if (sustainFrom > 0 && plan.sustainFrame > plan.startFrame) {
      const onset = raw.createBufferSource();
      onset.buffer = plan.buffers.onset;
      onset.connect(envelope);
      if (onsetFrom >= 0) onset.start(onsetFrom / rate);
      else onset.start(0, -onsetFrom / rate);
      sources.push(onset);
    }
    if (plan.sustainFrame / rate < endS) {
      const sustain = raw.createBufferSource();
      sustain.buffer = plan.buffers.sustain;
      sustain.loop = true;
      sustain.connect(envelope);
      if (sustainFrom >= 0) sustain.start(sustainFrom / rate);
      else sustain.start(0, (-sustainFrom % plan.buffers.sustain.length) / rate);
      sources.push(sustain);
    }
    for (const source of sources) source.stop(local(endS + 0.05));
    const last = sources.at(-1);
    if (!last) {
      envelope.disconnect();
      for (const g of placement) g.disconnect();
      return undefined;
    }
    last.onended = onEnded;
    nodesMade(sources.length + 1 + placement.length);
    return { sources, envelope, placement, scale };
  }

  private releaseVoice(d: VoiceRelease): void {
    const voice = this.voices.get(d.voiceId);
    if (!voice) return;
    const plan = voice.plan;
    const t = this.at(d.time);
    const end = t + d.releaseS;
    if (end >= endOf(plan)) return; // it is already fading out sooner than that
    // Hold the envelope where it is at t, then fade from there: no jump, no click.
    const held = valueOfCorners(plan.envelope, t);
    plan.envelope = [...plan.envelope.filter(([at]) => at < t), [t, held], [end, 0]];
    if (this.stems) {
      // Mixed from the quantum the release begins in on (the same samples up to t).
      this.remixFrom(plan.layer, Math.floor((t * this.raw.sampleRate) / RENDER_QUANTUM) * RENDER_QUANTUM);
      return;
    }
    const nodes = voice.nodes;
    if (!nodes) return;
    // Re-planned from now, not held at t: see RampedParam on cancelAndHoldAtTime.
    scheduleCorners(nodes.envelope.gain, plan.envelope, this.now, this.originS, nodes.scale);
    for (const source of nodes.sources) source.stop(end + 0.05 - this.originS);
  }

  private forget(voiceId: number, voice: Voice): void {
    if (this.voices.get(voiceId) === voice) {
      this.voices.delete(voiceId);
      this.ended.push(voice.plan);
      const cutoff = this.now - KEEP_ENDED_S;
      if (this.ended.length > 64) this.ended = this.ended.filter((plan) => endOf(plan) > cutoff);
    }
    if (voice.nodes) releaseVoiceNodes(voice.nodes);
    voice.nodes = undefined;
  }

  /** Loudness of the last ~400 ms of the mix, LUFS (all speakers, BS.1770 K-weighting). */
  momentaryLufs(): number {
    return this.nodes.loudness.momentaryLufs();
  }

  /** RMS of the last ~43 ms of output, in dBFS (live metering for /healthz). */
  outputRmsDbfs(): number {
    return this.nodes.meter ? analyserRmsDbfs(this.nodes.meter) : -Infinity;
  }

  /**
   * Each layer's measured level (RMS of its last ~43 ms after the layer's low-pass, before
   * the master), in dBFS; null for every layer when the graph was built without meters.
   */
  layerRmsDbfs(): Record<LayerName, number | null> {
    const out = {} as Record<LayerName, number | null>;
    for (const layer of LAYERS) {
      const meter = this.nodes.buses[layer].meter;
      out[layer] = meter ? analyserRmsDbfs(meter) : null;
    }
    return out;
  }

  /** Sets the master volume with a ramp (curator volume, quiet hours). */
  setMasterDb(db: number, rampS = 3): void {
    this.masterTarget.rampTo(Tone.dbToGain(db), this.at(this.now), rampS);
  }

  /** Stops and lets go of every node on the current context (the plans stay). */
  private releaseNodes(): void {
    for (const voice of this.voices.values()) {
      if (!voice.nodes) continue;
      stopAll(voice.nodes);
      releaseVoiceNodes(voice.nodes);
      voice.nodes = undefined;
    }
    for (const echo of this.echoes) {
      stopAll(echo);
      releaseVoiceNodes(echo);
    }
    this.echoes = [];
    for (const layer of LAYERS) {
      const stem = this.stems?.[layer];
      for (const take of stem?.takes ?? []) {
        take.source.onended = null;
        stopNow(take.source);
        take.source.disconnect();
      }
      if (stem) stem.takes = [];
    }
    const n = this.nodes;
    for (const bus of Object.values(n.buses)) {
      bus.merger?.disconnect();
      bus.gain.disconnect();
      bus.lowpass.disconnect();
      bus.send.disconnect();
      bus.meter?.disconnect();
    }
    n.hall.dispose();
    n.loudness.dispose();
    n.master.disconnect();
    for (const limiter of n.limiters) limiter.dispose();
    n.ceiling?.dispose();
    for (const node of n.plumbing) node.disconnect();
    n.meter?.disconnect();
    // Not n.tone.dispose(): Tone's Context.dispose() also closes the native context,
    // without awaiting it, while its owner (the live engine) closes it too; two closes at
    // once made node-web-audio-api panic ("Panic in async function", an unhandled
    // rejection at stop). The owner of the native context closes it, once. Tone's context
    // runs no timers here (clockSource 'offline'), so there is nothing else to release.
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseNodes();
    this.voices.clear();
    this.ended = [];
  }
}

/** master -> limiter(s) -> ceiling: one stereo-linked limiter per pair of speakers (MasterFinish computes the same). */
function connectLimiters(
  raw: BaseAudioContext,
  tone: Tone.Context,
  master: GainNode,
  ceiling: Tone.WaveShaper,
  thresholdDb: number,
  plumbing: AudioNode[],
): Tone.Limiter[] {
  const channels = master.channelCount;
  const limiters: Tone.Limiter[] = [];
  const make = (): Tone.Limiter => {
    const limiter = new Tone.Limiter({ context: tone, threshold: thresholdDb });
    limiters.push(limiter);
    return limiter;
  };
  if (channels <= 2) {
    const limiter = make();
    Tone.connect(master, limiter);
    limiter.connect(ceiling);
    return limiters;
  }
  const split = raw.createChannelSplitter(channels);
  const join = raw.createChannelMerger(channels);
  master.connect(split);
  plumbing.push(split, join);
  for (let first = 0; first < channels; first += 2) {
    const width = Math.min(2, channels - first);
    const pairIn = raw.createChannelMerger(width);
    const pairOut = raw.createChannelSplitter(width);
    const limiter = make();
    for (let c = 0; c < width; c++) split.connect(pairIn, first + c, c);
    Tone.connect(pairIn, limiter);
    Tone.connect(limiter, pairOut);
    for (let c = 0; c < width; c++) pairOut.connect(join, c, first + c);
    plumbing.push(pairIn, pairOut);
  }
  Tone.connect(join, ceiling);
  return limiters;
}

/** ceiling -> [gain left, gain right] per speaker -> a stereo pair -> its own ceiling -> `into`. */
function foldDown(raw: BaseAudioContext, speakers: readonly Speaker[], ceiling: AudioNode, into: AudioNode, plumbing: AudioNode[]): void {
  const matrix = stereoFoldDown(speakers);
  const split = raw.createChannelSplitter(speakers.length);
  const pair = raw.createChannelMerger(2);
  const sides = [raw.createGain(), raw.createGain()];
  ceiling.connect(split);
  plumbing.push(split, pair, ...sides);
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
      plumbing.push(tap);
    });
  });
  // Speakers each under the ceiling can add up past it: the pair gets its own.
  const pairCeiling = raw.createWaveShaper();
  pairCeiling.curve = ceilingCurve(CEILING_DBFS);
  pair.connect(pairCeiling);
  pairCeiling.connect(into);
  plumbing.push(pairCeiling);
}

function endOf(plan: VoicePlan): number {
  return plan.envelope.at(-1)?.[0] ?? 0;
}

function stopAll(nodes: VoiceNodes): void {
  for (const source of nodes.sources) stopNow(source);
}

function stopNow(source: AudioBufferSourceNode): void {
  try {
    source.stop();
  } catch {
    // not started yet, or stopped already: nothing to do
  }
}

function releaseVoiceNodes(nodes: VoiceNodes): void {
  for (const source of nodes.sources) {
    source.onended = null;
    source.disconnect();
  }
  nodes.envelope.disconnect();
  for (const g of nodes.placement) g.disconnect();
}

/** Per speaker, the corners (time, gain) of its gain along a path from one azimuth to another (linear in angle). */
function pathPoints(ring: Ring, from: number, to: number, startS: number, endS: number, points: number): Map<number, [number, number][]> {
  const corners = new Map<number, [number, number][]>();
  for (let k = 0; k < points; k++) {
    const f = k / (points - 1);
    const gains = new Map(panGains(ring, from + (to - from) * f).map((g) => [g.speaker, g.gain]));
    for (const speaker of new Set([...corners.keys(), ...gains.keys()])) {
      let list = corners.get(speaker);
      if (!list) {
        // A speaker joining mid-path was silent until the point before.
        list = k > 0 ? [[startS + ((endS - startS) * (k - 1)) / (points - 1), 0]] : [];
        corners.set(speaker, list);
      }
      list.push([startS + (endS - startS) * f, gains.get(speaker) ?? 0]);
    }
  }
  return corners;
}

function analyserRmsDbfs(meter: AnalyserNode): number {
  const block = new Float32Array(meter.fftSize);
  meter.getFloatTimeDomainData(block);
  let sum = 0;
  for (const x of block) sum += x * x;
  const rms = Math.sqrt(sum / block.length);
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}
