import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import {
  type DecisionClaims,
  DecisionKeySet,
  DecisionSigner,
  DecisionVerifier,
  generateDecisionKey,
  hashRequestTarget,
  publicJwkOf,
} from '@tether/decision';
import { type HeaderLine, type KubeRequestHead, ResponseHeadReader } from '@tether/kube';
import { ApiServerSimulator, demoClusterManifests, demoClusterTokens } from '@tether/testing';
import pino from 'pino';
import { ApiServerConnection } from '../src/api-server/api-server-connection';
import { checkImpersonationAllowed } from '../src/api-server/impersonation-check';
import { KubeReplayer } from '../src/replay/kube-replayer';

const target = '/api/v1/namespaces/web/configmaps/frontend-config';

interface Answer {
  status: number;
  body: string;
}

/** A tunnel stream stand-in: what the broker would write, and everything the agent answers. */
function streamPair(): { stream: Duplex; answer: Promise<Answer> } {
  const toAgent = new PassThrough();
  const fromAgent = new PassThrough();
  toAgent.end();
  const stream = Duplex.from({ readable: toAgent, writable: fromAgent });
  const answer = new Promise<Answer>((resolve, reject) => {
    const reader = new ResponseHeadReader();
    let status = 0;
    let body = '';
    fromAgent.on('data', (chunk: Buffer) => {
      if (status === 0) {
        const parsed = reader.push(chunk);
        if (!parsed) return;
        status = parsed.head.status;
        body += parsed.rest.toString();
      } else {
        body += chunk.toString();
      }
    });
    fromAgent.on('end', () => resolve({ status, body }));
    fromAgent.on('error', reject);
  });
  return { stream, answer };
}

describe('agent replay', () => {
  let sim: ApiServerSimulator;
  let dir: string;
  let apiServer: ApiServerConnection;
  const key = generateDecisionKey('broker-key');
  const signer = new DecisionSigner(key);
  let verifier: DecisionVerifier;
  let replayer: KubeReplayer;

  beforeAll(async () => {
    sim = await ApiServerSimulator.start({
      clusterName: 'dev-east',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
    });
    dir = mkdtempSync(join(tmpdir(), 'tether-agent-'));
    writeFileSync(join(dir, 'kubeconfig'), sim.kubeconfig({ token: 'agent-token' }));
    apiServer = await ApiServerConnection.open({ kubeconfigPath: join(dir, 'kubeconfig') });
    verifier = new DecisionVerifier({ cluster: 'dev-east', keys: new DecisionKeySet([publicJwkOf(key)]) });
    replayer = new KubeReplayer(apiServer, verifier, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    apiServer.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function claims(overrides: Partial<DecisionClaims> = {}): DecisionClaims {
    const now = Math.floor(Date.now() / 1000);
    return {
      requestId: `r-${Math.random().toString(36).slice(2)}`,
      cluster: 'dev-east',
      method: 'GET',
      pathHash: hashRequestTarget(target),
      user: 'carol',
      groups: ['auditors'],
      rule: 'test',
      issuedAt: now,
      expiresAt: now + 10,
      ...overrides,
    };
  }

  function head(decision: string, headers: HeaderLine[] = [], pathAndQuery = target): KubeRequestHead {
    return {
      kind: 'kube-request',
      requestId: 'r',
      method: 'GET',
      pathAndQuery,
      headers,
      decision,
      clientAddress: '203.0.113.7',
    };
  }

  async function replay(requestHead: KubeRequestHead): Promise<Answer> {
    const { stream, answer } = streamPair();
    await replayer.replay(requestHead, stream);
    return answer;
  }

  const reachedApiServer = () => sim.requests.filter((r) => r.path.startsWith(target)).length;

  it('replays a verified request as the decided identity, with its own token, Audit-ID and X-Forwarded-For', async () => {
    const decided = claims();
    const answer = await replay(head(signer.sign(decided), [['Accept', 'application/json']]));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'frontend-config' },
    });
    const recorded = sim.requests.at(-1);
    expect(recorded?.authenticatedUser?.username).toBe('system:serviceaccount:tether-system:tether-agent');
    expect(recorded?.effectiveUser?.username).toBe('carol');
    const header = (name: string) =>
      recorded?.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    expect(header('audit-id')).toEqual([decided.requestId]);
    expect(header('x-forwarded-for')).toEqual(['203.0.113.7']);
    expect(header('impersonate-extra-tether.dev%2frequest-id')).toEqual([decided.requestId]);
  });

  it('strips identity headers that reached it through the tunnel, whatever the broker did', async () => {
    const smuggled: HeaderLine[] = [
      ['Impersonate-User', 'admin'],
      ['impersonate-group', 'system:masters'],
      ['Authorization', 'Bearer admin-token'],
      ['X-Forwarded-For', '10.0.0.1'],
    ];
    const answer = await replay(head(signer.sign(claims()), smuggled));
    expect(answer.status).toBe(200);
    const recorded = sim.requests.at(-1);
    expect(recorded?.effectiveUser?.username).toBe('carol');
    expect(recorded?.effectiveUser?.groups).not.toContain('system:masters');
    expect(
      recorded?.headers.filter(([n]) => n.toLowerCase() === 'x-forwarded-for').map(([, v]) => v),
    ).toEqual(['203.0.113.7']);
  });

  it.each([
    ['a replayed decision', () => signer.sign(claims({ requestId: 'reused' })), 'was already used'],
    [
      'an expired decision',
      () => signer.sign(claims({ issuedAt: 1_700_000_000, expiresAt: 1_700_000_010 })),
      'expired',
    ],
    [
      'a decision for another cluster',
      () => signer.sign(claims({ cluster: 'dev-west' })),
      'this agent serves "dev-east"',
    ],
    [
      'a decision for another path',
      () => signer.sign(claims({ pathHash: hashRequestTarget('/api/v1/secrets') })),
      'different path',
    ],
    [
      'a decision from a foreign key',
      () => new DecisionSigner(generateDecisionKey('broker-key')).sign(claims()),
      'signature',
    ],
    ['a tampered decision', () => tamper(signer.sign(claims())), 'signature'],
    ['no decision', () => '', 'no decision'],
  ])('refuses %s with a 403 Status and sends nothing to the API server', async (_name, decision, reason) => {
    if (reason === 'was already used') await replay(head(signer.sign(claims({ requestId: 'reused' }))));
    const before = reachedApiServer();
    const answer = await replay(head(decision()));
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({
      kind: 'Status',
      code: 403,
      message: expect.stringContaining(reason),
    });
    expect(reachedApiServer()).toBe(before);
  });
});

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { usr: string };
  claims.usr = 'admin';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

describe('agent credential rotation', () => {
  it('uses a rotated service-account token within a second, without a restart', async () => {
    const sim = await ApiServerSimulator.start({
      clusterName: 'dev-east',
      tokens: demoClusterTokens,
      manifests: [demoClusterManifests],
    });
    const dir = mkdtempSync(join(tmpdir(), 'tether-agent-rotation-'));
    try {
      writeFileSync(join(dir, 'kubeconfig'), sim.kubeconfig({ token: 'unused' }));
      writeFileSync(join(dir, 'token'), 'agent-token\n');
      const apiServer = await ApiServerConnection.open({
        kubeconfigPath: join(dir, 'kubeconfig'),
        tokenFile: join(dir, 'token'),
      });
      const start = Date.now();
      expect(await apiServer.authorizationHeader(start)).toBe('Bearer agent-token');
      const agent = demoClusterTokens.find((entry) => entry.token === 'agent-token');
      sim.addToken({ ...(agent as (typeof demoClusterTokens)[number]), token: 'agent-token-rotated' });
      sim.removeToken('agent-token');
      writeFileSync(join(dir, 'token'), 'agent-token-rotated\n');
      // The file is checked at most once a second: within it the old token stands, after it the new one.
      expect(await apiServer.authorizationHeader(start + 500)).toBe('Bearer agent-token');
      expect(await apiServer.authorizationHeader(start + 1_100)).toBe('Bearer agent-token-rotated');
      // The API server accepts the rotated credential (the old one is gone from its token table).
      expect(await checkImpersonationAllowed(apiServer)).toEqual({ allowed: true, reason: '' });
      apiServer.close();
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
