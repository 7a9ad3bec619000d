/**
 * The sky now, in words a listener reads: "overcast, wind 8 m/s, pressure falling, a
 * flock passed two minutes ago". Pure: a sky snapshot in, words out; no clock, no I/O.
 * The same words go into the MP3 stream's ICY title, the Icecast mount and /listen.
 */
import type { SkyEventKind } from '../ingest/sensorMessage.ts';

/** What is known of the sky at `atMs`; a quantity nobody measures (or too stale) is absent. */
export interface SkySnapshot {
  atMs: number;
  cloudCover?: number;
  windMps?: number;
  gustMps?: number;
  windDirectionDeg?: number;
  pressureHPa?: number;
  /** Change over the last 3 h, hPa (WMO code 0200 tendency). */
  pressureTendencyHPa3h?: number;
  precipitationMmH?: number;
  temperatureC?: number;
  sunElevationDeg?: number;
  /** Recent sky events, any order. */
  events: readonly { kind: SkyEventKind; atMs: number; count: number }[];
}

export type SkyIcon = 'clear' | 'partly' | 'cloudy' | 'overcast' | 'rain' | 'snow' | 'unknown';
export type PressureTrend = 'rising fast' | 'rising' | 'steady' | 'falling' | 'falling fast';

export interface SkyWords {
  /** One line, the phrases joined by ", ". */
  text: string;
  /** The sky (cover and precipitation), e.g. "overcast", "light rain", "clear night". */
  sky: string;
  wind: string | undefined;
  pressure: string | undefined;
  /** The most recent event of each kind, newest first, e.g. "a flock passed two minutes ago". */
  events: string[];
  icon: SkyIcon;
  night: boolean;
  trend: PressureTrend | undefined;
  windMps: number | undefined;
  windDirectionDeg: number | undefined;
  temperatureC: number | undefined;
}

/** Events older than this are no longer news. */
export const EVENT_NEWS_MS = 15 * 60_000;

/** Beaufort 0 ("calm") is below 0.5 m/s (WMO No. 8, Annex 4.B). */
const CALM_MPS = 0.5;
/** Gusts are worth naming when they exceed the mean by this much (WMO: 5 m/s, "gusty"). */
const GUST_EXCESS_MPS = 5;
/** Rain intensity (AMS Glossary of Meteorology): light < 2.5 mm/h, heavy > 7.6 mm/h. */
const LIGHT_RAIN_MMH = 2.5;
const HEAVY_RAIN_MMH = 7.6;
/** Below this the gauge is noise, not rain. */
const TRACE_MMH = 0.1;
/** Civil twilight ends at -6 degrees: below it we call it night. */
const NIGHT_SUN_DEG = -6;
/** WMO code 0200: a 3 h change under 1 hPa is "steady"; 6 hPa or more is rapid. */
const STEADY_HPA = 1;
const RAPID_HPA = 6;

const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

const EVENT_PHRASES: Record<SkyEventKind, { one: string; many?: string }> = {
  bird: { one: 'a bird flew by', many: '{n} birds flew by' },
  flock: { one: 'a flock passed' },
  aircraft: { one: 'a plane crossed', many: '{n} planes crossed' },
  rain_onset: { one: 'rain began' },
  cloud_front: { one: 'a cloud front arrived' },
  sunrise: { one: 'the sun rose' },
  sunset: { one: 'the sun set' },
  pressure_jump: { one: 'the pressure jumped' },
};

/** Cloud cover in oktas (eighths), the way observers report it (WMO No. 306, code 2700). */
function coverWords(cover: number): { words: string; icon: SkyIcon } {
  const oktas = Math.round(Math.min(1, Math.max(0, cover)) * 8);
  if (oktas <= 1) return { words: 'clear', icon: 'clear' };
  if (oktas <= 3) return { words: 'a few clouds', icon: 'partly' };
  if (oktas <= 5) return { words: 'partly cloudy', icon: 'partly' };
  if (oktas <= 7) return { words: 'mostly cloudy', icon: 'cloudy' };
  return { words: 'overcast', icon: 'overcast' };
}

function precipitationWords(mmH: number, temperatureC: number | undefined): { words: string; icon: SkyIcon } {
  const snow = temperatureC !== undefined && temperatureC <= 0;
  const kind = snow ? 'snow' : 'rain';
  const strength = mmH < LIGHT_RAIN_MMH ? 'light ' : mmH > HEAVY_RAIN_MMH ? 'heavy ' : '';
  return { words: `${strength}${kind}`, icon: snow ? 'snow' : 'rain' };
}

export function pressureTrend(changeHPa3h: number): PressureTrend {
  if (changeHPa3h >= RAPID_HPA) return 'rising fast';
  if (changeHPa3h >= STEADY_HPA) return 'rising';
  if (changeHPa3h <= -RAPID_HPA) return 'falling fast';
  if (changeHPa3h <= -STEADY_HPA) return 'falling';
  return 'steady';
}

/** "just now", "a minute ago", "two minutes ago", "12 minutes ago". */
export function agoWords(ageMs: number): string {
  const s = Math.max(0, ageMs) / 1000;
  if (s < 45) return 'just now';
  const minutes = Math.round(s / 60);
  if (minutes <= 1) return 'a minute ago';
  return `${NUMBER_WORDS[minutes] ?? String(minutes)} minutes ago`;
}

function eventPhrase(kind: SkyEventKind, count: number): string {
  const p = EVENT_PHRASES[kind];
  if (count > 1 && p.many) return p.many.replace('{n}', NUMBER_WORDS[count] ?? String(count));
  return p.one;
}

export function skyWords(snapshot: SkySnapshot): SkyWords {
  const night = snapshot.sunElevationDeg !== undefined && snapshot.sunElevationDeg < NIGHT_SUN_DEG;
  let sky: string;
  let icon: SkyIcon;
  if (snapshot.precipitationMmH !== undefined && snapshot.precipitationMmH >= TRACE_MMH) {
    ({ words: sky, icon } = precipitationWords(snapshot.precipitationMmH, snapshot.temperatureC));
  } else if (snapshot.cloudCover !== undefined) {
    ({ words: sky, icon } = coverWords(snapshot.cloudCover));
    if (night && (icon === 'clear' || icon === 'partly')) sky = `${sky} night`;
  } else {
    sky = night ? 'night' : 'sky unseen';
    icon = 'unknown';
  }

  let wind: string | undefined;
  if (snapshot.windMps !== undefined) {
    if (snapshot.windMps < CALM_MPS) wind = 'calm';
    else {
      wind = `wind ${Math.round(snapshot.windMps)} m/s`;
      if (snapshot.gustMps !== undefined && snapshot.gustMps - snapshot.windMps >= GUST_EXCESS_MPS) {
        wind += `, gusts ${Math.round(snapshot.gustMps)}`;
      }
    }
  }

  const trend = snapshot.pressureTendencyHPa3h === undefined ? undefined : pressureTrend(snapshot.pressureTendencyHPa3h);
  const pressure = trend === undefined ? undefined : `pressure ${trend}`;

  const newest = new Map<SkyEventKind, { atMs: number; count: number }>();
  for (const e of snapshot.events) {
    const age = snapshot.atMs - e.atMs;
    if (age < -60_000 || age > EVENT_NEWS_MS) continue; // from the future (clock skew) or old news
    const held = newest.get(e.kind);
    if (!held || e.atMs > held.atMs) newest.set(e.kind, { atMs: e.atMs, count: e.count });
  }
  const events = [...newest.entries()]
    .sort((a, b) => b[1].atMs - a[1].atMs)
    .slice(0, 2)
    .map(([kind, e]) => `${eventPhrase(kind, e.count)} ${agoWords(snapshot.atMs - e.atMs)}`);

  const text = [sky, wind, pressure, ...events].filter((p): p is string => p !== undefined).join(', ');
  return {
    text,
    sky,
    wind,
    pressure,
    events,
    icon,
    night,
    trend,
    windMps: snapshot.windMps,
    windDirectionDeg: snapshot.windDirectionDeg,
    temperatureC: snapshot.temperatureC,
  };
}
