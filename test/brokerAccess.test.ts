/** The embedded broker refuses strangers and keeps each sensor to its own topic. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../src/broker/embeddedBroker.ts';
import { BrokerAccess, hashPassword, verifyPassword, parseBrokerUsers } from '../src/broker/brokerAccess.ts';

describe('broker access', () => {
  let broker: EmbeddedBroker;
  let access: BrokerAccess;
  let engine: mqtt.MqttClient;
  const received: string[] = [];

  before(async () => {
    access = new BrokerAccess('lobby', [
      { username: 'roof-wind', role: 'sensor', passwordHash: hashPassword('wind-secret-1') },
      { username: 'dash', role: 'viewer', passwordHash: hashPassword('viewer-secret') },
    ]);
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0, access });
    engine = await mqtt.connectAsync(broker.url, { ...access.internal, reconnectPeriod: 0 });
    await engine.subscribeAsync('skychoir/lobby/sensor/#', { qos: 1 });
    engine.on('message', (topic) => received.push(topic));
  });

  after(async () => {
    await engine.endAsync();
    await broker.close();
  });

  const connect = (opts: mqtt.IClientOptions): Promise<mqtt.MqttClient> =>
    mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });

  it('refuses a client without credentials or with a wrong password', async () => {
    await assert.rejects(connect({}), /Bad username or password|Not authorized|bad user name/i);
    await assert.rejects(connect({ username: 'roof-wind', password: 'guess' }), /Bad username or password/i);
    await assert.rejects(connect({ username: access.internal.username, password: 'x' }), /Bad username or password/i);
    assert.ok(broker.refusals.auth >= 3);
  });

  it('lets a sensor publish under its own topic only', async () => {
    const sensor = await connect({ username: 'roof-wind', password: 'wind-secret-1' });
    await sensor.publishAsync('skychoir/lobby/sensor/roof-wind/state', '{}', { qos: 1 });
    for (let i = 0; i < 50 && !received.includes('skychoir/lobby/sensor/roof-wind/state'); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(received.includes('skychoir/lobby/sensor/roof-wind/state'));

    const before = broker.refusals.publish;
    // Pretending to be the barometer: refused, and the broker closes the connection.
    sensor.publish('skychoir/lobby/sensor/roof-baro/state', '{"v":1}', { qos: 0 });
    for (let i = 0; i < 50 && broker.refusals.publish === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(broker.refusals.publish, before + 1);
    assert.ok(!received.includes('skychoir/lobby/sensor/roof-baro/state'));
    await sensor.endAsync(true);
  });

  it('lets a viewer subscribe but not publish, and a sensor not subscribe', async () => {
    const viewer = await connect({ username: 'dash', password: 'viewer-secret' });
    const granted = await viewer.subscribeAsync('skychoir/lobby/engine/#');
    assert.notEqual(granted[0]?.qos, 128);
    await viewer.endAsync(true);
    const sensor = await connect({ username: 'roof-wind', password: 'wind-secret-1' });
    const before = broker.refusals.subscribe;
    sensor.subscribe('skychoir/#');
    for (let i = 0; i < 50 && broker.refusals.subscribe === before; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(broker.refusals.subscribe, before + 1);
    await sensor.endAsync(true);
  });

  it('hashes passwords with scrypt and checks a users file', () => {
    const h = hashPassword('correct horse');
    assert.match(h, /^scrypt\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    assert.ok(verifyPassword('correct horse', h));
    assert.ok(!verifyPassword('correct hors', h));
    assert.ok(!verifyPassword('x', 'plain-text'));
    assert.throws(() => parseBrokerUsers('[{"username":"a b","role":"sensor","passwordHash":"scrypt$1$2"}]', 'f'), /username/);
    assert.throws(() => parseBrokerUsers('[{"username":"a","role":"root","passwordHash":"scrypt$1$2"}]', 'f'), /role/);
    assert.throws(() => parseBrokerUsers('[{"username":"a","role":"sensor","passwordHash":"hunter2"}]', 'f'), /scrypt hash/);
    assert.equal(parseBrokerUsers(`[{"username":"a","role":"sensor","passwordHash":"${h}"}]`, 'f').length, 1);
  });
});
