/**
 * The embedded MQTT broker (aedes), bound to loopback by default. In production a venue
 * may point the engine and the readers at Mosquitto instead (docs/operations.md).
 */
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { BrokerAccess, BrokerRole } from './brokerAccess.ts';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Who may connect and what they may do; without it the broker is open (tests only). */
  access?: BrokerAccess;
}

/** Refusals by kind, for /metrics. */
export interface BrokerRefusals {
  auth: number;
  publish: number;
  subscribe: number;
}

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  connectedClients(): number;
  readonly refusals: BrokerRefusals;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const aedes = await Aedes.createBroker({
    // A topic deeper than ours is never legitimate; aedes rejects it before routing.
    maxTopicLevels: 12,
    // One frozen subscriber must not stall delivery to the engine (aedes docs: drainTimeout).
    drainTimeout: 10_000,
    heartbeatInterval: 60_000,
  });
  const refusals: BrokerRefusals = { auth: 0, publish: 0, subscribe: 0 };
  const access = options.access;
  if (access) {
    const roles = new WeakMap<Client, { role: BrokerRole | 'internal'; username: string }>();
    aedes.authenticate = (client, username, password, done) => {
      const role = access.authenticate(username, password);
      if (!role || !username) {
        refusals.auth++;
        // MQTT 3.1.1 CONNACK return code 4: bad user name or password.
        const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 }) as AuthenticateError;
        return done(error, false);
      }
      roles.set(client, { role, username });
      done(null, true);
    };
    aedes.authorizePublish = (client, packet, callback) => {
      const who = client ? roles.get(client) : undefined;
      if (client && (!who || !access.canPublish(who.role, who.username, packet.topic))) {
        refusals.publish++;
        return callback(new Error(`not allowed to publish on ${packet.topic.slice(0, 100)}`));
      }
      callback(null);
    };
    aedes.authorizeSubscribe = (client, subscription, callback) => {
      const who = roles.get(client);
      if (!who || !access.canSubscribe(who.role, subscription.topic)) {
        refusals.subscribe++;
        return callback(new Error(`not allowed to subscribe to ${subscription.topic.slice(0, 100)}`));
      }
      callback(null, subscription);
    };
  }
  const server: Server = createServer(aedes.handle);
  server.listen(options.port, options.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw new Error(
      `embedded MQTT broker: cannot listen on ${options.host}:${options.port} (${(err as Error).message}); ` +
        'set broker.port to a free port or broker.embedded to false to use an external broker',
    );
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closed = false;
  return {
    url: `mqtt://${options.host}:${port}`,
    port,
    connectedClients: () => aedes.connectedClients,
    refusals,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
