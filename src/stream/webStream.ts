/**
 * Web stream listening, assembled: the mix tap feeds one supervised ffmpeg per format
 * (Ogg/Opus, MP3, optionally HLS), each format's hub serves its listeners, the Icecast
 * push forwards one of them, and /listen and /now describe the sky in words.
 *
 *   graph.output -> mixTap (ScriptProcessor, s16le) -> encoder (ffmpeg) -> pages/frames
 *     -> hub -> /live.ogg, /live.mp3 listeners (burst, ICY titles, slow ones dropped)
 *            -> Icecast push (raw-socket PUT, reconnects)
 *
 * startWebStream is the one entry point; the engine mounts its routes on its HTTP port.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdirSync } from 'node:fs';
import { startMixTap, type MixTap } from './mixTap.ts';
import { SupervisedEncoder, PCM_BYTES_PER_S, type EncoderStats } from './encoder.ts';
import { STREAM_FORMATS, hlsOutputArgs, type StreamFormat } from './streamFormats.ts';
import { StreamHub, type StreamHubStats, type StreamUnit } from './streamHub.ts';
import { OggPageSplitter } from './oggPages.ts';
import { Mp3FrameSplitter } from './mp3Frames.ts';
import { IcecastPush, type IcecastPushStats } from './icecastPush.ts';
import { skyWords, type SkySnapshot, type SkyWords } from './skyWords.ts';
import { listenPageHtml } from './listenPage.ts';
import type { WebStreamConfig } from './streamConfig.ts';

export { DEFAULT_WEB_STREAM_CONFIG, parseWebStreamConfig, type WebStreamConfig } from './streamConfig.ts';
import type { Logger } from '../log/logger.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface WebStreamOptions {
  context: BaseAudioContext;
  /** The finished mix: ChoirGraph.output. */
  tap: AudioNode;
  /** The sky now (skySnapshotFrom(ingest.sky, Date.now(), sunElevation)). */
  describeSky: () => SkySnapshot;
  config: WebStreamConfig;
  log: Logger;
}

export interface WebStreamStats {
  listeners: number;
  tapBlocks: number;
  hubs: StreamHubStats[];
  encoders: EncoderStats[];
  icecast: IcecastPushStats | undefined;
  words: string;
}

export interface WebStream {
  routes: Record<string, RouteHandler>;
  listeners(): number;
  stats(): WebStreamStats;
  /** The sky now, in words (what /now serves). */
  words(): SkyWords;
  /** The running encoders' process ids, by name (ogg, mp3, hls): for supervision tests. */
  encoderPids(): Record<string, number | undefined>;
  /**
   * Taps another context's mix from now on (the engine moved to a new AudioContext when
   * its device was lost or came back); the encoders and listeners carry on.
   */
  retap(context: BaseAudioContext, tap: AudioNode, previousAlive?: boolean): void;
  stop(): Promise<void>;
}

const WORDS_EVERY_MS = 5000;
/**
 * PCM an encoder may have queued before blocks are dropped: 2 s (384 KiB). A starting
 * ffmpeg on a loaded machine can take over a second to read its first block (measured:
 * 16 blocks dropped at 1 s under a parallel test run); running, it keeps up with ease.
 */
const ENCODER_BACKLOG_BYTES = 2 * PCM_BYTES_PER_S;

export function startWebStream(options: WebStreamOptions): WebStream {
  const { config, log } = options;
  const station = config.station;
  let words: SkyWords = skyWords({ atMs: Date.now(), events: [] });
  const refreshWords = (): void => {
    try {
      words = skyWords(options.describeSky());
    } catch (err) {
      log.warnRepeated('stream-words', `stream: cannot describe the sky (${(err as Error).message}); keeping the last words`);
    }
  };
  refreshWords();
  const title = (): string => `${station.name}: ${words.text}`;

  const hubs = new Map<StreamFormat, StreamHub>();
  const encoders: SupervisedEncoder[] = [];
  const formats = [...new Set([...config.formats, ...(config.icecast.url ? [config.icecast.format] : [])])];
  for (const format of formats) {
    const spec = STREAM_FORMATS[format];
    const bitrateKbps = format === 'ogg' ? config.opusKbps : config.mp3Kbps;
    const hub = new StreamHub({
      format,
      contentType: spec.contentType,
      bitrateKbps,
      burstS: config.burstS,
      maxBacklogBytes: Math.round(config.maxBacklogS * bitrateKbps * 125),
      maxListeners: config.maxListeners,
      // A new Ogg stream needs new headers: its listeners reconnect (the page does it).
      // MP3 is just more frames: listeners ride through an encoder restart on their burst.
      endListenersOnRestart: format === 'ogg',
      title,
      station,
      log,
    });
    hubs.set(format, hub);
    let split: (chunk: Buffer) => StreamUnit[] = () => [];
    const newSplitter = (): ((chunk: Buffer) => StreamUnit[]) => {
      if (format === 'ogg') {
        const pages = new OggPageSplitter();
        return (chunk) => pages.push(chunk).map((p) => ({ bytes: p.bytes, header: p.header }));
      }
      const frames = new Mp3FrameSplitter();
      return (chunk) => frames.push(chunk).map((f) => ({ bytes: f.bytes, header: false }));
    };
    encoders.push(
      new SupervisedEncoder({
        name: format,
        ffmpegPath: config.ffmpegPath,
        outputArgs: spec.outputArgs({ bitrateKbps, title: `${station.name} (live)` }),
        onStart: (generation) => {
          split = newSplitter();
          if (generation > 1) hub.restart();
        },
        onData: (chunk) => {
          // One write per run of units per listener, not one per page or frame.
          let run: Buffer[] = [];
          for (const unit of split(chunk)) {
            if (unit.header) {
              if (run.length > 0) hub.push({ bytes: Buffer.concat(run), header: false });
              run = [];
              hub.push(unit);
            } else run.push(unit.bytes);
          }
          if (run.length > 0) hub.push({ bytes: run.length === 1 ? (run[0] as Buffer) : Buffer.concat(run), header: false });
        },
        log,
        maxBacklogBytes: ENCODER_BACKLOG_BYTES,
      }),
    );
  }
  if (config.hls.dir) {
    mkdirSync(config.hls.dir, { recursive: true });
    encoders.push(
      new SupervisedEncoder({
        name: 'hls',
        ffmpegPath: config.ffmpegPath,
        outputArgs: hlsOutputArgs({ dir: config.hls.dir, segmentS: config.hls.segmentS, bitrateKbps: config.hls.aacKbps }),
        log,
        maxBacklogBytes: ENCODER_BACKLOG_BYTES,
      }),
    );
  }
  for (const encoder of encoders) encoder.start();

  let push: IcecastPush | undefined;
  const icecast = config.icecast;
  const pushHub = hubs.get(icecast.format);
  if (icecast.url && pushHub) {
    if (!icecast.password) throw new Error('stream.icecast: with icecast.url set, set icecast.password (the source password)');
    push = new IcecastPush({
      url: icecast.url,
      mount: icecast.mount,
      user: icecast.user,
      password: icecast.password,
      contentType: STREAM_FORMATS[icecast.format].contentType,
      bitrateKbps: icecast.format === 'ogg' ? config.opusKbps : config.mp3Kbps,
      station: { ...station, public: icecast.public },
      hub: pushHub,
      log,
      titleUpdates: icecast.format === 'mp3',
    });
    push.start();
  }

  const toEncoders = (pcm: Buffer): void => {
    for (const encoder of encoders) encoder.write(pcm);
  };
  let tap: MixTap = startMixTap(options.context, options.tap, toEncoders);
  let earlierTapBlocks = 0;
  /** Taps on dead contexts, kept referenced so no node finalizer sends them anything. */
  const deadTaps: MixTap[] = [];

  const wordsTimer = setInterval(() => {
    refreshWords();
    push?.setTitle(title());
  }, WORDS_EVERY_MS);
  push?.setTitle(title());

  const listeners = (): number => [...hubs.values()].reduce((n, h) => n + h.listenerCount, 0);
  const page = listenPageHtml({
    stationName: station.name,
    streams: [...hubs.keys()].filter((f) => config.formats.includes(f)).map((f) => ({ path: STREAM_FORMATS[f].path, contentType: STREAM_FORMATS[f].contentType })),
  });

  const routes: Record<string, RouteHandler> = {};
  for (const [format, hub] of hubs) {
    if (config.formats.includes(format)) routes[STREAM_FORMATS[format].path] = (req, res) => hub.handle(req, res);
  }
  routes['/listen'] = (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // Everything is inline; nothing is fetched from elsewhere.
      'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; media-src 'self'; connect-src 'self'",
    });
    res.end(page);
  };
  routes['/now'] = (_req, res) => {
    const byFormat = Object.fromEntries([...hubs].map(([f, h]) => [f, h.listenerCount]));
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify({ v: 1, at: new Date().toISOString(), station: station.name, title: title(), words, listeners: { total: listeners(), ...byFormat } }));
  };

  let stopped = false;
  return {
    routes,
    listeners,
    words: () => words,
    encoderPids: () => Object.fromEntries(encoders.map((e) => [e.stats().name, e.pid])),
    stats: () => ({
      listeners: listeners(),
      tapBlocks: earlierTapBlocks + tap.blocks,
      hubs: [...hubs.values()].map((h) => h.stats()),
      encoders: encoders.map((e) => e.stats()),
      icecast: push?.stats(),
      words: words.text,
    }),
    retap: (context, node, previousAlive = true) => {
      if (stopped) return;
      // A dead context is sent nothing, not even a disconnect (MixTap.abandon).
      if (previousAlive) tap.stop();
      else {
        tap.abandon();
        deadTaps.push(tap);
      }
      earlierTapBlocks += tap.blocks;
      tap = startMixTap(context, node, toEncoders);
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(wordsTimer);
      tap.stop();
      push?.stop();
      for (const hub of hubs.values()) hub.close();
      await Promise.all(encoders.map((e) => e.stop()));
    },
  };
}
