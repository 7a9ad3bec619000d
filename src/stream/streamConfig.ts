/**
 * The web stream's configuration (the `stream` section of the engine's config file):
 * defaults, and the one parser that validates a JSON section over them, naming the field
 * that is wrong.
 */
import { resolve } from 'node:path';
import type { StreamFormat } from './streamFormats.ts';

export interface WebStreamConfig {
  enabled: boolean;
  /** The ffmpeg program (a name on PATH or a path). */
  ffmpegPath: string;
  formats: StreamFormat[];
  opusKbps: number;
  mp3Kbps: number;
  /** Seconds of recent audio a new listener gets at once. */
  burstS: number;
  /** Listeners per format the engine serves itself (more belong on Icecast). */
  maxListeners: number;
  /** A listener this many seconds of audio behind is dropped. */
  maxBacklogS: number;
  station: { name: string; description: string; genre: string };
  icecast: {
    /** `http://host:8000`; unset: no push. */
    url: string | undefined;
    mount: string;
    user: string;
    password: string | undefined;
    format: StreamFormat;
    public: boolean;
  };
  hls: {
    /** A folder for the playlist and segments; unset: no HLS. */
    dir: string | undefined;
    segmentS: number;
    aacKbps: number;
  };
}

export const DEFAULT_WEB_STREAM_CONFIG: WebStreamConfig = {
  enabled: true,
  ffmpegPath: 'ffmpeg',
  formats: ['ogg', 'mp3'],
  opusKbps: 96,
  mp3Kbps: 128,
  burstS: 4,
  maxListeners: 250,
  maxBacklogS: 10,
  station: { name: 'skychoir', description: 'A choir that follows the sky, live', genre: 'ambient choral' },
  icecast: { url: undefined, mount: '/skychoir.ogg', user: 'source', password: undefined, format: 'ogg', public: false },
  hls: { dir: undefined, segmentS: 4, aacKbps: 128 },
};

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export class StreamConfigError extends Error {}

/** Merges a parsed `stream` section over `base`, validating every field it sets. */
export function parseWebStreamConfig(input: unknown, base: WebStreamConfig = DEFAULT_WEB_STREAM_CONFIG, baseDir = process.cwd()): WebStreamConfig {
  const c: WebStreamConfig = structuredClone(base);
  if (input === undefined) return c;
  if (!isRecord(input)) throw new StreamConfigError('config stream: want an object');
  const fail = (where: string, want: string, got: unknown): never => {
    throw new StreamConfigError(`config stream.${where}: want ${want}, got ${JSON.stringify(got)?.slice(0, 60)}`);
  };
  const known = (obj: Record<string, unknown>, where: string, keys: string[]): void => {
    for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new StreamConfigError(`config ${where}: unknown field '${k.slice(0, 40)}' (known: ${keys.join(', ')})`);
  };
  const num = (obj: Record<string, unknown>, key: string, where: string, min: number, max: number, fallback: number): number => {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) return fail(where, `a number in ${min}..${max}`, v);
    return v;
  };
  const str = (obj: Record<string, unknown>, key: string, where: string, fallback: string): string => {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v.length === 0 || v.length > 1000) return fail(where, 'a non-empty string', v);
    return v;
  };
  const bool = (obj: Record<string, unknown>, key: string, where: string, fallback: boolean): boolean => {
    const v = obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') return fail(where, 'true or false', v);
    return v;
  };
  const format = (v: unknown, where: string): StreamFormat => (v === 'ogg' || v === 'mp3' ? v : fail(where, "'ogg' or 'mp3'", v));
  known(input, 'stream', ['enabled', 'ffmpegPath', 'formats', 'opusKbps', 'mp3Kbps', 'burstS', 'maxListeners', 'maxBacklogS', 'station', 'icecast', 'hls']);
  c.enabled = bool(input, 'enabled', 'enabled', c.enabled);
  c.ffmpegPath = str(input, 'ffmpegPath', 'ffmpegPath', c.ffmpegPath);
  if (input.formats !== undefined) {
    if (!Array.isArray(input.formats) || input.formats.length === 0) fail('formats', "a list of 'ogg' and/or 'mp3'", input.formats);
    c.formats = [...new Set((input.formats as unknown[]).map((f, i) => format(f, `formats[${i}]`)))];
  }
  // Opus from 6 kb/s; LAME's MPEG-1 rates at 48 kHz go 32..320 kb/s.
  c.opusKbps = num(input, 'opusKbps', 'opusKbps', 16, 256, c.opusKbps);
  c.mp3Kbps = num(input, 'mp3Kbps', 'mp3Kbps', 32, 320, c.mp3Kbps);
  c.burstS = num(input, 'burstS', 'burstS', 0, 30, c.burstS);
  c.maxListeners = Math.floor(num(input, 'maxListeners', 'maxListeners', 0, 10000, c.maxListeners));
  c.maxBacklogS = num(input, 'maxBacklogS', 'maxBacklogS', 1, 120, c.maxBacklogS);
  if (input.station !== undefined) {
    if (!isRecord(input.station)) fail('station', 'an object', input.station);
    const st = input.station as Record<string, unknown>;
    known(st, 'stream.station', ['name', 'description', 'genre']);
    c.station = { name: str(st, 'name', 'station.name', c.station.name), description: str(st, 'description', 'station.description', c.station.description), genre: str(st, 'genre', 'station.genre', c.station.genre) };
  }
  if (input.icecast !== undefined) {
    if (!isRecord(input.icecast)) fail('icecast', 'an object', input.icecast);
    const ic = input.icecast as Record<string, unknown>;
    known(ic, 'stream.icecast', ['url', 'mount', 'user', 'password', 'format', 'public']);
    if (ic.url !== undefined) {
      const url = str(ic, 'url', 'icecast.url', '');
      if (!/^https?:\/\/[^/]+\/?$/.test(url)) fail('icecast.url', 'http://host:port (the server, no mount)', url);
      c.icecast.url = url.replace(/\/$/, '');
    }
    const mount = str(ic, 'mount', 'icecast.mount', c.icecast.mount);
    if (!/^\/[A-Za-z0-9._\-/]{1,100}$/.test(mount)) fail('icecast.mount', 'a path like /skychoir.ogg', mount);
    c.icecast.mount = mount;
    c.icecast.user = str(ic, 'user', 'icecast.user', c.icecast.user);
    c.icecast.password = ic.password === undefined ? c.icecast.password : str(ic, 'password', 'icecast.password', '');
    if (ic.format !== undefined) c.icecast.format = format(ic.format, 'icecast.format');
    c.icecast.public = bool(ic, 'public', 'icecast.public', c.icecast.public);
  }
  if (c.icecast.url && !c.icecast.password) throw new StreamConfigError('config stream.icecast: with url set, set password (the Icecast source password)');
  if (input.hls !== undefined) {
    if (!isRecord(input.hls)) fail('hls', 'an object', input.hls);
    const h = input.hls as Record<string, unknown>;
    known(h, 'stream.hls', ['dir', 'segmentS', 'aacKbps']);
    if (h.dir !== undefined) c.hls.dir = resolve(baseDir, str(h, 'dir', 'hls.dir', ''));
    c.hls.segmentS = num(h, 'segmentS', 'hls.segmentS', 1, 30, c.hls.segmentS);
    c.hls.aacKbps = num(h, 'aacKbps', 'hls.aacKbps', 32, 320, c.hls.aacKbps);
  }
  return c;
}
