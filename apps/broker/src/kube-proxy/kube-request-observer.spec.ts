import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';
import { DecisionSigner, generateDecisionKey } from '@tether/decision';
import { encodeResponseHead, type KubeRequestHead, statusFailure } from '@tether/kube';
import pino from 'pino';
import { SessionTokenError } from '../auth/session-token.errors';
import type { SessionIdentity } from '../auth/session-tokens';
import { KubeProxy } from './kube-proxy';
import type { KubeRequestObserver, KubeRequestOutcome, KubeRequestSummary } from './kube-request-observer';

const bob: SessionIdentity = {
  subject: 'idp|bob',
  username: 'bob',
  email: 'bob@acme.com',
  groups: ['developers'],
  sessionId: 's-1',
  expiresAt: Math.floor(Date.now() / 1000) + 600,
};

interface Seen {
  started: number[];
  finished: { summary: KubeRequestSummary; outcome: KubeRequestOutcome }[];
}

/** An observer that records what it is told; `admit` can be replaced per test. */
function recordingObserver(): KubeRequestObserver & { seen: Seen } {
  const seen: Seen = { started: [], finished: [] };
  return {
    seen,
    responseStarted: (_summary, status) => seen.started.push(status),
    finished: (summary, outcome) => seen.finished.push({ summary, outcome }),
  };
}

describe('KubeProxy observers', () => {
  let server: Server;
  let opened: KubeRequestHead[];
  let agentBody: Buffer;
  let observer: ReturnType<typeof recordingObserver>;
  let extraObservers: KubeRequestObserver[];
  let tokenValid: boolean;

  beforeEach(async () => {
    opened = [];
    agentBody = Buffer.from('{"kind":"PodList","items":[]}');
    observer = recordingObserver();
    extraObservers = [];
    tokenValid = true;
    const proxy = new KubeProxy({
      authenticate: () =>
        tokenValid ? Promise.resolve(bob) : Promise.reject(new SessionTokenError('TOKEN_EXPIRED', 'expired')),
      decide: (_who, _cluster, attributes) =>
        attributes.verb === 'delete'
          ? { allowed: false, reason: 'read-only' }
          : { allowed: true, rule: 'read', user: 'bob@acme.com', groups: ['developers'], extra: {} },
      transport: {
        isRegistered: (cluster) => cluster === 'dev-east',
        openStream: (_cluster, head) => {
          opened.push(head);
          // A stand-in agent: swallow the request body, answer with a framed head and a body.
          const toAgent = new PassThrough();
          const fromAgent = new PassThrough();
          toAgent.resume();
          toAgent.on('end', () => {
            fromAgent.write(
              encodeResponseHead({ status: 200, headers: [['Content-Type', 'application/json']] }),
            );
            fromAgent.end(agentBody);
          });
          return Duplex.from({ readable: fromAgent, writable: toAgent });
        },
      },
      signer: new DecisionSigner(generateDecisionKey('k1')),
      decisionLifetimeSeconds: 10,
      logger: pino({ level: 'silent' }),
      observers: [observer, { finished: () => undefined, admit: (s) => extraObservers[0]?.admit?.(s) }],
    });
    server = createServer((req, res) => void proxy.handleRequest(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(method: string, path: string, body = ''): Promise<{ status: number; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: { authorization: 'Bearer t', 'user-agent': 'kubectl/v1.34.5' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  it('reports an allowed request once, with who, what, the decision, status and bytes each way', async () => {
    const reply = await send('POST', '/k8s/dev-east/api/v1/namespaces/web/configmaps', 'x'.repeat(123));
    await settle();
    expect(reply.status).toBe(200);
    expect(observer.seen.started).toEqual([200]);
    expect(observer.seen.finished).toHaveLength(1);
    const [{ summary, outcome }] = observer.seen.finished;
    expect(summary).toMatchObject({
      requestId: opened[0].requestId,
      cluster: 'dev-east',
      method: 'POST',
      requestUri: '/api/v1/namespaces/web/configmaps',
      userAgent: 'kubectl/v1.34.5',
      upgrade: false,
      who: { username: 'bob' },
      attributes: { verb: 'create', resource: 'configmaps', namespace: 'web' },
      access: { allowed: true, rule: 'read' },
    });
    expect(outcome).toMatchObject({ status: 200, bytesFromClient: 123, bytesToClient: agentBody.length });
    expect(outcome.refusal).toBeUndefined();
  });

  it('reports a denial with the Status it sent, and nothing reaches an agent', async () => {
    const reply = await send('DELETE', '/k8s/dev-east/api/v1/namespaces/web/pods/web-0');
    expect(reply.status).toBe(403);
    expect(opened).toHaveLength(0);
    expect(observer.seen.started).toEqual([]);
    const [{ summary, outcome }] = observer.seen.finished;
    expect(summary.access).toEqual({ allowed: false, reason: 'read-only' });
    expect(outcome.status).toBe(403);
    expect(outcome.refusal).toContain('read-only');
  });

  it('reports a request whose token failed without naming anybody', async () => {
    tokenValid = false;
    const reply = await send('GET', '/k8s/dev-east/api/v1/pods');
    expect(reply.status).toBe(401);
    const [{ summary, outcome }] = observer.seen.finished;
    expect(summary.who).toBeUndefined();
    expect(summary.cluster).toBe('dev-east');
    expect(outcome.status).toBe(401);
  });

  it('lets an observer refuse an allowed request before any decision is signed or sent', async () => {
    extraObservers = [
      {
        finished: () => undefined,
        admit: () => statusFailure(503, 'ServiceUnavailable', 'audit spool full'),
      },
    ];
    const reply = await send('GET', '/k8s/dev-east/api/v1/pods');
    expect(reply.status).toBe(503);
    expect(JSON.parse(reply.body).message).toBe('audit spool full');
    expect(opened).toHaveLength(0);
    expect(observer.seen.finished[0].outcome).toMatchObject({ status: 503, refusal: 'audit spool full' });
  });

  it('fails closed when an observer cannot decide admission', async () => {
    extraObservers = [
      {
        finished: () => undefined,
        admit: () => {
          throw new Error('spool unreadable');
        },
      },
    ];
    const reply = await send('GET', '/k8s/dev-east/api/v1/pods');
    expect(reply.status).toBe(503);
    expect(opened).toHaveLength(0);
  });

  it('answers the client even when an observer throws while reporting', async () => {
    observer.finished = () => {
      throw new Error('sink broken');
    };
    observer.responseStarted = () => {
      throw new Error('sink broken');
    };
    const reply = await send('GET', '/k8s/dev-east/api/v1/pods');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe(agentBody.toString());
  });
});
