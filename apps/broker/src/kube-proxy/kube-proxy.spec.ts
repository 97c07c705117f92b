import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { DecisionSigner, generateDecisionKey, type DecisionClaims } from '@tether/decision';
import type { KubeRequestHead } from '@tether/kube';
import { parsePolicy, type PolicyDecision, type PolicyInput } from '@tether/policy';
import pino from 'pino';
import type { SessionIdentity } from '../auth/session-tokens';
import { BrokerPolicy } from '../policy/broker-policy';
import { decideAccess } from '../policy/policy-access';
import { KubeProxy } from './kube-proxy';

const policy = parsePolicy(`
apiVersion: policy.tether.dev/v1
kind: Policy
rules:
  - name: developers-read-dev-east
    allow: { groups: developers, clusterLabels: { env: dev }, verb: [get, list, watch] }
impersonation:
  user: \${email}
  groups: { prefix: 'oidc:' }
  extra: { tether.dev/idp-user: ['\${user}'] }
  mappings:
    - name: developers-edit-on-dev
      when: { groups: developers, cluster: dev-east }
      groups: [web-editors]
`);

const bob: SessionIdentity = {
  subject: 'idp|bob',
  username: 'bob',
  email: 'bob@acme.com',
  groups: ['developers'],
  sessionId: 's-1',
  expiresAt: Math.floor(Date.now() / 1000) + 600,
};
const devEast = { name: 'dev-east', labels: { env: 'dev' } };

/** The decision token's claims as signed (the agent verifies the signature; here we read what it says). */
function claimsOf(head: KubeRequestHead): {
  usr: string;
  grp: string[];
  ext?: DecisionClaims['extra'];
  rul: string;
} {
  return JSON.parse(Buffer.from(head.decision.split('.')[1], 'base64url').toString()) as ReturnType<
    typeof claimsOf
  >;
}

describe('KubeProxy with the policy', () => {
  let server: Server;
  let opened: KubeRequestHead[];
  let evaluator: { evaluate(input: PolicyInput): PolicyDecision };

  beforeEach(async () => {
    opened = [];
    evaluator = policy;
    const proxy = new KubeProxy({
      authenticate: () => Promise.resolve(bob),
      decide: (who, cluster, attributes) =>
        decideAccess(evaluator, who, { ...devEast, name: cluster }, attributes),
      transport: {
        isRegistered: (cluster) => cluster === 'dev-east',
        openStream: (_cluster, head) => {
          opened.push(head);
          const stream = new PassThrough();
          stream.end(); // no agent answer: the proxy answers 502, which these tests do not look at
          return stream;
        },
      },
      signer: new DecisionSigner(generateDecisionKey('k1')),
      decisionLifetimeSeconds: 10,
      logger: pino({ level: 'silent' }),
    });
    server = createServer((req, res) => void proxy.handleRequest(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(method: string, path: string): Promise<{ status: number; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method, path, headers: { authorization: 'Bearer t' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('signs the identity the policy maps: user, groups and extras, and names the rule', async () => {
    await send('GET', '/k8s/dev-east/api/v1/namespaces/web/pods');
    expect(opened).toHaveLength(1);
    expect(claimsOf(opened[0])).toMatchObject({
      usr: 'bob@acme.com',
      grp: ['oidc:developers', 'web-editors'],
      ext: { 'tether.dev/idp-user': ['bob'] },
      rul: 'developers-read-dev-east',
    });
  });

  it('denies what the policy denies with the API server’s 403 and the policy’s reason, reaching no agent', async () => {
    const reply = await send('DELETE', '/k8s/dev-east/api/v1/namespaces/web/pods/web-0');
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toMatchObject({
      kind: 'Status',
      reason: 'Forbidden',
      message:
        'pods "web-0" is forbidden: User "bob" cannot delete resource "pods" in API group "" in the namespace "web": ' +
        "no allow rule matched; closest: 'developers-read-dev-east' (verb delete not in [get, list, watch])",
    });
    expect(opened).toHaveLength(0);
  });

  it('denies everything, saying why, when no policy file is configured', async () => {
    const none = new BrokerPolicy({ logger: pino({ level: 'silent' }) });
    await none.start();
    evaluator = none;
    const reply = await send('GET', '/k8s/dev-east/api/v1/namespaces/web/pods');
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body).message).toMatch(
      /: no policy is loaded, so every request is denied \(no policy file configured: set TETHER_BROKER_POLICY_FILE\)$/,
    );
    expect(opened).toHaveLength(0);
  });
});
