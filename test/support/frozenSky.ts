/**
 * A frozen sky: the same readings every period, optionally one factor added (a falling
 * barometer, wind, cloud, rain, a steady stream of flocks or aircraft). It publishes in
 * the MQTT contract as the simulator's four sensors do, so renders of it go through the
 * real pipeline (ingest -> features -> model -> conductor -> audio). Used by the
 * responsiveness study and the long repetition render (bench/quality/).
 */
import {
  sensorTopic,
  SENSOR_PAYLOAD_VERSION,
  type SkyEventKind,
} from '../../src/ingest/sensorMessage.ts';
import { sunElevationDeg } from '../../src/features/sunPosition.ts';
import { renderOffline, renderSettingsFrom, type RenderResult } from '../../src/render/offlineRender.ts';
import { MappingModel } from '../../src/model/mappingModel.ts';
import { DEFAULT_CONFIG } from '../../src/config/config.ts';
import type { Publication, SkySource } from '../../sensors/skySource.ts';

export interface FrozenReadings {
  pressureHPa: number;
  /** Pressure change per 3 h (hPa); a history reaching 3 h back is published at the start. */
  pressureTendencyHPa3h: number;
  windMps: number;
  gustMps: number;
  cloudCover: number;
  /** Sky brightness 0..1, or 'sun': daylight from the sun's elevation dimmed by cloud, as the simulator does. */
  brightness: number | 'sun';
  precipitationMmH: number;
  temperatureC: number;
  humidityPct: number;
}

export interface FrozenEvents {
  kind: SkyEventKind;
  /** One event every this many seconds, the first after half a period. */
  everyS: number;
  count: number;
  confidence: number;
}

export interface FrozenSkyOptions {
  site: string;
  startMs: number;
  latitudeDeg: number;
  longitudeDeg: number;
  readings: FrozenReadings;
  events?: FrozenEvents[];
}

/** Calm, half-clear noon over New York in mid-October: the base of the responsiveness study. */
export const BASE_READINGS: FrozenReadings = {
  pressureHPa: 1016,
  pressureTendencyHPa3h: 0,
  windMps: 2.5,
  gustMps: 3.8,
  cloudCover: 0.3,
  brightness: 'sun',
  precipitationMmH: 0,
  temperatureC: 15,
  humidityPct: 60,
};

const SENSORS: { id: string; periodS: number }[] = [
  { id: 'roof-baro', periodS: 10 },
  { id: 'roof-wind', periodS: 5 },
  { id: 'roof-rain', periodS: 30 },
  { id: 'sky-camera', periodS: 10 },
];

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export class FrozenSky implements SkySource {
  readonly sensorIds = SENSORS.map((s) => s.id);
  private readonly o: FrozenSkyOptions;

  constructor(options: FrozenSkyOptions) {
    this.o = options;
  }

  describe(): string {
    return `frozen sky ${JSON.stringify(this.o.readings)}${this.o.events?.length ? ` with ${this.o.events.map((e) => `${e.kind} every ${e.everyS} s`).join(', ')}` : ''}`;
  }

  private pressureAt(atMs: number): number {
    return (
      this.o.readings.pressureHPa +
      (this.o.readings.pressureTendencyHPa3h * (atMs - this.o.startMs)) / 10_800_000
    );
  }

  private readings(
    sensorId: string,
    atMs: number,
  ): Record<string, { value: number; unit: string }> {
    const r = this.o.readings;
    switch (sensorId) {
      case 'roof-baro':
        return {
          pressure: { value: round(this.pressureAt(atMs), 2), unit: 'hPa' },
          temperature: { value: r.temperatureC, unit: 'C' },
          humidity: { value: r.humidityPct, unit: '%' },
        };
      case 'roof-wind':
        return {
          wind_speed: { value: r.windMps, unit: 'm/s' },
          wind_gust: { value: r.gustMps, unit: 'm/s' },
          wind_direction: { value: 240, unit: 'deg' },
        };
      case 'roof-rain':
        return { precipitation_rate: { value: r.precipitationMmH, unit: 'mm/h' } };
      default: {
        const daylight = Math.min(
          1,
          Math.max(0, (sunElevationDeg(atMs, this.o.latitudeDeg, this.o.longitudeDeg) + 6) / 26),
        );
        const brightness =
          r.brightness === 'sun' ? daylight * (1 - 0.7 * r.cloudCover) : r.brightness;
        return {
          cloud_cover: { value: r.cloudCover, unit: 'fraction' },
          brightness: { value: round(brightness, 3), unit: 'fraction' },
        };
      }
    }
  }

  private state(sensorId: string, atMs: number, measuredAtMs = atMs): Publication {
    return {
      atMs,
      topic: sensorTopic(this.o.site, sensorId, 'state'),
      payload: JSON.stringify({
        v: SENSOR_PAYLOAD_VERSION,
        ts: new Date(measuredAtMs).toISOString(),
        readings: this.readings(sensorId, measuredAtMs),
      }),
      retain: true,
    };
  }

  publicationsBetween(fromMs: number, toMs: number): Publication[] {
    const out: Publication[] = [];
    const { startMs } = this.o;
    if (fromMs < startMs && toMs >= startMs && this.o.readings.pressureTendencyHPa3h !== 0) {
      // The barometer's last 3 h, as a reader that kept its history would replay it on connect.
      for (let ago = 3 * 3600_000; ago > 0; ago -= 5 * 60_000)
        out.push(this.state('roof-baro', startMs, startMs - ago));
    }
    for (const sensor of SENSORS) {
      const periodMs = sensor.periodS * 1000;
      for (
        let k = Math.max(0, Math.floor((fromMs - startMs) / periodMs) + 1);
        startMs + k * periodMs <= toMs;
        k++
      ) {
        const atMs = startMs + k * periodMs;
        if (atMs > fromMs) out.push(this.state(sensor.id, atMs));
      }
    }
    for (const e of this.o.events ?? []) {
      const periodMs = e.everyS * 1000;
      for (
        let k = Math.max(0, Math.floor((fromMs - startMs - periodMs / 2) / periodMs));
        startMs + periodMs / 2 + k * periodMs <= toMs;
        k++
      ) {
        const atMs = startMs + periodMs / 2 + k * periodMs;
        if (atMs <= fromMs) continue;
        out.push({
          atMs,
          topic: sensorTopic(this.o.site, 'sky-camera', 'event'),
          payload: JSON.stringify({
            v: SENSOR_PAYLOAD_VERSION,
            ts: new Date(atMs).toISOString(),
            kind: e.kind,
            confidence: e.confidence,
            count: e.count,
            heading_deg: (k * 97) % 360,
          }),
          retain: false,
        });
      }
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }
}

/** Renders a frozen sky through the real pipeline with the default config, model and samples. */
export async function renderFrozenSky(
  sky: Omit<FrozenSkyOptions, 'site' | 'latitudeDeg' | 'longitudeDeg'>,
  durationS: number,
  seed: number,
  onProgress?: (doneS: number, totalS: number) => void,
): Promise<RenderResult> {
  const config = DEFAULT_CONFIG;
  const model = await MappingModel.load(config.paths.model);
  try {
    const source = new FrozenSky({
      ...sky,
      site: config.site,
      latitudeDeg: config.location.latitudeDeg,
      longitudeDeg: config.location.longitudeDeg,
    });
    return await renderOffline({
      sky: source,
      skyStartMs: sky.startMs,
      durationS,
      seed,
      ...renderSettingsFrom(config),
      model,
      onProgress,
    });
  } finally {
    await model.dispose();
  }
}
