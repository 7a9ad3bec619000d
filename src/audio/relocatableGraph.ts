/**
 * The choir graph as the performance sees it, able to move to another AudioContext
 * without the music losing its place.
 *
 * The performance and the conductor keep one clock for months (performance time); an
 * AudioContext's clock starts at 0 and dies with its device. So performance time is the
 * current context's time plus an offset, and every decision is shifted by it on its way
 * to the graph. When the output moves (the device lost, or back; src/audio/audioOutput.ts)
 * a new ChoirGraph is built on the new context and picks up where the old one left off:
 * the curator's master level and each layer's last target are set again, and every voice
 * that was sounding or planned is started again, those already sounding with a fade-in
 * (nothing is abrupt), so the listener hears the choir come back in, not start over.
 *
 * A context whose clock has stopped must be sent nothing more: node-web-audio-api passes
 * every change to the render thread through a channel of 256 messages that blocks the
 * sender when full (web-audio-api-rs, src/io/mod.rs), and a dead render thread never
 * empties it, so a few hundred param changes would freeze the engine's thread for good.
 * While `outputStill()` says so, layer targets and master changes are only remembered
 * (voice plans stop by themselves: the performance waits for the clock) and the latest
 * are applied once the clock moves again, here or on the next context.
 *
 * It executes decisions and nothing else, like the graph it carries.
 */
import type { ChoirGraph } from './choirGraph.ts';
import type { Decision, LayerTarget, VoiceStart } from '../conductor/decisions.ts';
import type { LayerName } from '../model/controlVector.ts';

/** What the performance loop uses of a graph (Performance calls only these). */
export type DecisionSink = Pick<ChoirGraph, 'apply' | 'setMasterDb' | 'now' | 'momentaryLufs'>;

/** Voices already sounding come back in over this long. */
const FADE_IN_S = 1.5;
/** Layer levels are restored over this long (the voices fade in anyway). */
const LAYER_RESTORE_S = 0.1;

interface SoundingVoice {
  start: VoiceStart;
  /** Performance time its sound ends (the start's own end, or sooner when released). */
  endS: number;
  /** A release decision for it, once made. */
  releasedAtS: number | undefined;
}

export class RelocatableGraph implements DecisionSink {
  private graph: ChoirGraph;
  /** Performance time = context time + offsetS. */
  private offsetS = 0;
  private readonly sounding = new Map<number, SoundingVoice>();
  private readonly layers = new Map<LayerName, LayerTarget>();
  private masterDb: number | undefined;
  private startedOnEarlierGraphs = 0;
  private moves = 0;
  private readonly outputStill: () => boolean;
  /** Layer targets or a master change remembered while the output was still. */
  private heldBack = false;

  constructor(graph: ChoirGraph, options: { outputStill?: () => boolean } = {}) {
    this.graph = graph;
    this.outputStill = options.outputStill ?? (() => false);
  }

  /** The graph on the current context (meters, stream tap). */
  get current(): ChoirGraph {
    return this.graph;
  }

  /** Performance time now: the current context's clock, shifted. */
  get now(): number {
    return this.graph.now + this.offsetS;
  }

  /** Performance time at a time of the current context's clock. */
  performanceTimeAt(contextTimeS: number): number {
    return contextTimeS + this.offsetS;
  }

  get voicesStarted(): number {
    return this.startedOnEarlierGraphs + this.graph.voicesStarted;
  }

  /** Times the music moved to another context. */
  get relocations(): number {
    return this.moves;
  }

  /** Voices remembered as sounding or planned (what a move would start again). */
  get rememberedVoices(): number {
    return this.sounding.size;
  }

  apply(decisions: readonly Decision[]): void {
    this.forgetEnded(this.now);
    for (const d of decisions) {
      if (d.type === 'start') {
        this.sounding.set(d.voiceId, { start: d, endS: d.time + d.attackS + d.holdS + d.releaseS, releasedAtS: undefined });
      } else if (d.type === 'release') {
        const voice = this.sounding.get(d.voiceId);
        if (voice && d.time + d.releaseS < voice.endS) {
          voice.endS = d.time + d.releaseS;
          voice.releasedAtS = d.time;
        }
      } else {
        this.layers.set(d.layer, d);
      }
    }
    let forward: readonly Decision[] = decisions;
    if (this.outputStill()) {
      forward = decisions.filter((d) => d.type !== 'layer');
      if (forward.length < decisions.length) this.heldBack = true;
    } else if (this.heldBack) {
      this.catchUp();
    }
    const shift = this.offsetS;
    if (forward.length > 0) this.graph.apply(shift === 0 ? forward : forward.map((d) => ({ ...d, time: d.time - shift })));
  }

  /** The mix's loudness on the current context (nothing is heard while its clock stands still). */
  momentaryLufs(): number {
    return this.outputStill() ? -Infinity : this.graph.momentaryLufs();
  }

  setMasterDb(db: number, rampS?: number): void {
    this.masterDb = db;
    if (this.outputStill()) this.heldBack = true;
    else this.graph.setMasterDb(db, rampS);
  }

  /** The output moves again: the layer targets and master held back are applied now. */
  private catchUp(): void {
    this.heldBack = false;
    const nowS = this.graph.now;
    if (this.masterDb !== undefined) this.graph.setMasterDb(this.masterDb, LAYER_RESTORE_S);
    this.graph.apply([...this.layers.values()].map((l) => ({ ...l, time: nowS, rampS: Math.max(l.rampS, LAYER_RESTORE_S) })));
  }

  /**
   * Carries on with `next` (a graph on a new context), whose clock's now is performance
   * time `resumeAtS`: where the music stopped reaching the listener on the old context.
   * The caller disposes the old graph.
   */
  moveTo(next: ChoirGraph, resumeAtS: number): void {
    this.startedOnEarlierGraphs += this.graph.voicesStarted;
    this.graph = next;
    this.offsetS = resumeAtS - next.now;
    this.moves++;
    this.forgetEnded(resumeAtS);
    this.heldBack = false;
    if (this.masterDb !== undefined) next.setMasterDb(this.masterDb, LAYER_RESTORE_S);
    const nowS = next.now;
    const restore: Decision[] = [...this.layers.values()].map((l) => ({ ...l, time: nowS, rampS: LAYER_RESTORE_S }));
    for (const voice of this.sounding.values()) {
      const again = this.restart(voice, resumeAtS);
      if (again) restore.push(...again);
    }
    next.apply(restore.map((d) => (d.type === 'layer' ? d : { ...d, time: d.time - this.offsetS })));
  }

  /** The decisions that start a voice again on a new graph (performance time), or none. */
  private restart(voice: SoundingVoice, resumeAtS: number): Decision[] | undefined {
    const { start } = voice;
    const out: Decision[] = [];
    if (start.time >= resumeAtS) {
      out.push(start); // planned, not yet begun: it starts as planned
    } else {
      const sustainEndS = start.time + start.attackS + start.holdS;
      // A voice already fading out (released, or in its own release) stays gone.
      if (voice.releasedAtS !== undefined && voice.releasedAtS <= resumeAtS) return undefined;
      if (sustainEndS <= resumeAtS) return undefined;
      const holdS = Math.max(0, sustainEndS - resumeAtS - FADE_IN_S);
      out.push({ ...start, time: resumeAtS, attackS: FADE_IN_S, holdS, releaseS: start.releaseS });
    }
    if (voice.releasedAtS !== undefined) {
      out.push({ type: 'release', voiceId: start.voiceId, time: Math.max(voice.releasedAtS, resumeAtS), releaseS: voice.endS - voice.releasedAtS, reason: 'stopped' });
    }
    return out;
  }

  private forgetEnded(nowS: number): void {
    for (const [id, voice] of this.sounding) if (voice.endS <= nowS) this.sounding.delete(id);
  }
}
