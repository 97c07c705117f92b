/** Test support: a TCP proxy that can turn existing connections into a black hole (half-open links). */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Existing connections stop forwarding in both directions, without closing: a silently dead link. */
  blackhole(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const links = new Set<{ forwarding: boolean; sockets: Socket[] }>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const link = { forwarding: true, sockets: [client, upstream] };
    links.add(link);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => {
        if (link.forwarding) to.write(chunk);
      });
      from.on('end', () => link.forwarding && to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        if (link.forwarding) to.destroy();
        links.delete(link);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    blackhole: () => {
      for (const link of links) link.forwarding = false;
    },
    close: async () => {
      for (const link of links) for (const socket of link.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
