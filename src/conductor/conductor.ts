/**
 * The conductor: control vector + sky events -> musical decisions (plain data).
 *
 * It owns the key, the chord and four layer planners, each with its own forked random
 * stream so that, say, a flock answering does not change what the pad sings next.
 * Planning is windowed (fromS, toS]; the same inputs and seed give the same decisions.
 */
import type { Controls, LayerName } from '../model/controlVector.ts';
import { LAYERS } from '../model/controlVector.ts';
import type { SampleInfo } from '../samples/sampleManifest.ts';
import type { Decision, LayerTarget } from './decisions.ts';
import { chordOn, nextDegree, MODES_DARK_TO_BRIGHT, type Chord, type Key } from './harmony.ts';
import { lerp, type LayerContext, type LayerPlanner } from './layerContext.ts';
import { createRng, type Rng } from './rng.ts';
import { VoiceAllocator } from './voiceAllocator.ts';
import { DroneLayer } from './layers/droneLayer.ts';
import { PadLayer } from './layers/padLayer.ts';
import { SoloLayer } from './layers/soloLayer.ts';
import { EventLayer, type HeardEvent } from './layers/eventLayer.ts';
import { defaultPiece, type Piece } from './piece.ts';
import { DEFAULT_CURATOR_SETTINGS, type CuratorSettings } from '../engine/curatorSettings.ts';
import { MovementBlend, NOON_MOMENT, shapeControls, type BlendedMovement, type SkyMoment } from './movements.ts';

export interface ConductorOptions {
  seed: number;
  samples: readonly SampleInfo[];
  /** Movements and motifs; the shipped piece (pieces/default.json) by default. */
  piece?: Piece;
  /** Pitch class of the tonic; the piece's (D in the default piece) unless given. */
  tonicPc?: number;
}

export interface ConductorInput {
  fromS: number;
  toS: number;
  controls: Controls;
  events: readonly HeardEvent[];
  /** Rain rate, 0..1 (the precipitation feature). */
  rain: number;
  /** Where in the day and year the sky is; noon at the equinox if not given. */
  moment?: SkyMoment;
}

/** Each layer's level at full gain control, so the mix is balanced before the model. */
const LAYER_TRIM_DB: Record<LayerName, number> = { drone: 0, pad: 0, solo: 0, events: 0 };
/** The drone never falls below this gain control: the lobby never hears silence. */
const DRONE_FLOOR = 0.3;
/** Targets ramp over this long: changes are heard as motion, never as steps. */
const TARGET_RAMP_S = 2.5;

export class Conductor {
  readonly voices = new VoiceAllocator();
  private readonly samples: readonly SampleInfo[];
  private readonly rng: Rng;
  private readonly layerRng: Record<LayerName, Rng>;
  private readonly drone = new DroneLayer();
  private readonly pad = new PadLayer();
  private readonly solo = new SoloLayer();
  private readonly events: EventLayer;
  private readonly movements: MovementBlend;
  private movement: BlendedMovement;
  private readonly planners: Record<LayerName, LayerPlanner>;
  private key: Key;
  private chord: Chord;
  private nextChordAt = 0;
  /** The curator's limits (the panel); they shape every window from the next one on. */
  settings: CuratorSettings = DEFAULT_CURATOR_SETTINGS;
  private modeIndex = 2;

  constructor(options: ConductorOptions) {
    if (options.samples.length === 0) throw new Error('conductor: no samples to sing with');
    this.samples = options.samples;
    this.rng = createRng(options.seed);
    this.layerRng = { drone: this.rng.fork(), pad: this.rng.fork(), solo: this.rng.fork(), events: this.rng.fork() };
    const piece = options.piece ?? defaultPiece();
    this.events = new EventLayer(piece);
    this.movements = new MovementBlend(piece);
    this.movement = this.movements.preview(NOON_MOMENT);
    this.planners = { drone: this.drone, pad: this.pad, solo: this.solo, events: this.events };
    this.key = { tonicPc: options.tonicPc ?? piece.tonicPc, mode: MODES_DARK_TO_BRIGHT[this.modeIndex] ?? 'mixolydian' };
    this.chord = chordOn(this.key, 0, 0);
  }

  get currentKey(): Key {
    return this.key;
  }

  get currentChord(): Chord {
    return this.chord;
  }

  get currentMovement(): BlendedMovement {
    return this.movement;
  }

  /** The motifs played lately, most recent last. */
  get motifsPlayed(): readonly { kind: string; motif: string; atS: number }[] {
    return this.events.played;
  }

  plan(input: ConductorInput): Decision[] {
    const out: Decision[] = [];
    const moment = input.moment ?? NOON_MOMENT;
    this.movement = this.movements.update(moment, input.fromS, this.settings.movementByHour);
    const controls = applyCuratorLimits(shapeControls(input.controls, this.movement), this.settings);
    this.moveHarmony(controls, input.fromS, moment.season);
    this.events.hear(input.events.filter((e) => this.settings.motifs[e.kind]));
    // Rain drops are the rain's motif: off with rain_onset's switch.
    this.events.rain = this.settings.motifs.rain_onset ? input.rain : 0;
    const ctx: LayerContext = {
      fromS: input.fromS,
      toS: input.toS,
      controls,
      key: this.key,
      chord: this.chord,
      samples: this.samples,
      voices: this.voices,
      out,
      movement: this.movement,
    };
    out.push(...busTargets(controls, this.settings, input.fromS));
    for (const layer of LAYERS) {
      // A layer switched off sings nothing (its bus fades out first).
      if (this.settings.layers[layer].enabled) this.planners[layer].plan(ctx, this.layerRng[layer]);
    }
    return out.sort((a, b) => a.time - b.time);
  }

  /**
   * Chords change with the pace. The mode is chosen among the movement's modes (listed
   * dark to bright) by the music's brightness, lifted in summer and lowered in winter,
   * one step at a time and only at a chord change.
   */
  private moveHarmony(controls: Controls, fromS: number, season: number): void {
    if (fromS < this.nextChordAt) return;
    const brightness =
      (controls.layers.pad.brightness + controls.layers.solo.brightness + controls.layers.drone.brightness) / 3;
    const modes = [...this.movement.modes].sort((a, b) => MODES_DARK_TO_BRIGHT.indexOf(a) - MODES_DARK_TO_BRIGHT.indexOf(b));
    const lit = Math.min(1, Math.max(0, brightness + 0.15 * season));
    const wanted = modes[Math.round(lit * (modes.length - 1))] ?? this.key.mode;
    const wantedIndex = MODES_DARK_TO_BRIGHT.indexOf(wanted);
    if (wantedIndex !== this.modeIndex && this.rng.chance(0.5)) {
      this.modeIndex += Math.sign(wantedIndex - this.modeIndex);
      this.key = { ...this.key, mode: MODES_DARK_TO_BRIGHT[this.modeIndex] ?? this.key.mode };
    }
    this.chord = chordOn(this.key, nextDegree(this.chord.degree, this.rng), controls.tension);
    const phrase = lerp(24, 5, controls.pace);
    this.pad.phraseS = phrase;
    this.nextChordAt = fromS + phrase * this.rng.range(0.9, 1.1);
  }
}

/** Gain control 0..1 as an amplitude (0.5 is -6 dB); off below 0.02 (-34 dB). */
export function gainToDb(gain: number): number {
  return gain < 0.02 ? -80 : 20 * Math.log10(gain);
}

/**
 * The four layer buses' targets for controls already shaped by the movement and the
 * curator: what every window plans, and what the live performance schedules at once when
 * a reading moves the sky between windows (src/engine/layerTargets.ts).
 */
export function busTargets(controls: Controls, settings: CuratorSettings, time: number): LayerTarget[] {
  return LAYERS.map((layer) => {
    const c = controls.layers[layer];
    const setting = settings.layers[layer];
    // The drone's floor keeps the lobby from silence; a curator who turns a layer off wins.
    const gain = !setting.enabled ? 0 : layer === 'drone' ? Math.max(DRONE_FLOOR, c.gain) : c.gain;
    return {
      type: 'layer',
      time,
      layer,
      gainDb: gain === 0 ? -80 : LAYER_TRIM_DB[layer] + setting.trimDb + gainToDb(gain),
      // 400 Hz (dark) to 12 kHz (open), exponential so equal steps sound equal.
      lowpassHz: 400 * 30 ** c.brightness,
      reverbSend: Math.min(1, lerp(0.1, 0.9, c.space) * settings.reverbScale),
      rampS: TARGET_RAMP_S,
    };
  });
}

/** The curator's register range and density scale, over what the model and movement ask. */
export function applyCuratorLimits(controls: Controls, settings: CuratorSettings): Controls {
  if (settings.register.min === 0 && settings.register.max === 1 && settings.densityScale === 1) return controls;
  const layers = {} as Controls['layers'];
  for (const layer of LAYERS) {
    const c = controls.layers[layer];
    layers[layer] = {
      ...c,
      register: settings.register.min + c.register * (settings.register.max - settings.register.min),
      density: Math.min(1, c.density * settings.densityScale),
    };
  }
  return { ...controls, layers };
}
