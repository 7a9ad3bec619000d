/**
 * Sky scenarios for the simulator: each is a description of weather as a function of time.
 * Presets hold one kind of sky (for previews and tests); `day` is a whole day and night
 * with slowly moving weather, for the lobby when no real sensors are connected.
 */
import { smoothNoise, keyOf } from './hashNoise.ts';
import { sunElevationDeg } from '../../src/features/sunPosition.ts';
import type { SkyEventKind } from '../../src/ingest/sensorMessage.ts';

export interface SkyAt {
  pressureHPa: number;
  windMps: number;
  gustMps: number;
  windDirectionDeg: number;
  cloudCover: number;
  brightness: number;
  precipitationMmH: number;
  temperatureC: number;
  humidityPct: number;
}

export interface ScenarioContext {
  seed: number;
  /** Seconds since the scenario started. */
  tS: number;
  atMs: number;
  latitudeDeg: number;
  longitudeDeg: number;
}

export interface SkyScenario {
  name: string;
  description: string;
  /** Local clock time (hours) at which a render of this scenario starts. */
  startLocalHour: number;
  sky(ctx: ScenarioContext): SkyAt;
  /** Expected events per minute of each kind at this moment. */
  eventRates(ctx: ScenarioContext, sky: SkyAt): Partial<Record<SkyEventKind, number>>;
}

const n = (ctx: ScenarioContext, name: string, periodS: number): number =>
  smoothNoise(ctx.seed, keyOf(name), ctx.tS, periodS);

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

function daylight(ctx: ScenarioContext): number {
  const elevation = sunElevationDeg(ctx.atMs, ctx.latitudeDeg, ctx.longitudeDeg);
  return clamp((elevation + 6) / 26, 0, 1);
}

function steady(
  ctx: ScenarioContext,
  base: { pressure: number; tendency3h: number; wind: number; cloud: number; rain: number; temp: number; humidity: number },
): SkyAt {
  const wind = Math.max(0, base.wind * (1 + 0.3 * n(ctx, 'wind', 90)));
  const cloud = clamp(base.cloud + 0.08 * n(ctx, 'cloud', 600), 0, 1);
  return {
    pressureHPa: base.pressure + (base.tendency3h * ctx.tS) / 10800 + 0.15 * n(ctx, 'pressure', 1800),
    windMps: wind,
    gustMps: wind * (1.5 + 0.2 * n(ctx, 'gust', 20)),
    windDirectionDeg: (360 + 240 + 30 * n(ctx, 'dir', 300)) % 360,
    cloudCover: cloud,
    brightness: clamp(daylight(ctx) * (1 - 0.7 * cloud), 0, 1),
    precipitationMmH: Math.max(0, base.rain * (1 + 0.4 * n(ctx, 'rain', 120))),
    temperatureC: base.temp + 0.5 * n(ctx, 'temp', 3600),
    humidityPct: clamp(base.humidity + 3 * n(ctx, 'hum', 1800), 0, 100),
  };
}

export const SCENARIOS: Record<string, SkyScenario> = {
  calm: {
    name: 'calm',
    description: 'high pressure, clear sky at noon, light air; the odd plane and a few birds',
    startLocalHour: 12,
    sky: (ctx) => steady(ctx, { pressure: 1027, tendency3h: 0.3, wind: 1.5, cloud: 0.08, rain: 0, temp: 18, humidity: 45 }),
    eventRates: () => ({ aircraft: 0.25, bird: 0.5, flock: 0.03 }),
  },
  storm: {
    name: 'storm',
    description: 'pressure falling fast, gale-force wind, overcast, heavy rain in the afternoon',
    startLocalHour: 15,
    sky: (ctx) => steady(ctx, { pressure: 996, tendency3h: -5, wind: 15, cloud: 1, rain: 7, temp: 11, humidity: 94 }),
    eventRates: () => ({ bird: 0.02 }),
  },
  flock: {
    name: 'flock',
    description: 'a fair autumn evening with starlings: flocks and single birds keep passing',
    startLocalHour: 17.5,
    sky: (ctx) => steady(ctx, { pressure: 1016, tendency3h: 0, wind: 3, cloud: 0.3, rain: 0, temp: 13, humidity: 60 }),
    eventRates: () => ({ flock: 1.5, bird: 2, aircraft: 0.05 }),
  },
  tempest: {
    name: 'tempest',
    description: 'a squall line at dusk over a flyway: storm wind and rain while flocks, birds and planes keep passing (the densest sky the piece meets)',
    startLocalHour: 17.5,
    sky: (ctx) => steady(ctx, { pressure: 994, tendency3h: -6, wind: 17, cloud: 0.95, rain: 8, temp: 10, humidity: 95 }),
    eventRates: () => ({ flock: 1.5, bird: 2, aircraft: 0.25 }),
  },
  night: {
    name: 'night',
    description: 'a still, clear night at 2 am; a late plane now and then',
    startLocalHour: 2,
    sky: (ctx) => steady(ctx, { pressure: 1019, tendency3h: 0, wind: 0.8, cloud: 0.15, rain: 0, temp: 7, humidity: 75 }),
    eventRates: () => ({ aircraft: 0.08 }),
  },
  day: {
    name: 'day',
    description: 'a whole day and night: weather drifts over hours, rain comes with falling pressure, birds at dawn and dusk',
    startLocalHour: 6,
    sky: (ctx) => {
      // Fronts pass every day or two (period ~30 h); pressure and cloud move together.
      const front = n(ctx, 'front', 30 * 3600);
      const pressure = 1013 - 14 * front + 2 * n(ctx, 'pressure', 5 * 3600);
      const cloud = clamp(0.45 + 0.55 * front + 0.15 * n(ctx, 'cloud', 1800), 0, 1);
      const raining = cloud > 0.85 ? (cloud - 0.85) / 0.15 : 0;
      const wind = Math.max(0, 4 + 5 * Math.max(0, front) + 2 * n(ctx, 'wind', 600));
      return {
        pressureHPa: pressure,
        windMps: wind,
        gustMps: wind * (1.5 + 0.2 * n(ctx, 'gust', 20)),
        windDirectionDeg: (360 + 220 + 60 * n(ctx, 'dir', 7200)) % 360,
        cloudCover: cloud,
        brightness: clamp(daylight(ctx) * (1 - 0.7 * cloud), 0, 1),
        precipitationMmH: 6 * raining * (1 + 0.3 * n(ctx, 'rain', 300)),
        temperatureC: 12 + 5 * n(ctx, 'temp', 24 * 3600),
        humidityPct: clamp(60 + 30 * cloud, 0, 100),
      };
    },
    eventRates: (ctx, sky) => {
      const light = daylight(ctx);
      const elevation = sunElevationDeg(ctx.atMs, ctx.latitudeDeg, ctx.longitudeDeg);
      // Birds sing and gather most around sunrise and sunset (elevation near 0).
      const twilight = Math.exp(-((elevation / 8) ** 2));
      const fair = 1 - sky.precipitationMmH / 10;
      return {
        bird: clamp(fair * (0.3 * light + 1.5 * twilight), 0, 3),
        flock: clamp(fair * 0.8 * twilight, 0, 2),
        aircraft: 0.03 + 0.25 * light,
      };
    },
  },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
