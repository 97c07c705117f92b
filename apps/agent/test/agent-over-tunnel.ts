// An agent's stream dispatcher behind a real tunnel over loopback, in this process: what the broker's
// TunnelGateway gives KubeProxy, for tests that follow one request through both sides.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TunnelClient, TunnelServer } from '@tether/tunnel';
import type { ClusterTransport } from '../../broker/src/kube-proxy/kube-proxy';
import type { StreamDispatcher } from '../src/tunnel/stream-dispatcher';

export interface AgentOverTunnel {
  /** Streams to the agent of `cluster`, as TunnelGateway.openStream opens them. */
  transport: ClusterTransport;
  close(): Promise<void>;
}

/** Connects `dispatcher` as the agent of `cluster` and resolves once the broker side has its session. */
export async function agentOverTunnel(
  dispatcher: StreamDispatcher,
  cluster = 'dev-east',
): Promise<AgentOverTunnel> {
  const tunnelServer = new TunnelServer({ authenticate: () => ({ clusterName: cluster }) });
  const tunnelHttp = createServer((_req, res) => res.writeHead(404).end());
  tunnelServer.attach(tunnelHttp);
  tunnelHttp.listen(0, '127.0.0.1');
  await once(tunnelHttp, 'listening');
  const client = new TunnelClient({
    url: `ws://127.0.0.1:${(tunnelHttp.address() as AddressInfo).port}${tunnelServer.path}`,
    onStream: (stream, session) => dispatcher.dispatch(stream, session),
  });
  const connected = once(tunnelServer, 'session');
  client.start();
  await connected;
  return {
    transport: {
      isRegistered: (name) => name === cluster,
      openStream: (name, head) => tunnelServer.sessionFor(name)?.openStream(head),
    },
    close: async () => {
      await client.close(0);
      tunnelServer.close();
      tunnelHttp.closeAllConnections();
      await new Promise<void>((resolve) => tunnelHttp.close(() => resolve()));
    },
  };
}
