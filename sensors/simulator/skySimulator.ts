/**
 * A simulated rooftop: four sensors (barometer, anemometer, rain gauge, sky camera)
 * publishing a scenario's weather in the MQTT contract (docs/contracts.md). The output
 * for a time window depends only on (scenario, seed, start time, window), so a live run
 * and an offline render of the same sky hear the same messages.
 */
import { SCENARIOS, type SkyScenario, type ScenarioContext, type SkyAt } from './scenarios.ts';
import { uniform, keyOf } from './hashNoise.ts';
import { sensorTopic, SENSOR_PAYLOAD_VERSION, type SkyEventKind } from '../../src/ingest/sensorMessage.ts';
import type { Publication, SkySource } from '../skySource.ts';

interface SimulatedSensor {
  id: string;
  periodS: number;
  readings(sky: SkyAt): Record<string, { value: number; unit: string }>;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export const SIMULATED_SENSORS: readonly SimulatedSensor[] = [
  {
    id: 'roof-baro',
    periodS: 10,
    readings: (s) => ({
      pressure: { value: round(s.pressureHPa, 2), unit: 'hPa' },
      temperature: { value: round(s.temperatureC, 1), unit: 'C' },
      humidity: { value: round(s.humidityPct, 1), unit: '%' },
    }),
  },
  {
    id: 'roof-wind',
    periodS: 5,
    readings: (s) => ({
      wind_speed: { value: round(s.windMps, 1), unit: 'm/s' },
      wind_gust: { value: round(s.gustMps, 1), unit: 'm/s' },
      wind_direction: { value: round(s.windDirectionDeg, 0), unit: 'deg' },
    }),
  },
  {
    id: 'roof-rain',
    periodS: 30,
    readings: (s) => ({ precipitation_rate: { value: round(s.precipitationMmH, 2), unit: 'mm/h' } }),
  },
  {
    id: 'sky-camera',
    periodS: 10,
    readings: (s) => ({
      cloud_cover: { value: round(s.cloudCover, 3), unit: 'fraction' },
      brightness: { value: round(s.brightness, 3), unit: 'fraction' },
    }),
  },
];

const CAMERA = 'sky-camera';
const EVENT_KINDS: readonly SkyEventKind[] = ['bird', 'flock', 'aircraft'];

export interface SkySimulatorOptions {
  scenario: string;
  seed: number;
  site: string;
  startMs: number;
  latitudeDeg: number;
  longitudeDeg: number;
}

export class SkySimulator implements SkySource {
  readonly scenario: SkyScenario;
  readonly sensorIds = [...SIMULATED_SENSORS.map((s) => s.id)];
  private readonly options: SkySimulatorOptions;

  constructor(options: SkySimulatorOptions) {
    const scenario = SCENARIOS[options.scenario];
    if (!scenario) {
      throw new Error(`unknown sky scenario '${options.scenario}'; choose one of ${Object.keys(SCENARIOS).join(', ')}`);
    }
    this.scenario = scenario;
    this.options = options;
  }

  describe(): string {
    return `simulated sky '${this.scenario.name}': ${this.scenario.description}`;
  }

  /** Every message the rooftop publishes in (fromMs, toMs], in time order. */
  publicationsBetween(fromMs: number, toMs: number): Publication[] {
    const out: Publication[] = [];
    const { startMs, site, seed } = this.options;
    for (const sensor of SIMULATED_SENSORS) {
      const periodMs = sensor.periodS * 1000;
      // A state at the very start, then one each period.
      for (let k = Math.max(0, Math.floor((fromMs - startMs) / periodMs) + 1); startMs + k * periodMs <= toMs; k++) {
        const atMs = startMs + k * periodMs;
        if (atMs <= fromMs) continue;
        const sky = this.scenario.sky(this.context(atMs));
        out.push({
          atMs,
          topic: sensorTopic(site, sensor.id, 'state'),
          payload: JSON.stringify({ v: SENSOR_PAYLOAD_VERSION, ts: new Date(atMs).toISOString(), readings: sensor.readings(sky) }),
          retain: true,
        });
      }
    }
    // Events: each second is a Bernoulli trial at the scenario's rate for that moment.
    for (let second = Math.floor((fromMs - startMs) / 1000) + 1; startMs + second * 1000 <= toMs; second++) {
      if (second < 0) continue;
      const atMs = startMs + second * 1000;
      const ctx = this.context(atMs);
      const rates = this.scenario.eventRates(ctx, this.scenario.sky(ctx));
      for (const kind of EVENT_KINDS) {
        const perMinute = rates[kind] ?? 0;
        const key = keyOf(`event:${kind}`);
        if (uniform(seed, key, second) >= perMinute / 60) continue;
        const u = (i: number): number => uniform(seed ^ i, key, second);
        const count = kind === 'flock' ? 8 + Math.floor(u(1) * 200) : 1;
        out.push({
          atMs,
          topic: sensorTopic(site, CAMERA, 'event'),
          payload: JSON.stringify({
            v: SENSOR_PAYLOAD_VERSION,
            ts: new Date(atMs).toISOString(),
            kind,
            confidence: round(0.6 + 0.38 * u(2), 2),
            count,
            heading_deg: Math.floor(u(3) * 360),
          }),
          retain: false,
        });
      }
    }
    return out.sort((a, b) => a.atMs - b.atMs);
  }

  private context(atMs: number): ScenarioContext {
    return {
      seed: this.options.seed,
      tS: (atMs - this.options.startMs) / 1000,
      atMs,
      latitudeDeg: this.options.latitudeDeg,
      longitudeDeg: this.options.longitudeDeg,
    };
  }
}
