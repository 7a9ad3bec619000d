/**
 * The embedded MQTT broker (aedes), bound to loopback by default. In production a venue
 * may point the engine and the readers at Mosquitto instead (docs/operations.md).
 */
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  connectedClients(): number;
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
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
