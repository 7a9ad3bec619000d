/**
 * The MQTT contract's one parser: good payloads become typed messages in engine units;
 * everything else becomes a typed rejection naming the sensor; nothing throws.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_PAYLOAD_BYTES,
  parseSensorMessage,
  sensorTopic,
  type ParseResult,
  type RejectionReason,
  type SensorState,
  type SkyEvent,
} from '../src/ingest/sensorMessage.ts';
import { QUANTITIES, QUANTITY_NAMES, acceptedUnits } from '../src/ingest/units.ts';
import { bytes, eventPayload, eventTopic, statePayload, stateTopic, T0 } from './support/skyMessages.ts';

const ID = 'roof-baro';

function accepted(result: ParseResult): ParseResult & { ok: true } {
  if (!result.ok) assert.fail(`rejected: ${result.rejection.reason}: ${result.rejection.message}`);
  return result;
}

function rejected(result: ParseResult, reason: RejectionReason): string {
  if (result.ok) assert.fail(`accepted, want a ${reason} rejection`);
  assert.equal(result.rejection.reason, reason, result.rejection.message);
  return result.rejection.message;
}

function state(readings: Record<string, { value: unknown; unit: unknown }>): SensorState {
  const message = accepted(parseSensorMessage(stateTopic(ID), statePayload(readings, T0))).message;
  assert.equal(message.kind, 'state');
  return message as SensorState;
}

const valueOf = (s: SensorState, q: string): number | undefined => s.readings.find((r) => r.quantity === q)?.value;

describe('parseSensorMessage: good payloads', () => {
  it('parses a state, keeping site, sensor, time and readings in engine units', () => {
    const s = state({
      pressure: { value: 1.0133, unit: 'bar' },
      wind_speed: { value: 36, unit: 'km/h' },
      wind_gust: { value: 10, unit: 'kn' },
      cloud_cover: { value: 50, unit: '%' },
    });
    assert.equal(s.site, 'lobby');
    assert.equal(s.sensorId, ID);
    assert.equal(s.measuredAtMs, T0);
    assert.deepEqual(s.rejected, []);
    assert.ok(Math.abs((valueOf(s, 'pressure') ?? NaN) - 1013.3) < 1e-9);
    assert.ok(Math.abs((valueOf(s, 'wind_speed') ?? NaN) - 10) < 1e-12);
    assert.ok(Math.abs((valueOf(s, 'wind_gust') ?? NaN) - 5.144) < 0.001);
    assert.equal(valueOf(s, 'cloud_cover'), 0.5);
  });

  it('converts Pa and inHg to hPa', () => {
    assert.ok(Math.abs((valueOf(state({ pressure: { value: 101325, unit: 'Pa' } }), 'pressure') ?? NaN) - 1013.25) < 1e-9);
    assert.ok(Math.abs((valueOf(state({ pressure: { value: 29.92, unit: 'inHg' } }), 'pressure') ?? NaN) - 1013.2) < 0.05);
  });

  it('parses an event with defaults and with every field', () => {
    const minimal = accepted(parseSensorMessage(eventTopic('sky-camera'), eventPayload('flock', T0))).message as SkyEvent;
    assert.deepEqual(minimal, {
      kind: 'event',
      site: 'lobby',
      sensorId: 'sky-camera',
      measuredAtMs: T0,
      event: 'flock',
      confidence: 1,
      count: 1,
      headingDeg: undefined,
    });
    const full = accepted(
      parseSensorMessage(eventTopic('sky-camera'), eventPayload('aircraft', T0, { confidence: 0.8, count: 3, heading_deg: 270 })),
    ).message as SkyEvent;
    assert.equal(full.event, 'aircraft');
    assert.equal(full.confidence, 0.8);
    assert.equal(full.count, 3);
    assert.equal(full.headingDeg, 270);
  });

  it('parses availability online and offline', () => {
    const topic = sensorTopic('lobby', ID, 'availability');
    assert.deepEqual(accepted(parseSensorMessage(topic, bytes('online'))).message, {
      kind: 'availability',
      site: 'lobby',
      sensorId: ID,
      online: true,
    });
    const offline = accepted(parseSensorMessage(topic, bytes('offline'))).message;
    assert.ok(offline.kind === 'availability' && !offline.online);
  });

  it('keeps the good readings of a payload and lists the bad ones with why', () => {
    const s = state({
      pressure: { value: 1012, unit: 'hPa' },
      wind_speed: { value: 3, unit: 'furlong/fortnight' },
      smell: { value: 1, unit: 'ppm' },
    });
    assert.deepEqual(s.readings, [{ quantity: 'pressure', value: 1012 }]);
    assert.deepEqual(
      s.rejected.map((r) => r.reason),
      ['unit', 'unknown_quantity'],
    );
    for (const r of s.rejected) assert.match(r.message, /sensor 'roof-baro'/);
  });

  it('reads a payload that is a view into a larger buffer', () => {
    const inner = statePayload({ pressure: { value: 1000, unit: 'hPa' } }, T0);
    const big = new Uint8Array(inner.length + 20);
    big.set(inner, 10);
    const view = big.subarray(10, 10 + inner.length);
    assert.ok(accepted(parseSensorMessage(stateTopic(ID), view)).ok);
  });
});

describe('parseSensorMessage: every rejection reason', () => {
  const good = { pressure: { value: 1013, unit: 'hPa' } };
  const stateWith = (body: unknown): ParseResult => parseSensorMessage(stateTopic(ID), bytes(JSON.stringify(body)));
  const ts = new Date(T0).toISOString();
  const cases: { reason: RejectionReason; what: string; result: () => ParseResult }[] = [
    { reason: 'too_large', what: 'payload over the size limit', result: () => parseSensorMessage(stateTopic(ID), new Uint8Array(MAX_PAYLOAD_BYTES + 1)) },
    { reason: 'json', what: 'truncated JSON', result: () => parseSensorMessage(stateTopic(ID), bytes('{"v":1,')) },
    { reason: 'schema', what: 'a JSON array', result: () => stateWith([1, 2, 3]) },
    { reason: 'schema', what: 'readings not an object', result: () => stateWith({ v: 1, ts, readings: 'lots' }) },
    { reason: 'schema', what: 'a reading that is a bare number', result: () => stateWith({ v: 1, ts, readings: { pressure: 1013 } }) },
    { reason: 'schema', what: 'an unknown event kind', result: () => parseSensorMessage(eventTopic(ID), eventPayload('dragon', T0)) },
    { reason: 'schema', what: 'availability neither online nor offline', result: () => parseSensorMessage(sensorTopic('lobby', ID, 'availability'), bytes('maybe')) },
    { reason: 'version', what: 'version 2', result: () => stateWith({ v: 2, ts, readings: good }) },
    { reason: 'version', what: 'no version', result: () => stateWith({ ts, readings: good }) },
    { reason: 'timestamp', what: 'no timestamp', result: () => stateWith({ v: 1, readings: good }) },
    { reason: 'timestamp', what: 'a timestamp that is not a date', result: () => stateWith({ v: 1, ts: 'yesterday-ish', readings: good }) },
    { reason: 'timestamp', what: 'a numeric timestamp', result: () => stateWith({ v: 1, ts: 1760522400000, readings: good }) },
    { reason: 'unknown_quantity', what: 'an unknown quantity', result: () => stateWith({ v: 1, ts, readings: { smell: { value: 1, unit: 'ppm' } } }) },
    { reason: 'unit', what: 'an unknown unit', result: () => stateWith({ v: 1, ts, readings: { pressure: { value: 14.7, unit: 'psi' } } }) },
    { reason: 'not_finite', what: 'a value that is a string', result: () => stateWith({ v: 1, ts, readings: { pressure: { value: '1013', unit: 'hPa' } } }) },
    { reason: 'not_finite', what: 'a null value', result: () => stateWith({ v: 1, ts, readings: { pressure: { value: null, unit: 'hPa' } } }) },
    { reason: 'out_of_range', what: '2 bar', result: () => stateWith({ v: 1, ts, readings: { pressure: { value: 2, unit: 'bar' } } }) },
    { reason: 'out_of_range', what: '120 % cloud', result: () => stateWith({ v: 1, ts, readings: { cloud_cover: { value: 120, unit: '%' } } }) },
    { reason: 'out_of_range', what: 'negative wind', result: () => stateWith({ v: 1, ts, readings: { wind_speed: { value: -1, unit: 'm/s' } } }) },
    { reason: 'out_of_range', what: 'a value that overflows when converted', result: () => stateWith({ v: 1, ts, readings: { pressure: { value: 1e306, unit: 'bar' } } }) },
    { reason: 'out_of_range', what: 'event confidence 1.5', result: () => parseSensorMessage(eventTopic(ID), eventPayload('bird', T0, { confidence: 1.5 })) },
    { reason: 'out_of_range', what: 'event count 0', result: () => parseSensorMessage(eventTopic(ID), eventPayload('bird', T0, { count: 0 })) },
    { reason: 'out_of_range', what: 'event count 2.5', result: () => parseSensorMessage(eventTopic(ID), eventPayload('bird', T0, { count: 2.5 })) },
    { reason: 'out_of_range', what: 'event heading 361', result: () => parseSensorMessage(eventTopic(ID), eventPayload('bird', T0, { heading_deg: 361 })) },
  ];
  for (const { reason, what, result } of cases) {
    it(`${reason}: ${what}`, () => {
      const message = rejected(result(), reason);
      assert.match(message, /sensor 'roof-baro'/, 'the message names the sensor');
    });
  }

  it('topic: wrong shapes are refused, naming the topic', () => {
    for (const topic of [
      '',
      'skychoir/lobby/sensor/roof-baro',
      'skychoir/lobby/sensor/roof-baro/telemetry',
      'skychoir/lo by/sensor/roof-baro/state',
      'skychoir/lobby/sensor/../state',
      'skychoir/lobby/sensor/roof-baro/state/extra',
      `skychoir/${'x'.repeat(65)}/sensor/a/state`,
      'other/lobby/sensor/roof-baro/state',
    ]) {
      const message = rejected(parseSensorMessage(topic, statePayload({}, T0)), 'topic');
      assert.ok(message.includes(topic.slice(0, 120)), message);
    }
  });

  it('a state whose every reading is bad is refused with the first reason', () => {
    const ts2 = new Date(T0).toISOString();
    const result = stateWith({
      v: 1,
      ts: ts2,
      readings: { pressure: { value: 14.7, unit: 'psi' }, cloud_cover: { value: 2, unit: 'fraction' } },
    });
    assert.match(rejected(result, 'unit'), /pressure unit 'psi' is not one of hPa/);
  });

  it('accepts a payload of exactly the size limit (padding is whitespace)', () => {
    const body = new TextDecoder().decode(statePayload(good, T0));
    const padded = body + ' '.repeat(MAX_PAYLOAD_BYTES - body.length);
    assert.ok(accepted(parseSensorMessage(stateTopic(ID), bytes(padded))).ok);
    rejected(parseSensorMessage(stateTopic(ID), bytes(padded + ' ')), 'too_large');
  });
});

describe('parseSensorMessage: properties', () => {
  const anyTopic = fc.oneof(
    fc.string(),
    fc.constantFrom(stateTopic(ID), eventTopic(ID), sensorTopic('lobby', ID, 'availability')),
    fc
      .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.constantFrom('state', 'event', 'availability'))
      .map(([site, id, channel]) => `skychoir/${site}/sensor/${id}/${channel}`),
  );

  /** Every accepted state holds only finite readings inside the quantity's range. */
  function checkResult(result: ParseResult): void {
    if (!result.ok) {
      assert.equal(typeof result.rejection.message, 'string');
      assert.ok(result.rejection.message.length > 0);
      return;
    }
    const m = result.message;
    if (m.kind === 'state') {
      assert.ok(Number.isFinite(m.measuredAtMs));
      for (const r of m.readings) {
        const range = QUANTITIES[r.quantity];
        assert.ok(Number.isFinite(r.value), `${r.quantity} ${r.value} is finite`);
        assert.ok(r.value >= range.min && r.value <= range.max, `${r.quantity} ${r.value} in ${range.min}..${range.max}`);
      }
    } else if (m.kind === 'event') {
      assert.ok(m.confidence >= 0 && m.confidence <= 1);
      assert.ok(Number.isInteger(m.count) && m.count >= 1);
      assert.ok(m.headingDeg === undefined || (m.headingDeg >= 0 && m.headingDeg <= 360));
    }
  }

  it('never throws on arbitrary bytes and topics', () => {
    fc.assert(
      fc.property(anyTopic, fc.uint8Array({ maxLength: 512 }), (topic, payload) => {
        checkResult(parseSensorMessage(topic, payload));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary JSON values, and accepted states hold only validated values', () => {
    fc.assert(
      fc.property(anyTopic, fc.jsonValue(), (topic, value) => {
        checkResult(parseSensorMessage(topic, bytes(JSON.stringify(value) ?? 'null')));
      }),
      { numRuns: 500 },
    );
  });

  it('readings of any value in any accepted unit come out finite and in range, or are refused', () => {
    const quantity = fc.constantFrom(...QUANTITY_NAMES);
    const reading = quantity.chain((q) =>
      fc.record({
        q: fc.constant(q),
        unit: fc.oneof(fc.constantFrom(...acceptedUnits(q)), fc.string({ maxLength: 6 })),
        value: fc.oneof(fc.double(), fc.double({ min: -2000, max: 2000, noNaN: true }), fc.integer(), fc.string(), fc.constant(null)),
      }),
    );
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 6 }), (list) => {
        const readings: Record<string, { value: unknown; unit: unknown }> = {};
        for (const r of list) readings[r.q] = { value: r.value, unit: r.unit };
        const result = parseSensorMessage(stateTopic(ID), statePayload(readings, T0));
        checkResult(result);
        if (result.ok && result.message.kind === 'state') {
          // Every reading is accounted for: kept or rejected with a reason.
          assert.equal(result.message.readings.length + result.message.rejected.length, Object.keys(readings).length);
        }
      }),
      { numRuns: 500 },
    );
  });
});
