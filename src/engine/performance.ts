/**
 * One performance of the sky: the loop that, every control period, reads the sky,
 * computes features, asks the model for controls, smooths them, lets the conductor
 * decide and hands the decisions to the audio graph. The same loop runs live (driven by
 * a timer) and offline (driven by the offline context's suspensions), so an offline
 * render is what the lobby would have heard.
 *
 * Live, a sensor reading does not wait for the next window to be heard: skyChanged runs
 * the same features, model and smoothing at once and schedules the layer buses' targets
 * at the audio clock's now (the immediate control path, docs/architecture.md); voices and
 * notes stay on the window plan.
 */
import type { Ingest } from '../ingest/ingest.ts';
import type { FeatureExtractor } from '../features/featureExtractor.ts';
import { featureIndex } from '../features/featureVector.ts';
import { readControls, CONTROL_COUNT, type Controls } from '../model/controlVector.ts';
import type { Conductor } from '../conductor/conductor.ts';
import type { DecisionSink } from '../audio/relocatableGraph.ts';
import type { ControlModel } from './controlModel.ts';
import type { Logger } from '../log/logger.ts';
import { DerivedEventDetector } from '../features/derivedEvents.ts';
import { Leveller } from './leveller.ts';
import { MAX_MASTER_DB } from '../config/config.ts';
import type { SkyMoment } from '../conductor/movements.ts';
import { DEFAULT_CURATOR_SETTINGS, masterDbAt, type CuratorSettings } from './curatorSettings.ts';
import { layerTargetsFor } from './layerTargets.ts';
import { ControlLatencyLog } from './controlLatency.ts';
import { UpdateBudget } from './updateBudget.ts';

/** Master volume changes (curator, hour, quiet hours) glide over this long. */
const MASTER_RAMP_S = 5;

/** Decisions are made in windows of this length... */
export const CONTROL_PERIOD_S = 0.5;
/** ...this far ahead of the audio clock, so a late timer never makes a late note. */
export const LOOKAHEAD_S = 0.6;
/** Controls follow the model with this time constant: the sky moves, the music glides. */
const CONTROL_SMOOTHING_S = 4;
/**
 * Live: the immediate layer-target updates' budget (a token bucket, updateBudget.ts). An
 * update costs ~0.2 ms of CPU (features 0.11, model 0.04, graph 0.07; measured on the
 * 2-vCPU VM). Up to `burst` may follow one another, one after each socket read, so no
 * reading waits on a throttle while the bucket lasts (at 100 msg/s every message got its
 * own update, p99 4 ms); at most `perSecond` are sustained, so a flood costs at most ~2 %
 * of a core, and a reading waits at most 1000 / perSecond = 10 ms on the budget. Readings
 * that wait are heard together. A burst of 50 still spreads by ~18 ms: its messages pass
 * the embedded broker and ingest on this one thread, one after another
 * (bench/control-latency.ts, docs/benchmarks.md).
 */
export const IMMEDIATE_BUDGET = { burst: 50, perSecond: 100 } as const;
/** Readings waiting for an update beyond this many are heard but not timed (a flood). */
const MAX_UNHEARD = 10_000;

export interface PerformanceParts {
  ingest: Ingest;
  features: FeatureExtractor;
  model: ControlModel;
  conductor: Conductor;
  /** The graph, as far as the performance uses it: decisions in, the master, its clock, its loudness. */
  graph: DecisionSink;
  /** Keeps the piece near this loudness over the long run (the slow leveller); none if absent. */
  loudnessTargetLufs?: number;
  /** Sky time (ms since epoch) at audio time 0. */
  skyStartMs: number;
  /** Sky time for an audio time: offline it is skyStartMs + audio time; live, the wall clock. */
  skyTimeAt?: (audioS: number) => number;
  /** The site's latitude: which half of the year is summer. */
  latitudeDeg?: number;
  log?: Logger;
  /**
   * Live only: sensor readings move the layer targets at once (skyChanged), and every
   * layer target, a window's too, is scheduled at the audio clock's now rather than a
   * window ahead, so the two kinds never overtake each other. Offline renders leave it
   * off: their layer targets stay on the window plan, and a render stays the same for the
   * same sky and seed.
   */
  immediateLayerTargets?: boolean;
}

export interface PerformanceSnapshot {
  plannedUntilS: number;
  features: number[];
  controls: number[];
  modelVersion: string;
  modelErrors: number;
  decisions: number;
}

export class Performance {
  private readonly parts: PerformanceParts;
  /** The model in use; swapModel replaces it between two windows. */
  private model: ControlModel;
  private smoothed: Float32Array | undefined;
  /** Audio time of the last smoothing step (live: steps come with windows and readings). */
  private smoothedAtS: number | undefined;
  private lastFeatures: Float32Array = new Float32Array(0);
  private nextWindow = 0;
  private busy = false;
  private halted = false;
  private readonly derived = new DerivedEventDetector();
  private settings: CuratorSettings = DEFAULT_CURATOR_SETTINGS;
  private masterDb: number | undefined;
  /** The slow loudness leveller, when a target is set. */
  private readonly leveller: Leveller | undefined;
  modelErrors = 0;
  decisions = 0;
  /** Live: the sensor messages not yet heard by any layer target, by timestamp (ms; undefined if retained). */
  private unheard: (number | undefined)[] = [];
  private cancelImmediate: (() => void) | undefined;
  private readonly immediateBudget = new UpdateBudget(IMMEDIATE_BUDGET.burst, IMMEDIATE_BUDGET.perSecond, Date.now());
  /** Live: layer-target updates made between windows, for readings. */
  immediateUpdates = 0;
  /** Live: per sensor message, its timestamp to its layer targets handed to the graph. */
  readonly controlLatency = new ControlLatencyLog();

  constructor(parts: PerformanceParts) {
    this.parts = parts;
    this.leveller = parts.loudnessTargetLufs === undefined ? undefined : new Leveller(parts.loudnessTargetLufs);
    this.model = parts.model;
    if (parts.immediateLayerTargets) {
      // A reading or a sky event is heard at once; an availability message moves no feature.
      parts.ingest.onAccepted = (message, retained) => {
        if (message.kind !== 'availability') this.skyChanged(retained ? undefined : message.measuredAtMs);
      };
    }
  }

  /**
   * Plays `next` from the next window on and returns the model it replaces (the caller
   * disposes it once this resolves). A window already being planned finishes with the old
   * model, so no window mixes two; the 4 s control smoothing glides from the old controls
   * to the new ones, so the change is heard as a slow turn, never a jump.
   */
  async swapModel(next: ControlModel): Promise<ControlModel> {
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 5));
    const previous = this.model;
    this.model = next;
    this.modelErrors = 0;
    return previous;
  }

  /** The slow leveller's offset on the master, dB (0 when there is none or it has not moved). */
  get levellerDb(): number {
    return this.leveller?.offsetDb ?? 0;
  }

  get currentModel(): ControlModel {
    return this.model;
  }

  /**
   * Stops planning and resolves once no window is being planned, so the model can be
   * released safely (a model call still running on a released ONNX session crashes).
   */
  async halt(): Promise<void> {
    this.halted = true;
    this.cancelImmediate?.();
    this.cancelImmediate = undefined;
    while (this.busy) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Plans every window that starts before audioNowS + LOOKAHEAD_S. Never throws. */
  async advance(audioNowS: number): Promise<void> {
    if (this.busy || this.halted) return; // a slow model call: the next timer tick catches up
    this.busy = true;
    try {
      while (this.nextWindow * CONTROL_PERIOD_S <= audioNowS + LOOKAHEAD_S) {
        const fromS = this.nextWindow * CONTROL_PERIOD_S;
        await this.planWindow(fromS, fromS + CONTROL_PERIOD_S);
        this.nextWindow++;
      }
    } finally {
      this.busy = false;
      this.afterBusy();
    }
  }

  /**
   * Live (ingest calls it): an accepted sensor message, a reading or a sky event, changed the sky. Its layer
   * targets follow at once: features, model and smoothing as in a window, the buses'
   * targets scheduled at the audio clock's now, as the budget (IMMEDIATE_BUDGET) allows;
   * readings that wait for it are heard together. `publishedAtMs` (the message's `ts`)
   * is timed into controlLatency; a retained message, old news, is heard but not timed.
   */
  skyChanged(publishedAtMs?: number): void {
    if (!this.parts.immediateLayerTargets || this.halted) return;
    if (this.unheard.length < MAX_UNHEARD) this.unheard.push(publishedAtMs);
    this.scheduleImmediate();
  }

  private scheduleImmediate(): void {
    if (this.cancelImmediate || this.halted) return;
    const run = (): void => {
      this.cancelImmediate = undefined;
      void this.updateLayersNow();
    };
    // At once (after the messages of the same socket read), or when the budget allows.
    const waitMs = this.immediateBudget.waitMs(Date.now());
    if (waitMs > 0) {
      const timer = setTimeout(run, waitMs);
      this.cancelImmediate = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(run);
      this.cancelImmediate = () => clearImmediate(immediate);
    }
  }

  /** The immediate control path: the layer targets for the sky as it is now. Never throws. */
  private async updateLayersNow(): Promise<void> {
    // A window being planned hears these readings, or hands them back when it is done.
    if (this.halted || this.busy || this.unheard.length === 0) return;
    this.busy = true;
    this.immediateBudget.spend(Date.now());
    try {
      const { ingest, features, conductor, graph } = this.parts;
      const nowS = graph.now;
      const heard = this.takeUnheard();
      const f = features.compute(ingest.sky, this.skyTimeAt(nowS));
      const target = await this.runModel(f);
      if (!target) return; // the model failed: the targets in force stay
      this.lastFeatures = f;
      const controls = this.smooth(target, nowS);
      graph.apply(layerTargetsFor(controls, conductor.currentMovement, this.settings, nowS));
      this.immediateUpdates++;
      this.timeHeard(heard);
    } finally {
      this.busy = false;
      this.afterBusy();
    }
  }

  /** Readings that arrived while a window or an update was busy get their own update. */
  private afterBusy(): void {
    if (this.unheard.length > 0 && !this.halted) this.scheduleImmediate();
  }

  private takeUnheard(): (number | undefined)[] {
    const heard = this.unheard;
    this.unheard = [];
    return heard;
  }

  /** The layer targets that heard these messages were just handed to the graph. */
  private timeHeard(heard: readonly (number | undefined)[]): void {
    const handedAtMs = Date.now();
    for (const publishedAtMs of heard) if (publishedAtMs !== undefined) this.controlLatency.record(handedAtMs - publishedAtMs);
  }

  private skyTimeAt(audioS: number): number {
    return this.parts.skyTimeAt?.(audioS) ?? this.parts.skyStartMs + audioS * 1000;
  }

  /** The model's controls for these features; undefined (counted, logged) if it failed. */
  private async runModel(f: Float32Array): Promise<Float32Array | undefined> {
    const model = this.model;
    try {
      const target = await model.run(f);
      if (target.length !== CONTROL_COUNT) throw new Error(`model returned ${target.length} controls, want ${CONTROL_COUNT}`);
      return target;
    } catch (err) {
      this.modelErrors++;
      this.parts.log?.warnRepeated('model-run', `model ${model.version} failed: ${(err as Error).message}; holding the last controls`);
      return undefined;
    }
  }

  get plannedUntilS(): number {
    return this.nextWindow * CONTROL_PERIOD_S;
  }

  private async planWindow(fromS: number, toS: number): Promise<void> {
    const { ingest, features, conductor, graph } = this.parts;
    const live = this.parts.immediateLayerTargets === true;
    const skyMs = this.skyTimeAt(fromS);
    const heard = this.takeUnheard();
    const f = features.compute(ingest.sky, skyMs);
    // Once a minute of sky time: the seasonal normaliser and the novelty detector learn.
    features.learn(ingest.sky, skyMs, f);
    this.lastFeatures = f;
    // A failed model call: the music goes on with the last controls it had.
    const target = (await this.runModel(f)) ?? this.smoothed ?? new Float32Array(CONTROL_COUNT).fill(0.5);
    const controls = this.smooth(target, graph.now);
    const events = ingest.sky.takeNewEvents().map((e) => ({
      kind: e.event,
      confidence: e.confidence,
      count: e.count,
      headingDeg: e.headingDeg,
    }));
    for (const kind of this.derived.update(f, skyMs)) events.push({ kind, confidence: 1, count: 1, headingDeg: undefined });
    const moment = this.moment(f, skyMs);
    const decisions = conductor.plan({
      fromS: fromS + LOOKAHEAD_S,
      toS: toS + LOOKAHEAD_S,
      controls,
      events,
      rain: f[featureIndex('precipitation')] ?? 0,
      moment,
    });
    // Master volume follows the curator, the hour and quiet hours; slowly, as a lobby would;
    // and the leveller's offset, which keeps the long run near the configured loudness.
    const levelled = this.leveller ? this.leveller.hear(graph.momentaryLufs(), graph.now) : 0;
    const master = Math.min(MAX_MASTER_DB, masterDbAt(this.settings, moment.localHour) + levelled);
    if (this.masterDb === undefined || Math.abs(master - this.masterDb) > 0.05) {
      graph.setMasterDb(master, this.masterDb === undefined ? 0.05 : MASTER_RAMP_S);
      this.masterDb = master;
    }
    this.decisions += decisions.length;
    // Live, layer targets start now, like the immediate path's: one timeline, in order.
    const nowS = graph.now;
    graph.apply(live ? decisions.map((d) => (d.type === 'layer' ? { ...d, time: nowS } : d)) : decisions);
    this.timeHeard(heard);
  }

  /** The curator's settings, from the next window on (ramped: nothing jumps). */
  setSettings(settings: CuratorSettings): void {
    this.settings = settings;
    this.parts.conductor.settings = settings;
  }

  get curatorSettings(): CuratorSettings {
    return this.settings;
  }

  /** Where in the day and the year the sky is, for the movements and the seasons. */
  private moment(f: Float32Array, skyMs: number): SkyMoment {
    const sin = f[featureIndex('time_of_day_sin')] ?? 0;
    const cos = f[featureIndex('time_of_day_cos')] ?? 1;
    const localHour = ((Math.atan2(sin, cos) / (2 * Math.PI)) * 24 + 24) % 24;
    const dayOfYear = (skyMs - Date.UTC(new Date(skyMs).getUTCFullYear(), 0, 1)) / 86_400_000;
    // Midsummer near 21 June (day 172) in the north, 21 December in the south.
    const north = (this.parts.latitudeDeg ?? 0) >= 0;
    const season = Math.cos((2 * Math.PI * (dayOfYear - 172)) / 365.25) * (north ? 1 : -1);
    return { sunElevationDeg: (f[featureIndex('sun_elevation')] ?? 0) * 90, localHour, season };
  }

  /**
   * One step of the controls' glide towards the model's target, as of audio time `atS`.
   * Offline each step is one window; live, steps come with windows and readings alike, so
   * each moves by the audio time since the last (the same glide, sampled more often).
   */
  private smooth(target: Float32Array, atS: number): Controls {
    const stepS = this.parts.immediateLayerTargets ? Math.max(0, atS - (this.smoothedAtS ?? atS)) : CONTROL_PERIOD_S;
    this.smoothedAtS = Math.max(atS, this.smoothedAtS ?? atS);
    if (!this.smoothed) {
      this.smoothed = Float32Array.from(target);
    } else {
      const a = 1 - Math.exp(-stepS / CONTROL_SMOOTHING_S);
      for (let i = 0; i < target.length; i++) {
        const s = this.smoothed[i] ?? 0;
        this.smoothed[i] = s + ((target[i] ?? s) - s) * a;
      }
    }
    return readControls(this.smoothed);
  }

  snapshot(): PerformanceSnapshot {
    return {
      plannedUntilS: this.plannedUntilS,
      features: Array.from(this.lastFeatures),
      controls: Array.from(this.smoothed ?? []),
      modelVersion: this.model.version,
      modelErrors: this.modelErrors,
      decisions: this.decisions,
    };
  }
}
