/**
 * The installation, live, in one process: embedded broker (optional), the sky's sensor
 * publisher (simulated or replayed; real readers publish on their own), MQTT ingest,
 * the performance loop on a real-time AudioContext, and the HTTP port.
 *
 * Every part that can fail at run time degrades the music instead of stopping it: no
 * sound card -> a headless context; a bad model -> the shipped one or neutral controls;
 * a lost broker -> the sky state is held and drifts; a bad sample -> left out.
 */
import { nodeCollections } from '../audio/nodeCollector.ts';
import type { AudioContext } from 'node-web-audio-api';
import { join } from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../broker/embeddedBroker.ts';
import { BrokerAccess, loadBrokerUsers } from '../broker/brokerAccess.ts';
import { ChoirGraph } from '../audio/choirGraph.ts';
import type { Transpositions } from '../audio/transpositions.ts';
import { AudioOutput, type ContextChange } from '../audio/audioOutput.ts';
import { RelocatableGraph } from '../audio/relocatableGraph.ts';
import { Conductor } from '../conductor/conductor.ts';
import { FeatureExtractor, newSkyMemory, type SkyMemory } from '../features/featureExtractor.ts';
import { SkychoirStore } from '../store/store.ts';
import { restoreSkyMemory, saveSkyMemory } from '../store/skyMemoryState.ts';
import { ActiveModelWatcher, activeVersionName, loadModelVersion } from '../model/activeModel.ts';
import { FEATURE_NAMES } from '../features/featureVector.ts';
import { CONTROL_NAMES } from '../model/controlVector.ts';
import { Ingest } from '../ingest/ingest.ts';
import { MqttIngest } from '../ingest/mqttIngest.ts';
import { loadSampleManifest } from '../samples/sampleManifest.ts';
import { SampleBank } from '../samples/sampleBank.ts';
import { MappingModel } from '../model/mappingModel.ts';
import { Performance } from './performance.ts';
import { FallbackModel } from './fallbackModel.ts';
import type { ControlModel } from './controlModel.ts';
import { SkyPublisher } from '../../sensors/skyPublisher.ts';
import { SerialReader } from '../../sensors/serial/serialReader.ts';
import { CameraReader } from '../../sensors/camera/cameraReader.ts';
import { parseSensorArgs } from '../cli/sensorCommand.ts';
import { parseCameraArgs } from '../cli/cameraCommand.ts';
import { SkySimulator } from '../../sensors/simulator/skySimulator.ts';
import { SkyLogReplay } from '../../sensors/replay/skyLogReplay.ts';
import type { SkySource } from '../../sensors/skySource.ts';
import { startHttpServer, sendJson, type HttpServer } from '../http/httpServer.ts';
import { DEFAULT_CONFIG, type Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { AudioStats, type AudioStatsSnapshot } from '../audio/audioStats.ts';
import { formatMetrics } from '../ops/prometheus.ts';
import { SdNotify } from '../ops/sdNotify.ts';
import { engineMetrics, readiness } from './engineMetrics.ts';
import { applySettingsChange, DEFAULT_CURATOR_SETTINGS, type CuratorSettings } from './curatorSettings.ts';
import { startWebStream, type WebStream, type WebStreamStats } from '../stream/webStream.ts';
import { skySnapshotFrom } from '../stream/skySnapshot.ts';
import { sunElevationDeg } from '../features/sunPosition.ts';
import { mountPanel, type MountedPanel } from '../panel/mountPanel.ts';
import { MixLoudness } from './mixLoudness.ts';
import { LiveRecorder } from './liveRecorder.ts';
import { HistoryWriter, type HistoryWriterStats } from '../store/historyWriter.ts';
import type { LiveLoudness } from '../analysis/liveLoudness.ts';
import type { SkyState } from '../ingest/skyState.ts';
import type { ControlLatencyLog, LatencySummary } from './controlLatency.ts';
import { FirstSoundWatch } from './firstSound.ts';

/** How often the performance loop looks at the audio clock. */
const TICK_MS = 100;
const ENGINE_STATE_EVERY_MS = 5000;
const MODEL_POLL_MS = 5000;
const MEMORY_SAVE_MS = 10 * 60_000;
const EMPTY_STATS: AudioStatsSnapshot = {
  averageLoad: null,
  peakLoad: null,
  underrunRatio: null,
  underrunDurationS: null,
  underrunEvents: null,
  playedS: null,
};

export interface HealthReport {
  status: 'ok' | 'degraded';
  uptimeS: number;
  site: string;
  audio: {
    /** What it sings into: 'default', 'none (headless)' or 'none (headless: device lost, retrying)'. */
    device: string;
    /** The context runs and its clock advances (a lost device stops the clock). */
    running: boolean;
    /** Times the device was lost (and the music moved to a headless context), and came back. */
    deviceLosses: number;
    deviceReturns: number;
    currentTimeS: number;
    rmsDbfs: number | null;
    /** Each layer's measured level (dBFS RMS after its low-pass), null when silent or unmetered. */
    layerRmsDbfs: Record<string, number | null>;
    /** Loudness of the live mix (EBU R128: momentary 400 ms, short-term 3 s), LUFS; null until measured. */
    loudness: LiveLoudness;
    voices: number;
    voicesStarted: number;
    stats: AudioStatsSnapshot;
    /** Seconds from the process's start until the output first exceeded -60 dBFS; null before. */
    firstSoundS: number | null;
    /** The slow loudness leveller's offset on the master, dB (docs/architecture.md). */
    levellerDb: number;
    /** Full collections asked for so that ended nodes leave the render thread (src/audio/nodeCollector.ts). */
    nodeCollections: number;
  };
  model: { version: string; errors: number };
  /**
   * The immediate control path: layer-target updates made between windows for readings,
   * and each message's timestamp to its layer targets handed to the graph (ms, the last 4096).
   */
  control: { immediateUpdates: number; latencyMs: LatencySummary | null };
  broker: { url: string; embedded: boolean; connected: boolean; refusals: { auth: number; publish: number; subscribe: number } };
  sky: string;
  stream: WebStreamStats | null;
  /** The sensor history and event log written to the store (null without a store). */
  history: HistoryWriterStats | null;
  music: { movement: string; mode: string; chordDegree: number; motifs: { kind: string; motif: string; agoS: number }[] };
  /** Each sensor: its availability, seconds since its last report, and stale once that passes the hold time (config freshness). */
  sensors: { id: string; online: boolean; ageS: number | null; stale: boolean }[];
  ingest: ReturnType<Ingest['counters']['snapshot']>;
  features: Record<string, number>;
  controls: Record<string, number>;
}

export class LiveEngine {
  private readonly config: Config;
  private readonly log: Logger;
  private broker: EmbeddedBroker | undefined;
  private output: AudioOutput | undefined;
  private context: AudioContext | undefined;
  /** The choir graph on the current context; it moves with the context, the music keeps its place. */
  private graph: RelocatableGraph | undefined;
  /** The transpositions made so far, handed from graph to graph. */
  private transpositions: Transpositions | undefined;
  private bank: SampleBank | undefined;
  /** Graphs of contexts whose device died: kept, never touched (see audioMoved). */
  private readonly deadGraphs: ChoirGraph[] = [];
  private performance: Performance | undefined;
  private conductor: Conductor | undefined;
  private stream: WebStream | undefined;
  private ingest: Ingest | undefined;
  private mqtt: MqttIngest | undefined;
  private publisher: SkyPublisher | undefined;
  private http: HttpServer | undefined;
  private model: ControlModel | undefined;
  private store: SkychoirStore | undefined;
  private memory: SkyMemory | undefined;
  private watcher: ActiveModelWatcher | undefined;
  private readonly readers: { stop(): Promise<void> }[] = [];
  private panel: MountedPanel | undefined;
  private mixLoudness: MixLoudness | undefined;
  /** The record's own connection to the store (a short busy timeout: see startRecorder). */
  private historyStore: SkychoirStore | undefined;
  private recorder: LiveRecorder | undefined;
  private timers: NodeJS.Timeout[] = [];
  private audioStats: AudioStats | undefined;
  private firstSound: FirstSoundWatch | undefined;
  private readonly systemd = new SdNotify();
  private lastAudioTimeS = -1;
  private skyDescription = 'external sensors only';
  private brokerUrl = '';
  private readonly startedAtMs = Date.now();
  private stopped = false;

  constructor(config: Config, log: Logger) {
    this.config = config;
    this.log = log;
  }

  get httpUrl(): string | undefined {
    return this.http?.url;
  }

  get brokerAddress(): string {
    return this.brokerUrl;
  }

  /** Per sensor message, its timestamp to its layer targets handed to the graph (bench/control-latency.ts reads it). */
  get controlLatency(): ControlLatencyLog | undefined {
    return this.performance?.controlLatency;
  }

  async start(): Promise<void> {
    const { config, log } = this;
    // In-process clients (ingest, built-in sky) use the embedded broker's internal user;
    // against an external broker, credentials come from the environment (secrets.env).
    let credentials: { username?: string; password?: string } = {
      username: process.env.SKYCHOIR_MQTT_USERNAME,
      password: process.env.SKYCHOIR_MQTT_PASSWORD,
    };
    if (config.broker.embedded) {
      const users = config.broker.usersFile ? loadBrokerUsers(config.broker.usersFile) : [];
      const access = new BrokerAccess(config.site, users);
      credentials = access.internal;
      this.broker = await startEmbeddedBroker({ host: config.broker.host, port: config.broker.port, access });
      this.brokerUrl = this.broker.url;
      log.info('embedded MQTT broker listening', { url: this.broker.url, users: users.length });
    } else {
      this.brokerUrl = config.broker.url ?? '';
    }

    // The device, or headless when there is none; a lost device moves the music to a
    // headless context and back when it returns (audioMoved).
    this.output = new AudioOutput({ device: config.audio.device, log, onContext: (next, change) => this.audioMoved(next, change) });
    const context = this.output.start();
    const manifest = loadSampleManifest(join(config.paths.samples, 'manifest.json'));
    const bank = await SampleBank.load(manifest, config.paths.samples, context);
    this.bank = bank;
    for (const problem of [...manifest.problems, ...bank.problems]) log.warn(problem);
    // The store (examples, model versions, the seasons' memory). Without it the engine
    // still sings, with the shipped model and a fresh memory.
    try {
      this.store = SkychoirStore.open(config.paths.store);
    } catch (err) {
      log.error(`store ${config.paths.store}: ${(err as Error).message}; running without it (nothing learnt is kept)`);
    }
    const memory = newSkyMemory();
    this.memory = memory;
    if (this.store) for (const problem of restoreSkyMemory(this.store, memory)) log.warn(problem);
    let playing = '(none)';
    if (this.store) {
      const active = activeVersionName(this.store);
      try {
        this.model = await loadModelVersion(this.store, active, config.paths.model);
        playing = active;
        log.info('mapping model loaded', { version: this.model.version, from: active });
      } catch (err) {
        log.error((err as Error).message);
      }
    }
    this.model ??= await this.loadModel();

    const ingest = new Ingest(config.site, log);
    this.ingest = ingest;
    const graph = new RelocatableGraph(this.newGraph(this.context ?? context), { outputStill: () => this.output?.still ?? false });
    this.graph = graph;
    const conductor = new Conductor({ seed: config.seed, samples: bank.infos() });
    this.conductor = conductor;
    this.performance = new Performance({
      ingest,
      features: new FeatureExtractor(config.location, config.freshness, memory),
      model: this.model,
      conductor,
      // The relocatable graph gives the performance one clock for the life of the process,
      // whichever context sings.
      graph,
      skyStartMs: Date.now() - graph.now * 1000,
      // Live, the sky's time is the wall clock at the moment that audio will sound.
      skyTimeAt: (audioS) => Date.now() + (audioS - graph.now) * 1000,
      latitudeDeg: config.location.latitudeDeg,
      log,
      loudnessTargetLufs: config.audio.loudnessTargetLufs,
      // Readings are heard at once: layer targets between windows (docs/architecture.md).
      immediateLayerTargets: true,
    });
    this.performance.setSettings({ ...DEFAULT_CURATOR_SETTINGS, masterDb: config.audio.masterDb });
    if (this.store) {
      const store = this.store;
      // `skychoir model activate|rollback` (or the panel) changes the store; the engine follows.
      this.watcher = new ActiveModelWatcher(store, this.performance, config.paths.model, playing, log);
      this.watcher.start(MODEL_POLL_MS);
      // The seasons' memory is saved every 10 minutes and at stop: a crash loses at most that.
      this.timers.push(setInterval(() => this.saveMemory(), MEMORY_SAVE_MS));
    }

    this.mqtt = new MqttIngest({ brokerUrl: this.brokerUrl, site: config.site, ...credentials }, ingest, log);
    this.mqtt.start();
    this.startReaders(credentials);
    const sky = this.skySource();
    if (sky) {
      this.skyDescription = sky.describe();
      this.publisher = new SkyPublisher({ brokerUrl: this.brokerUrl, site: config.site, source: sky, startMs: Date.now(), ...credentials });
      this.publisher.start();
      log.info('sky publisher started', { sky: this.skyDescription });
    }

    this.firstSound = new FirstSoundWatch(
      () => this.health().audio.rmsDbfs,
      (firstSoundS) => log.info('first sound', { firstSoundS, sinceStartS: Number(((Date.now() - this.startedAtMs) / 1000).toFixed(3)) }),
    );
    const performance = this.performance;
    void performance.advance(graph.now);
    this.timers.push(setInterval(() => void performance.advance(graph.now), TICK_MS));
    this.timers.push(setInterval(() => this.mqtt?.publishEngineState(this.engineState()), ENGINE_STATE_EVERY_MS));

    if (config.stream.enabled) {
      // The web stream taps the finished mix; if ffmpeg is missing or dies, its supervisor
      // retries and the lobby audio never notices.
      this.stream = startWebStream({
        context: this.context ?? context,
        tap: graph.current.output,
        config: config.stream,
        log,
        describeSky: () => {
          const now = Date.now();
          return skySnapshotFrom(ingest.sky, now, sunElevationDeg(now, config.location.latitudeDeg, config.location.longitudeDeg));
        },
      });
    }
    // The live mix's loudness, with or without the web stream (/healthz, /metrics, the panel).
    this.mixLoudness = new MixLoudness(this.context ?? context, graph.current.output);
    this.startRecorder(ingest);
    // The curator panel (/panel) needs the store: users, sessions, the audit log, the record.
    if (config.panel.enabled && this.store && this.recorder) this.panel = mountPanel({ engine: this, store: this.store, record: this.recorder, config, log });
    this.http = await startHttpServer(config.http.host, config.http.port, {
      ...(this.stream?.routes ?? {}),
      ...(this.panel?.routes ?? {}),
      '/healthz': (_req, res) => sendJson(res, 200, this.health()),
      '/readyz': (_req, res) => {
        const verdict = readiness(this.health());
        sendJson(res, verdict.ready ? 200 : 503, verdict);
      },
      '/metrics': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
        res.end(formatMetrics(engineMetrics(this.health(), { listeners: this.stream?.listeners() ?? 0 })));
      },
    });
    if (this.panel) this.http.onUpgrade(this.panel.upgrade);
    this.startWatchdog();
    log.info('skychoir is singing', { http: this.http.url, healthz: `${this.http.url}/healthz`, audio: this.output.stats().device });
  }

  /**
   * Tells systemd it is ready, then feeds its watchdog only while the audio clock moves
   * and ingest is healthy (broker connected): a frozen render thread or a lost broker
   * that does not come back lets systemd restart the engine.
   */
  private startWatchdog(): void {
    if (!this.systemd.enabled) return;
    this.systemd.ready(`singing (${this.output?.stats().device ?? 'no audio'})`);
    const every = this.systemd.watchdogIntervalMs;
    if (!every) return;
    this.timers.push(
      setInterval(() => {
        const now = this.graph?.now ?? 0;
        const advancing = now > this.lastAudioTimeS;
        this.lastAudioTimeS = now;
        if (advancing && this.mqtt?.connected) this.systemd.watchdog();
        else this.systemd.status(advancing ? 'broker lost' : 'audio clock stalled');
      }, every),
    );
  }

  /**
   * The sensor readers of the config, run inside the engine and publishing on its broker
   * (with its internal credentials). A reader whose arguments are wrong is left out with
   * a message; the rest, and the music, go on.
   */
  private startReaders(credentials: { username?: string | undefined; password?: string | undefined }): void {
    const { config, log } = this;
    for (const args of config.readers) {
      const where = `reader [${args.join(' ').slice(0, 120)}]`;
      try {
        const common = { brokerUrl: this.brokerUrl, site: config.site, username: credentials.username, password: credentials.password, log };
        if (args[0] === 'camera') {
          const options = parseCameraArgs(args.slice(1));
          if (options === 'help') continue;
          const reader = new CameraReader({ ...options, ...common });
          reader.start();
          this.readers.push(reader);
        } else {
          const options = parseSensorArgs(args, {});
          if (options === 'help') continue;
          const reader = new SerialReader({ ...options, ...common });
          reader.start();
          this.readers.push(reader);
        }
        log.info(`${where} started`);
      } catch (err) {
        log.error(`${where}: ${(err as Error).message}; left out`);
      }
    }
  }

  /**
   * The engine's record in the store: sensor history by the minute and the event log
   * (docs/operations.md). On a connection of its own that waits at most 100 ms for a
   * lock, so a backup or a training job holding the file never stalls this thread: the
   * batch is kept for the next flush. Without a store nothing is recorded.
   */
  private startRecorder(ingest: Ingest): void {
    if (!this.store) return;
    try {
      this.historyStore = SkychoirStore.open(this.config.paths.store, { busyTimeoutMs: 100 });
    } catch (err) {
      this.log.error(`history: cannot open the store for it (${(err as Error).message}); no history or event log is kept`);
      return;
    }
    const writer = new HistoryWriter(this.historyStore, {
      log: this.log,
      historyRetentionDays: this.config.history.retentionDays,
      eventRetentionDays: this.config.history.eventRetentionDays,
    });
    const recorder = new LiveRecorder(writer, {
      health: () => this.health(),
      loudness: () => this.loudnessNow(),
      motifsPlayed: () => this.conductor?.motifsPlayed ?? [],
      audioTimeS: () => this.graph?.now ?? 0,
    });
    this.recorder = recorder;
    // The performance hears accepted messages for its immediate control path; the record
    // hears them after it. A broker's retained copy was recorded when it was new.
    const performanceHears = ingest.onAccepted;
    ingest.onAccepted = (message, retained) => {
      performanceHears?.(message, retained);
      if (!retained) recorder.heard(message);
    };
    recorder.start();
  }

  /** The live mix's loudness, to 0.1 LU. */
  private loudnessNow(): LiveLoudness {
    const l = this.mixLoudness?.read() ?? { momentaryLufs: null, shortTermLufs: null };
    const tenth = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);
    return { momentaryLufs: tenth(l.momentaryLufs), shortTermLufs: tenth(l.shortTermLufs) };
  }

  private saveMemory(): void {
    if (!this.store || !this.memory) return;
    try {
      saveSkyMemory(this.store, this.memory);
    } catch (err) {
      this.log.warnRepeated('memory-save', `could not save the seasons' memory: ${(err as Error).message}`);
    }
  }

  /**
   * A choir graph on `context`, as configured (the same for every context the engine moves
   * to), sharing the transpositions already made: a move to a new context costs no resampling.
   */
  private newGraph(context: AudioContext): ChoirGraph {
    const graph = new ChoirGraph(context, this.bank as SampleBank, {
      masterDb: this.config.audio.masterDb,
      seed: this.config.seed,
      layerMeters: true,
      speakers: this.config.audio.speakers,
      transpositions: this.transpositions,
    });
    this.transpositions = graph.transpositionCache;
    return graph;
  }

  /**
   * The output moved to a new context (the device was lost, or came back): a new graph on
   * it picks up the music where the old context stopped; the stream and the render
   * statistics follow. The performance and the conductor never notice.
   */
  private audioMoved(next: AudioContext, change: ContextChange): void {
    this.context = next;
    this.audioStats?.stop();
    this.audioStats = new AudioStats(next);
    const graph = this.graph;
    if (change.reason === 'start' || !graph || !this.bank) return;
    const previous = graph.current;
    const resumeAtS = change.previousTimeS === undefined ? graph.now : graph.performanceTimeAt(change.previousTimeS);
    try {
      graph.moveTo(this.newGraph(next), resumeAtS);
    } catch (err) {
      this.log.error(`could not rebuild the choir on the new audio context: ${(err as Error).message}`);
      return;
    }
    this.stream?.retap(next, graph.current.output, change.previousAlive);
    this.mixLoudness?.retap(next, graph.current.output, change.previousAlive);
    // A dead context is sent nothing, not even a dispose (its message channel never
    // empties: src/audio/relocatableGraph.ts), and its graph stays referenced so no node
    // finalizer sends it anything either.
    if (change.previousAlive) previous.dispose();
    else this.deadGraphs.push(previous);
    this.log.info(`the choir moved to ${this.output?.stats().device ?? 'a new context'} (${change.reason}) at ${resumeAtS.toFixed(1)} s`, {
      voices: graph.current.soundingVoices,
    });
  }

  private async loadModel(): Promise<ControlModel> {
    const candidates = [this.config.paths.model, DEFAULT_CONFIG.paths.model].filter((p, i, a) => a.indexOf(p) === i);
    for (const path of candidates) {
      try {
        const model = await MappingModel.load(path);
        this.log.info('mapping model loaded', { path, version: model.version });
        return model;
      } catch (err) {
        this.log.error((err as Error).message);
      }
    }
    this.log.error('no mapping model could be loaded; singing with neutral controls');
    return new FallbackModel();
  }

  private skySource(): SkySource | undefined {
    const { config } = this;
    if (config.sky.source === 'sensors') return undefined;
    if (config.sky.source === 'replay' && config.sky.file) {
      return SkyLogReplay.fromFile(config.sky.file, { site: config.site, startMs: Date.now(), loop: true });
    }
    return new SkySimulator({
      scenario: config.sky.scenario,
      seed: config.seed,
      site: config.site,
      startMs: Date.now(),
      latitudeDeg: config.location.latitudeDeg,
      longitudeDeg: config.location.longitudeDeg,
    });
  }

  /** What the engine knows of the sky now (the panel shows it). */
  get skyState(): SkyState | undefined {
    return this.ingest?.sky;
  }

  /** The model version playing: a store version or the shipped default. */
  get modelPlaying(): string {
    return this.watcher?.playing ?? '(none)';
  }

  /** Swaps to the store's active model version now rather than at the next poll. */
  async followActiveModel(): Promise<void> {
    await this.watcher?.check();
  }

  /** The curator's settings in force. */
  get settings(): CuratorSettings {
    return this.performance?.curatorSettings ?? DEFAULT_CURATOR_SETTINGS;
  }

  /**
   * Applies a change to the curator's settings (validated; throws SettingsError with a
   * message for the panel). Heard from the next control window, with ramps.
   */
  updateSettings(change: unknown): CuratorSettings {
    const next = applySettingsChange(this.settings, change);
    this.performance?.setSettings(next);
    return next;
  }

  health(): HealthReport {
    const nowMs = Date.now();
    const context = this.context;
    const graph = this.graph?.current;
    const snapshot = this.performance?.snapshot();
    const output = this.output?.stats();
    const advancing = output?.clockAdvancing ?? false;
    // A stopped clock leaves the meter showing its last block: that is not singing.
    const rms = advancing ? (graph?.outputRmsDbfs() ?? -Infinity) : -Infinity;
    const running = context?.state === 'running' && advancing;
    const sensors = [...(this.ingest?.sky.sensors.values() ?? [])].map((s) => ({
      id: s.sensorId,
      online: s.online,
      ageS: s.lastMessageMs === undefined ? null : Math.round((nowMs - s.lastMessageMs) / 100) / 10,
      // Its readings are no longer held: they drift to the season's typical sky.
      stale: s.lastMessageMs === undefined || (nowMs - s.lastMessageMs) / 1000 > this.config.freshness.staleAfterS,
    }));
    return {
      status: running && this.mqtt?.connected ? 'ok' : 'degraded',
      uptimeS: Math.round((nowMs - this.startedAtMs) / 1000),
      site: this.config.site,
      audio: {
        device: output?.device ?? 'none',
        running,
        deviceLosses: output?.deviceLosses ?? 0,
        deviceReturns: output?.deviceReturns ?? 0,
        // The music's clock: continuous across contexts.
        currentTimeS: Number((this.graph?.now ?? 0).toFixed(2)),
        rmsDbfs: Number.isFinite(rms) ? Number(rms.toFixed(1)) : null,
        layerRmsDbfs: Object.fromEntries(
          Object.entries(graph?.layerRmsDbfs() ?? {}).map(([layer, db]) => [layer, db !== null && Number.isFinite(db) ? Number(db.toFixed(1)) : null]),
        ),
        voices: graph?.soundingVoices ?? 0,
        voicesStarted: this.graph?.voicesStarted ?? 0,
        stats: this.audioStats?.snapshot() ?? EMPTY_STATS,
        firstSoundS: this.firstSound?.firstSoundS ?? null,
        levellerDb: Number((this.performance?.levellerDb ?? 0).toFixed(2)),
        nodeCollections: nodeCollections(),
        loudness: this.loudnessNow(),
      },
      model: { version: this.performance?.currentModel.version ?? this.model?.version ?? 'none', errors: snapshot?.modelErrors ?? 0 },
      control: { immediateUpdates: this.performance?.immediateUpdates ?? 0, latencyMs: this.performance?.controlLatency.summary() ?? null },
      broker: {
        url: this.brokerUrl,
        embedded: this.config.broker.embedded,
        connected: this.mqtt?.connected ?? false,
        refusals: { ...(this.broker?.refusals ?? { auth: 0, publish: 0, subscribe: 0 }) },
      },
      sky: this.skyDescription,
      music: this.musicNow(),
      stream: this.stream?.stats() ?? null,
      history: this.recorder?.stats() ?? null,
      sensors,
      ingest: this.ingest?.counters.snapshot() ?? { accepted: 0, dropped: {}, droppedReadings: {} },
      features: Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, round3(snapshot?.features[i])])),
      controls: Object.fromEntries(CONTROL_NAMES.map((n, i) => [n, round3(snapshot?.controls[i])])),
    };
  }

  private musicNow(): HealthReport['music'] {
    const c = this.conductor;
    const now = this.graph?.now ?? 0;
    if (!c) return { movement: 'none', mode: 'none', chordDegree: 0, motifs: [] };
    return {
      movement: c.currentMovement.name,
      mode: c.currentKey.mode,
      chordDegree: c.currentChord.degree + 1,
      motifs: c.motifsPlayed.slice(-5).map((m) => ({ kind: m.kind, motif: m.motif, agoS: Math.max(0, Math.round(now - m.atS)) })),
    };
  }

  private engineState(): unknown {
    const h = this.health();
    return { v: 1, ts: new Date().toISOString(), audio: h.audio, model: h.model, controls: h.controls };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // No model swap and no window in flight from here on: the model is released below.
    this.watcher?.stop();
    await this.performance?.halt();
    this.audioStats?.stop();
    this.firstSound?.stop();
    await this.panel?.stop();
    // The record's last minute and events go to the store before it closes.
    this.recorder?.stop();
    this.historyStore?.close();
    await this.http?.close();
    await this.stream?.stop();
    await this.publisher?.stop();
    await Promise.all(this.readers.map((r) => r.stop()));
    await this.mqtt?.stop();
    this.mixLoudness?.stop();
    this.graph?.current.dispose();
    // Closes the context (one whose device died is abandoned: its close never finishes).
    await this.output?.stop();
    this.saveMemory();
    this.store?.close();
    this.store = undefined;
    const model = this.performance?.currentModel ?? this.model;
    if (model && 'dispose' in model && typeof model.dispose === 'function') {
      await (model.dispose as () => Promise<void>)();
    }
    await this.broker?.close();
    this.log.info('skychoir stopped');
  }
}

function round3(x: number | undefined): number {
  return x === undefined || !Number.isFinite(x) ? 0 : Math.round(x * 1000) / 1000;
}
