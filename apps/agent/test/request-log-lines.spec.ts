// Every log line about one kubectl request, at the broker and at the agent, carries the request id and
// the trace id: the broker's KubeProxy deciding with the grants database, a real tunnel over loopback
// and the agent's replay to the API server simulator, with tracing on, all in this process.
import { once } from 'node:events';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import {
  DecisionKeySet,
  DecisionSigner,
  DecisionVerifier,
  generateDecisionKey,
  publicJwkOf,
} from '@tether/decision';
import { parsePolicy } from '@tether/policy';
import { PgliteSqlClient } from '@tether/sql';
import { installInMemoryTracing, type InMemoryTracing } from '@tether/telemetry';
import { ApiServerSimulator, demoClusterManifests, demoClusterTokens } from '@tether/testing';
import pino, { type Logger } from 'pino';
import { ActiveGrants } from '../../broker/src/access-requests/active-grants';
import { SqlAccessRequestStore } from '../../broker/src/access-requests/sql-access-request-store';
import type { SessionIdentity } from '../../broker/src/auth/session-tokens';
import { grantsForDecision } from '../../broker/src/kube-proxy/grants-for-decision';
import { KubeProxy } from '../../broker/src/kube-proxy/kube-proxy';
import { decideAccess } from '../../broker/src/policy/policy-access';
import { ApiServerConnection } from '../src/api-server/api-server-connection';
import { KubeReplayer } from '../src/replay/kube-replayer';
import { StreamDispatcher } from '../src/tunnel/stream-dispatcher';
import { type AgentOverTunnel, agentOverTunnel } from './agent-over-tunnel';

interface LogLine {
  msg: string;
  requestId?: string;
  traceId?: string;
  [field: string]: unknown;
}

function capturingLogger(lines: LogLine[]): Logger {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
}

const policy = parsePolicy(`
apiVersion: policy.tether.dev/v1
kind: Policy
rules:
  - name: auditors-read
    allow: { groups: auditors, verb: [get, list, watch] }
`);
const carol: SessionIdentity = {
  subject: 'idp|carol',
  username: 'carol',
  email: 'carol@acme.com',
  groups: ['auditors'],
  sessionId: 's-1',
  expiresAt: Math.floor(Date.now() / 1000) + 600,
};
const target = '/k8s/dev-east/api/v1/namespaces/web/configmaps/frontend-config';

describe('log lines of one kube request, at the broker and the agent', () => {
  let tracing: InMemoryTracing;
  let sim: ApiServerSimulator;
  let dir: string;
  let tokenFile: string;
  let database: PgliteSqlClient;
  let apiServer: ApiServerConnection;
  let agent: AgentOverTunnel;
  let proxyServer: Server;
  let strangerProxyServer: Server;
  const lines: LogLine[] = [];
  const key = generateDecisionKey('broker-key');

  beforeAll(async () => {
    tracing = installInMemoryTracing();
    sim = await ApiServerSimulator.start({
      clusterName: 'dev-east',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
    });
    dir = mkdtempSync(join(tmpdir(), 'tether-log-lines-'));
    writeFileSync(join(dir, 'kubeconfig'), sim.kubeconfig({ token: 'agent-token' }));
    // The agent's own token as a file, the way the kubelet projects it into the pod.
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'agent-token\n');
    apiServer = await ApiServerConnection.open({ kubeconfigPath: join(dir, 'kubeconfig'), tokenFile });
    const agentLogger = capturingLogger(lines);
    const keys = new DecisionKeySet([publicJwkOf(key)]);
    const replayer = new KubeReplayer(
      apiServer,
      new DecisionVerifier({ cluster: 'dev-east', keys }),
      agentLogger,
    );
    const dispatcher = new StreamDispatcher(keys, replayer, agentLogger);

    agent = await agentOverTunnel(dispatcher);

    database = await PgliteSqlClient.open();
    const accessRequests = new SqlAccessRequestStore(database);
    await accessRequests.migrate();
    const grants = new ActiveGrants(accessRequests, 0);
    const proxyWith = (signer: DecisionSigner) =>
      new KubeProxy({
        authenticate: () => Promise.resolve(carol),
        decide: async (who, cluster, attributes, requestLogger) =>
          decideAccess(
            policy,
            who,
            { name: cluster, labels: {} },
            attributes,
            await grantsForDecision(grants, who.username, requestLogger),
          ),
        transport: agent.transport,
        signer,
        decisionLifetimeSeconds: 10,
        logger: capturingLogger(lines),
      });
    const serve = async (proxy: KubeProxy) => {
      const server = createServer((req, res) => void proxy.handleRequest(req, res));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return server;
    };
    proxyServer = await serve(proxyWith(new DecisionSigner(key)));
    // A broker whose signing key the agent was never given.
    strangerProxyServer = await serve(proxyWith(new DecisionSigner(generateDecisionKey('stranger'))));
  });

  afterAll(async () => {
    for (const server of [proxyServer, strangerProxyServer])
      await new Promise<void>((resolve) => server.close(() => resolve()));
    await agent.close();
    apiServer.close();
    await sim.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await tracing.shutdown();
  });

  function get(server: Server, headers: Record<string, string> = {}): Promise<number> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: target, headers: { authorization: 'Bearer t', ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** One request; its status, its request and trace id (from the broker's span), and every line logged meanwhile. */
  async function oneRequest(
    server: Server,
    headers?: Record<string, string>,
  ): Promise<{ status: number; requestId: string; traceId: string; logged: LogLine[] }> {
    tracing.reset();
    lines.length = 0;
    const status = await get(server, headers);
    const deadline = Date.now() + 5_000;
    let root = tracing.spans().find((span) => span.kind === SpanKind.SERVER);
    while (!root && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      root = tracing.spans().find((span) => span.kind === SpanKind.SERVER);
    }
    if (!root) throw new Error('the broker ended no span for the request');
    return {
      status,
      requestId: root.attributes['tether.request_id'] as string,
      traceId: root.spanContext().traceId,
      logged: [...lines],
    };
  }

  function expectEveryLineOf(
    { requestId, traceId, logged }: Awaited<ReturnType<typeof oneRequest>>,
    messages: string[],
  ): void {
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(logged.map((line) => line.msg)).toEqual(expect.arrayContaining(messages));
    for (const line of logged) expect(line, line.msg).toMatchObject({ requestId, traceId });
  }

  it('the agent refusing a decision signed by a key it does not know', async () => {
    const outcome = await oneRequest(strangerProxyServer);
    expect(outcome.status).toBe(403);
    expectEveryLineOf(outcome, ['refused request from tunnel']);
  });

  it('the agent failing to replay: its own token file is gone', async () => {
    unlinkSync(tokenFile);
    try {
      const outcome = await oneRequest(proxyServer);
      expect(outcome.status).toBe(500);
      expectEveryLineOf(outcome, ['replay failed']);
    } finally {
      writeFileSync(tokenFile, 'agent-token\n');
    }
    expect((await oneRequest(proxyServer)).status).toBe(200);
  });

  it('the broker failing to hand over a head too large for a tunnel frame', async () => {
    // Within Node's 16 KiB of headers, but every backslash doubles in the JSON head: past 32 KiB.
    const outcome = await oneRequest(proxyServer, { 'x-padding': '\\'.repeat(16_150) });
    expect(outcome.status).toBe(503);
    expectEveryLineOf(outcome, ['could not open a tunnel stream']);
  });

  it('the broker deciding without just-in-time grants while their database is down', async () => {
    await database.close();
    const outcome = await oneRequest(proxyServer);
    expect(outcome.status).toBe(200); // the standing rule still allows it
    expectEveryLineOf(outcome, ['could not read access grants; deciding without them']);
  });

  it('both, when the API server is down too', async () => {
    await sim.close();
    const outcome = await oneRequest(proxyServer);
    expect(outcome.status).toBe(502);
    expectEveryLineOf(outcome, [
      'could not read access grants; deciding without them',
      'API server request failed',
    ]);
  });
});
