/**
 * Offline render: the whole pipeline (sky -> ingest -> features -> model -> conductor ->
 * audio graph) in an OfflineAudioContext, faster than real time. The sky's messages are
 * fed through the same ingest parser the live engine uses; the performance loop runs at
 * the context's suspensions, every control period, exactly as the live timer would.
 */
import { OfflineAudioContext } from 'node-web-audio-api';
import { join } from 'node:path';
import { ChoirGraph } from '../audio/choirGraph.ts';
import { applyCeiling } from '../audio/outputCeiling.ts';
import { finishRendered, type MasterFinish } from '../audio/masterFinish.ts';
import { RENDER_QUANTUM } from '../audio/transpositions.ts';
import { isPlainStereo, STEREO_SPEAKERS, stereoFoldDown, type Speaker } from '../audio/speakerLayout.ts';
import { Conductor } from '../conductor/conductor.ts';
import { FeatureExtractor, type SiteLocation } from '../features/featureExtractor.ts';
import { Ingest } from '../ingest/ingest.ts';
import { loadSampleManifest } from '../samples/sampleManifest.ts';
import { SampleBank } from '../samples/sampleBank.ts';
import { CONTROL_PERIOD_S, LOOKAHEAD_S, Performance } from '../engine/performance.ts';
import type { ControlModel } from '../engine/controlModel.ts';
import type { SkySource } from '../../sensors/skySource.ts';
import type { Logger } from '../log/logger.ts';
import type { Config } from '../config/config.ts';
import { DEFAULT_CURATOR_SETTINGS, type CuratorSettings } from '../engine/curatorSettings.ts';

export const RENDER_SAMPLE_RATE = 48000;

/** The parts of a render that come from the engine's configuration: site, place, samples, level, speakers. */
export function renderSettingsFrom(config: Config): Pick<RenderOptions, 'site' | 'location' | 'samplesDir' | 'masterDb' | 'speakers' | 'loudnessTargetLufs'> {
  return {
    site: config.site,
    location: config.location,
    samplesDir: config.paths.samples,
    masterDb: config.audio.masterDb,
    speakers: config.audio.speakers,
    loudnessTargetLufs: config.audio.loudnessTargetLufs,
  };
}

export interface RenderOptions {
  sky: SkySource;
  skyStartMs: number;
  durationS: number;
  seed: number;
  site: string;
  location: SiteLocation;
  samplesDir: string;
  model: ControlModel;
  masterDb: number;
  /** The speakers, one channel each (default: a stereo pair). */
  speakers?: readonly Speaker[];
  /** The slow leveller's target (none if absent): renders of hours keep to it as the lobby does. */
  loudnessTargetLufs?: number;
  /** The curator's settings (a panel preview renders with the settings under test). */
  settings?: CuratorSettings;
  /** Swap to another model at this audio time, as a deploy would live (tests of the swap). */
  swap?: { atS: number; model: ControlModel };
  log?: Logger;
  onProgress?: (doneS: number, totalS: number) => void;
}

export interface RenderResult {
  /** The stereo mix: the pair itself, or the speakers folded down (what the web stream plays). */
  channels: [Float32Array, Float32Array];
  /** One channel per speaker (for a stereo pair, the same arrays as `channels`). */
  speakerChannels: Float32Array[];
  sampleRate: number;
  voicesStarted: number;
  maxSoundingVoices: number;
  decisions: number;
  messagesAccepted: number;
  messagesDropped: number;
}

/** A stretch of a render, handed over as soon as it is made (renderOfflineStream). */
export interface RenderChunk {
  /** Audio time of its first frame. */
  startS: number;
  speakerChannels: Float32Array[];
  /** The stereo mix of these frames (the pair itself, or the speakers folded down). */
  stereo: [Float32Array, Float32Array];
  /** The graph at the chunk's end: voices sounding and the native nodes they hold (bounded: the soak checks). */
  soundingVoices: number;
  voiceNodes: number;
  /** Pre-rendered transpositions held (bounded by their cache), and their memory. */
  transpositions: number;
  transpositionBytes: number;
}

export type RenderSummary = Omit<RenderResult, 'channels' | 'speakerChannels'>;

/**
 * Segments of a long render: each is rendered on its own OfflineAudioContext, so memory
 * stays at one segment's audio whatever the length (a 6 h render in one context would need
 * 8.3 GB for a stereo pair). About 250 MB of audio a segment: ~11 min for a pair, ~2.7 min
 * for 8 speakers, never under 2 min. Long ones, because node-web-audio-api keeps ~60 KB of
 * every OfflineAudioContext made, to the end of the process (measured: 300, 600 and 1200
 * contexts left 19, 39 and 69 MB; 120 s segments grew a day's render by ~50 MB).
 */
export function segmentSecondsFor(channels: number): number {
  const seconds = 250e6 / (Math.max(1, channels) * RENDER_SAMPLE_RATE * 4);
  return Math.max(120, Math.min(900, Math.round(seconds / 60) * 60));
}

/** The segment length of a stereo render. */
export const SEGMENT_S = segmentSecondsFor(2);
/**
 * Each segment after the first starts this much earlier and throws that audio away: the
 * graph continues from its own record (every voice again from the same sample, every ramp
 * where it was) and the hall and the limiter need a while to be what they were; after 8 s
 * the hall's T60 of 4.5 s has taken everything older 100 dB down.
 */
export const PREROLL_S = 8;

/**
 * Renders in segments and hands each over as it is made; the same audio as one piece
 * (test/renderSegments.test.ts). For hours of audio with bounded memory.
 */
export async function renderOfflineStream(
  options: RenderOptions & { segmentS?: number },
  onChunk: (chunk: RenderChunk) => void | Promise<void>,
): Promise<RenderSummary> {
  const rate = RENDER_SAMPLE_RATE;
  const totalFrames = Math.round(options.durationS * rate);
  const speakers = options.speakers ?? STEREO_SPEAKERS;
  const segmentFrames = quantaFrames(options.segmentS ?? segmentSecondsFor(speakers.length), rate);
  const prerollFrames = quantaFrames(PREROLL_S, rate);
  const newContext = (frames: number): OfflineAudioContext =>
    new OfflineAudioContext({ numberOfChannels: speakers.length, length: Math.max(1, frames), sampleRate: rate });

  let context = newContext(Math.min(totalFrames, segmentFrames));
  const manifest = loadSampleManifest(join(options.samplesDir, 'manifest.json'));
  const bank = await SampleBank.load(manifest, options.samplesDir, context);
  for (const problem of [...manifest.problems, ...bank.problems]) options.log?.warn(problem);

  const ingest = new Ingest(options.site, options.log);
  // No taps: nothing listens to a render while it is made, and more than two speakers are
  // folded down here from the rendered channels instead.
  // Voices mixed ahead by the planner, a layer's into one buffer per control period: the
  // render waits for the planner at every period, so nothing is ever late (voiceMix.ts).
  // The master's limiters and ceiling are computed on the rendered samples (masterFinish.ts):
  // the nodes' arithmetic, without their per-sample work on the render thread.
  const graph = new ChoirGraph(context, bank, { masterDb: options.masterDb, seed: options.seed, speakers, taps: false, mixAheadS: LOOKAHEAD_S, finishInGraph: false });
  const finish = graph.masterFinish();
  const conductor = new Conductor({ seed: options.seed, samples: bank.infos() });
  const performance = new Performance({
    ingest,
    features: new FeatureExtractor(options.location),
    model: options.model,
    conductor,
    graph,
    skyStartMs: options.skyStartMs,
    latitudeDeg: options.location.latitudeDeg,
    log: options.log,
    loudnessTargetLufs: options.loudnessTargetLufs,
  });

  performance.setSettings(options.settings ?? { ...DEFAULT_CURATOR_SETTINGS, masterDb: options.masterDb });
  let fedUntilMs = options.skyStartMs - 1;
  let maxSounding = 0;
  const step = async (audioS: number): Promise<void> => {
    const skyMs = options.skyStartMs + audioS * 1000;
    for (const p of options.sky.publicationsBetween(fedUntilMs, skyMs)) {
      ingest.receive(p.topic, Buffer.from(p.payload), p.atMs);
    }
    fedUntilMs = skyMs;
    await performance.advance(audioS);
    maxSounding = Math.max(maxSounding, graph.soundingVoices);
  };

  await step(0);
  const periods = Math.ceil(options.durationS / CONTROL_PERIOD_S);
  let nextPeriod = 1;
  try {
    for (let segmentStart = 0; segmentStart < totalFrames; segmentStart += segmentFrames) {
      const segmentEnd = Math.min(totalFrames, segmentStart + segmentFrames);
      // The context starts a pre-roll early (after the first), continuing the graph there.
      const origin = segmentStart === 0 ? 0 : segmentStart - prerollFrames;
      if (segmentStart > 0) {
        context = newContext(segmentEnd - origin);
        graph.continueOn(context, origin);
      }
      // Suspend once per control period. node-web-audio-api accepts suspensions only before
      // rendering starts (one registered inside a suspension is rejected), so a segment's
      // are all registered up front.
      let failure: Error | undefined;
      const segmentContext = context;
      // A suspension lands on the render quantum that starts at or after its time (seen:
      // suspend(0.5) stops at frame 24064), so each is asked for in the middle of that
      // quantum, counted on this context: the same frame whatever the segment.
      const quantumOf = (k: number): number => Math.ceil(Math.round(k * CONTROL_PERIOD_S * rate) / RENDER_QUANTUM);
      for (; nextPeriod < periods && quantumOf(nextPeriod) * RENDER_QUANTUM < segmentEnd; nextPeriod++) {
        const k = nextPeriod;
        const t = k * CONTROL_PERIOD_S;
        segmentContext
          .suspend((quantumOf(k) * RENDER_QUANTUM - origin - RENDER_QUANTUM / 2) / rate)
          .then(async () => {
            try {
              if (options.swap && t === Math.ceil(options.swap.atS / CONTROL_PERIOD_S) * CONTROL_PERIOD_S) {
                await performance.swapModel(options.swap.model);
              }
              await step(t);
              if (k % 120 === 0) options.onProgress?.(t, options.durationS);
            } catch (err) {
              failure ??= err as Error;
            }
            await segmentContext.resume();
          })
          .catch((err: unknown) => {
            failure ??= err as Error;
          });
      }
      // node-web-audio-api registers a suspension only when its future is first polled on
      // the binding's own thread, after suspend() has returned; a render started at once can
      // outrun registrations and reject them (InvalidStateError). Give them time to land.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const speakerChannels = await renderSegment(segmentContext, segmentStart - origin, finish);
      if (failure) throw new Error(`offline render failed: ${failure.message}`);
      await onChunk({
        startS: segmentStart / rate,
        speakerChannels,
        stereo: foldToStereo(speakers, speakerChannels),
        soundingVoices: graph.soundingVoices,
        voiceNodes: graph.voiceNodeCount,
        transpositions: graph.transpositionsCached,
        transpositionBytes: graph.transpositionBytes,
      });
    }
  } finally {
    graph.dispose();
  }
  return {
    sampleRate: rate,
    voicesStarted: graph.voicesStarted,
    maxSoundingVoices: maxSounding,
    decisions: performance.decisions,
    messagesAccepted: ingest.counters.accepted,
    messagesDropped: [...ingest.counters.dropped.values()].reduce((a, b) => a + b, 0),
  };
}

/** A whole render in memory (tests, previews, short renders): renderOfflineStream, joined. */
export async function renderOffline(options: RenderOptions & { segmentS?: number }): Promise<RenderResult> {
  const speakers = options.speakers ?? STEREO_SPEAKERS;
  const frames = Math.round(options.durationS * RENDER_SAMPLE_RATE);
  const speakerChannels = speakers.map(() => new Float32Array(frames));
  const stereo: [Float32Array, Float32Array] = isPlainStereo(speakers)
    ? [speakerChannels[0] as Float32Array, speakerChannels[1] as Float32Array]
    : [new Float32Array(frames), new Float32Array(frames)];
  const summary = await renderOfflineStream(options, (chunk) => {
    const at = Math.round(chunk.startS * RENDER_SAMPLE_RATE);
    chunk.speakerChannels.forEach((x, c) => speakerChannels[c]?.set(x, at));
    if (!isPlainStereo(speakers)) chunk.stereo.forEach((x, c) => stereo[c]?.set(x, at));
  });
  return { ...summary, channels: stereo, speakerChannels };
}

function quantaFrames(seconds: number, rate: number): number {
  return Math.max(RENDER_QUANTUM, Math.round((seconds * rate) / RENDER_QUANTUM) * RENDER_QUANTUM);
}

/** The speakers folded down to a pair by the same matrix and ceiling as the graph's stream tap. */
export function foldToStereo(speakers: readonly Speaker[], channels: readonly Float32Array[]): [Float32Array, Float32Array] {
  if (isPlainStereo(speakers) && channels[0] && channels[1]) return [channels[0], channels[1]];
  const frames = channels[0]?.length ?? 0;
  const left = new Float32Array(frames);
  const right = new Float32Array(frames);
  stereoFoldDown(speakers).forEach(([gl, gr], c) => {
    const x = channels[c];
    if (!x) return;
    for (let i = 0; i < frames; i++) {
      left[i] = (left[i] ?? 0) + gl * (x[i] ?? 0);
      right[i] = (right[i] ?? 0) + gr * (x[i] ?? 0);
    }
  });
  // Speakers each under the ceiling can add up past it: the pair gets its own.
  applyCeiling(left);
  applyCeiling(right);
  return [left, right];
}

/**
 * Renders a context, copies its channels out from a frame on and finishes them (the
 * master's limiters and ceiling, continuing from the segment before). The rendered buffer is a
 * segment of native memory (~250 MB) that is freed only when its wrapper is collected, and
 * the binding hands the same wrapper to a 'complete' event it dispatches on the next turn
 * of the loop: so the buffer is let go of here, and that turn awaited, before the copy is
 * handed on. Else, whoever takes the chunk holds two segments: the copy and the original.
 */
async function renderSegment(context: OfflineAudioContext, fromFrame: number, finish: MasterFinish): Promise<Float32Array[]> {
  const buffer = await context.startRendering();
  // Copied out: the binding's channel views point into native memory that is freed
  // with the buffer, and a view kept past that crashed the process (seen here).
  const copies = finishRendered(buffer, fromFrame, finish);
  await new Promise((resolve) => setImmediate(resolve));
  return copies;
}

