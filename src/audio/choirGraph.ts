/**
 * The audio graph, as Tone.js nodes on a node-web-audio-api context:
 *
 *   voice (buffer source -> envelope gain -> stereo panner)
 *     -> layer bus (gain -> low-pass)  -> master
 *                  \-> send gain -----> reverb (convolver) -> master
 *   master: volume -> limiter (Tone.Limiter) -> ceiling (WaveShaper, -1 dBFS) -> meter -> out
 *
 * It executes the conductor's decisions and nothing else: no musical choices here.
 * Every change ramps; voices fade in and out; nodes are released when a voice ends.
 */
import { Tone } from './tone.ts';
import { LAYERS, type LayerName } from '../model/controlVector.ts';
import type { Decision, LayerTarget, VoiceRelease, VoiceStart } from '../conductor/decisions.ts';
import { RampedParam } from './rampedParam.ts';
import { makeImpulseResponse } from './impulseResponse.ts';
import { ceilingCurve, CEILING_DBFS } from './outputCeiling.ts';
import type { SampleBank } from '../samples/sampleBank.ts';

/** A layer's bus: native nodes (3 per layer) automated by declarative targets. */
interface LayerBus {
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
  source: AudioBufferSourceNode;
  envelope: GainNode;
  panner: StereoPannerNode;
  level: number;
  endS: number;
}

export interface ChoirGraphOptions {
  /** Master volume in dB before the limiter (the curator's master, already capped). */
  masterDb: number;
  /** Limiter threshold; the ceiling behind it is the hard limit. */
  limiterDb?: number;
  reverbDecayS?: number;
  seed: number;
  /** Measure each layer's level with an analyser (the live panel's meters); renders skip it. */
  layerMeters?: boolean;
}

/** Never schedule closer to "now" than this: a ramp that starts in the past is a step. */
const SCHEDULE_MARGIN_S = 0.02;

export class ChoirGraph {
  readonly context: Tone.Context;
  private readonly raw: BaseAudioContext;
  private readonly bank: SampleBank;
  private readonly buses: Record<LayerName, LayerBus>;
  private readonly reverb: Tone.Convolver;
  private readonly master: Tone.Gain;
  /** The master level, ramped on the native param (see RampedParam for why not Tone's). */
  private readonly masterTarget: RampedParam;
  private readonly limiter: Tone.Limiter;
  private readonly ceiling: Tone.WaveShaper;
  readonly meter: AnalyserNode;
  private readonly voices = new Map<number, Voice>();
  private disposed = false;
  voicesStarted = 0;
  unknownSamples = 0;

  constructor(raw: BaseAudioContext, bank: SampleBank, options: ChoirGraphOptions) {
    this.raw = raw;
    this.bank = bank;
    // 'offline' clock: Tone's own ticker stays idle. We schedule on the context clock
    // ourselves, so no timers run for Tone's Transport, live or offline.
    this.context = new Tone.Context({ context: raw as unknown as AudioContext, clockSource: 'offline' });
    const context = this.context;
    this.master = new Tone.Gain({ context });
    this.masterTarget = new RampedParam(this.master.input.gain, Tone.dbToGain(options.masterDb));
    this.limiter = new Tone.Limiter({ context, threshold: options.limiterDb ?? -4 });
    this.ceiling = new Tone.WaveShaper({ context });
    // Set on the node at once: Tone applies a curve given in its options only once the
    // context is running, which an offline context never is before it renders (a render
    // went to +12.6 dBFS that way). The ceiling must hold from the first sample.
    this.ceiling.curve = ceilingCurve(CEILING_DBFS);
    this.ceiling.oversample = 'none';
    this.meter = raw.createAnalyser();
    this.meter.fftSize = 2048;
    this.master.chain(this.limiter, this.ceiling);
    Tone.connect(this.ceiling, this.meter);
    this.meter.connect(raw.destination);

    const [left, right] = makeImpulseResponse({
      sampleRate: raw.sampleRate,
      decayS: options.reverbDecayS ?? 4.5,
      preDelayS: 0.03,
      seed: options.seed ^ 0x5eed,
    });
    const ir = raw.createBuffer(2, left.length, raw.sampleRate);
    ir.copyToChannel(left, 0);
    ir.copyToChannel(right, 1);
    this.reverb = new Tone.Convolver({ context, url: new Tone.ToneAudioBuffer(ir), normalize: false });
    this.reverb.connect(this.master);

    const buses = {} as Record<LayerName, LayerBus>;
    for (const layer of LAYERS) {
      const gain = raw.createGain();
      const lowpass = raw.createBiquadFilter();
      lowpass.type = 'lowpass';
      lowpass.Q.value = 0.5;
      const send = raw.createGain();
      gain.connect(lowpass);
      Tone.connect(lowpass, this.master);
      lowpass.connect(send);
      Tone.connect(send, this.reverb);
      let meter: AnalyserNode | undefined;
      if (options.layerMeters) {
        meter = raw.createAnalyser();
        meter.fftSize = 2048;
        lowpass.connect(meter);
      }
      buses[layer] = {
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

  get now(): number {
    return this.raw.currentTime;
  }

  /** The finished mix (after the ceiling): connect taps here (stream encoder, meters). */
  get output(): AudioNode {
    return this.meter;
  }

  get soundingVoices(): number {
    return this.voices.size;
  }

  /** Native nodes in use by voices (3 per voice), for the node-count checks. */
  get voiceNodeCount(): number {
    return this.voices.size * 3;
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
    const sample = this.bank.get(d.sampleId);
    if (!sample) {
      this.unknownSamples++;
      return;
    }
    const raw = this.raw;
    const t = this.at(d.time);
    const source = raw.createBufferSource();
    source.buffer = sample.buffer;
    source.loop = true;
    source.loopStart = sample.info.loopStartS;
    source.loopEnd = sample.info.loopEndS;
    source.playbackRate.value = d.rate;
    const envelope = raw.createGain();
    const level = Tone.dbToGain(d.gainDb);
    const sustainEnd = t + d.attackS + d.holdS;
    const endS = sustainEnd + d.releaseS;
    envelope.gain.setValueAtTime(0, t);
    envelope.gain.linearRampToValueAtTime(level, t + d.attackS);
    envelope.gain.setValueAtTime(level, sustainEnd);
    envelope.gain.linearRampToValueAtTime(0, endS);
    const panner = raw.createStereoPanner();
    panner.pan.setValueAtTime(clampPan(d.pan), t);
    if (d.panTo !== d.pan) panner.pan.linearRampToValueAtTime(clampPan(d.panTo), endS);
    source.connect(envelope);
    envelope.connect(panner);
    panner.connect(this.buses[d.layer].gain);
    source.start(t);
    source.stop(endS + 0.05);
    const voice: Voice = { source, envelope, panner, level, endS };
    source.onended = () => this.forget(d.voiceId, voice);
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
    voice.source.stop(end + 0.05);
    voice.endS = end;
  }

  private forget(voiceId: number, voice: Voice): void {
    if (this.voices.get(voiceId) === voice) this.voices.delete(voiceId);
    voice.source.disconnect();
    voice.envelope.disconnect();
    voice.panner.disconnect();
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
      try {
        voice.source.stop();
      } catch {
        // not started yet, or stopped already: nothing to do
      }
      this.forget(id, voice);
    }
    for (const bus of Object.values(this.buses)) {
      bus.gain.disconnect();
      bus.lowpass.disconnect();
      bus.send.disconnect();
      bus.meter?.disconnect();
    }
    this.reverb.dispose();
    this.master.dispose();
    this.limiter.dispose();
    this.ceiling.dispose();
    this.meter.disconnect();
    // Not this.context.dispose(): Tone's Context.dispose() also closes the native context,
    // without awaiting it, while its owner (the live engine) closes it too; two closes at
    // once made node-web-audio-api panic ("Panic in async function", an unhandled
    // rejection at stop). The owner of the native context closes it, once. Tone's context
    // runs no timers here (clockSource 'offline'), so there is nothing else to release.
  }
}

function analyserRmsDbfs(meter: AnalyserNode): number {
  const block = new Float32Array(meter.fftSize);
  meter.getFloatTimeDomainData(block);
  let sum = 0;
  for (const x of block) sum += x * x;
  const rms = Math.sqrt(sum / block.length);
  return rms > 0 ? 20 * Math.log10(rms) : -Infinity;
}

function clampPan(p: number): number {
  return Math.min(1, Math.max(-1, p));
}
