/**
 * The immediate control path (issue 9): live, a sensor reading moves the layer targets at
 * once instead of at the next planning window. These tests hold the audio clock still, so
 * no window can be planned, and check causality and order, not milliseconds: a reading
 * published through a real broker changes the layer targets handed to the graph before
 * the next window, bursts are heard together, offline renders are untouched.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { Conductor } from '../src/conductor/conductor.ts';
import type { Decision, LayerTarget } from '../src/conductor/decisions.ts';
import type { ChoirGraph } from '../src/audio/choirGraph.ts';
import { FeatureExtractor } from '../src/features/featureExtractor.ts';
import { featureIndex } from '../src/features/featureVector.ts';
import { Ingest } from '../src/ingest/ingest.ts';
import { MqttIngest } from '../src/ingest/mqttIngest.ts';
import { CONTROL_COUNT, CONTROL_NAMES } from '../src/model/controlVector.ts';
import { DEFAULT_CONFIG } from '../src/config/config.ts';
import { createLogger } from '../src/log/logger.ts';
import { IMMEDIATE_BUDGET, Performance } from '../src/engine/performance.ts';
import type { ControlModel } from '../src/engine/controlModel.ts';
import { SHIPPED_SAMPLES } from './support/conductorRun.ts';
import { SITE, stateTopic, statePayload } from './support/skyMessages.ts';

/** A model where rain opens the pad: its gain and brightness are the precipitation feature. */
const rainOpensThePad: ControlModel = {
  version: 'test-rain',
  async run(f) {
    const out = new Float32Array(CONTROL_COUNT).fill(0.5);
    const rain = f[featureIndex('precipitation')] ?? 0;
    out[CONTROL_NAMES.indexOf('pad.gain')] = rain;
    out[CONTROL_NAMES.indexOf('pad.brightness')] = rain;
    return out;
  },
};

/** The graph as Performance sees it, recording what it is handed, on a clock the test moves. */
function recordingGraph(): { graph: ChoirGraph; clock: { now: number }; handed: { atMs: number; decisions: Decision[] }[] } {
  const clock = { now: 0 };
  const handed: { atMs: number; decisions: Decision[] }[] = [];
  const graph = {
    get now() {
      return clock.now;
    },
    apply: (decisions: readonly Decision[]) => handed.push({ atMs: Date.now(), decisions: [...decisions] }),
    setMasterDb: () => undefined,
  } as unknown as ChoirGraph;
  return { graph, clock, handed };
}

const padTargets = (handed: { decisions: Decision[] }[]): LayerTarget[] =>
  handed.flatMap((h) => h.decisions).filter((d): d is LayerTarget => d.type === 'layer' && d.layer === 'pad');

function performanceOn(ingest: Ingest, immediate: boolean) {
  const rig = recordingGraph();
  const performance = new Performance({
    ingest,
    features: new FeatureExtractor(DEFAULT_CONFIG.location),
    model: rainOpensThePad,
    conductor: new Conductor({ seed: 1, samples: SHIPPED_SAMPLES }),
    graph: rig.graph,
    skyStartMs: Date.now(),
    skyTimeAt: (audioS) => Date.now() + (audioS - rig.clock.now) * 1000,
    immediateLayerTargets: immediate,
  });
  return { performance, ...rig };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rain = (mmH: number, atMs: number): Uint8Array => statePayload({ precipitation_rate: { value: mmH, unit: 'mm/h' } }, atMs);

describe('the immediate control path', () => {
  it('a reading published through the broker changes the layer targets before the next window', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const log = createLogger('test', { write: () => undefined });
    const ingest = new Ingest(SITE, log);
    const mqttIngest = new MqttIngest({ brokerUrl: broker.url, site: SITE }, ingest, log);
    const { performance, clock, handed } = performanceOn(ingest, true);
    mqttIngest.start();
    const sensor = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      await until(() => mqttIngest.connected, 'the engine to connect');
      await performance.advance(0);
      const plannedUntil = performance.plannedUntilS;
      const before = padTargets(handed);
      assert.ok(before.length > 0 && before.every((t) => t.gainDb === -80), 'no rain: the pad is silent');

      // The audio clock moves on, but no window is due (none is planned before plannedUntil - lookahead).
      clock.now = 0.3;
      await sensor.publishAsync(stateTopic('roof-rain'), Buffer.from(rain(10, Date.now())), { qos: 1 });
      await until(() => padTargets(handed).length > before.length, 'the layer targets to follow the reading');

      assert.equal(performance.plannedUntilS, plannedUntil, 'no window was planned: the reading alone moved the targets');
      const heard = padTargets(handed).at(-1);
      assert.ok(heard && heard.gainDb > -80, `the pad opens with the rain (${heard?.gainDb} dB)`);
      assert.equal(heard.time, 0.3, 'scheduled at the audio clock now, not a window ahead');
      assert.ok(heard.lowpassHz > (before.at(-1)?.lowpassHz ?? Infinity), 'and brightens');
      assert.equal(performance.immediateUpdates, 1);
      assert.equal(performance.controlLatency.count, 1, 'the message was timed');

      // The next window's layer targets come after the immediate ones, on the same timeline.
      clock.now = 0.45;
      await performance.advance(clock.now);
      assert.ok(performance.plannedUntilS > plannedUntil);
      const times = handed.flatMap((h) => h.decisions).filter((d) => d.type === 'layer' && d.layer === 'pad').map((d) => d.time);
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'layer targets in time order');
    } finally {
      await performance.halt();
      await sensor.endAsync();
      await mqttIngest.stop();
      await broker.close();
    }
  });

  it('a burst of readings in one socket read is heard in one update; the next reading at once, within the budget', async () => {
    const ingest = new Ingest(SITE);
    const { performance, handed } = performanceOn(ingest, true);
    await performance.advance(0);
    const now = Date.now();
    for (let i = 0; i < 50; i++) ingest.receive(stateTopic('roof-rain'), rain(i / 5, now), now);
    await until(() => performance.controlLatency.count === 50, 'the burst to be heard');
    assert.equal(performance.immediateUpdates, 1, 'fifty readings, one update');
    // The budget has 49 more updates to spend at once: the next reading does not wait 10 ms.
    const sentAt = Date.now();
    ingest.receive(stateTopic('roof-rain'), rain(20, sentAt), sentAt);
    await until(() => performance.immediateUpdates === 2, 'the next reading');
    const second = handed.at(-1)?.atMs ?? Infinity;
    assert.ok(second - sentAt < 1000 / IMMEDIATE_BUDGET.perSecond, `heard ${second - sentAt} ms after it was sent`);
    // A retained message (old news from the broker) is heard but not timed.
    ingest.receive(stateTopic('roof-rain'), rain(1, now - 3_600_000), Date.now(), true);
    await until(() => performance.immediateUpdates === 3, 'the retained reading');
    assert.equal(performance.controlLatency.count, 51);
    await performance.halt();
  });

  it('is off unless asked for: an offline render hears readings at its windows only', async () => {
    const ingest = new Ingest(SITE);
    const { performance, handed } = performanceOn(ingest, false);
    await performance.advance(0);
    const windows = handed.length;
    ingest.receive(stateTopic('roof-rain'), rain(10, Date.now()), Date.now());
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(handed.length, windows);
    assert.equal(performance.immediateUpdates, 0);
    assert.equal(performance.controlLatency.count, 0);
  });
});
