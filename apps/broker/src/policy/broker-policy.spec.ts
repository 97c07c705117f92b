import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestAttributesFromUrl } from '@tether/kube';
import pino from 'pino';
import { BrokerPolicy } from './broker-policy';

const GOOD = `apiVersion: policy.tether.dev/v1
kind: Policy
rules:
  - name: developers-all
    allow: { groups: developers }
`;
const BROKEN = `apiVersion: policy.tether.dev/v1
kind: Policy
rules:
  - name: developers-all
    allow: { grops: developers }
`;

const getPods = requestAttributesFromUrl('GET', '/api/v1/namespaces/web/pods');
const request = {
  user: { username: 'bob', groups: ['developers'] },
  cluster: { name: 'dev-east', labels: {} },
  request: getPods,
  now: new Date(),
};

describe('BrokerPolicy', () => {
  let dir: string;
  let path: string;
  let policy: BrokerPolicy | undefined;
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tether-broker-policy-'));
    path = join(dir, 'policy.yaml');
    logged.length = 0;
  });
  afterEach(async () => {
    policy?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('denies everything and says where the problems are when the file is invalid at start', async () => {
    await writeFile(path, BROKEN);
    policy = new BrokerPolicy({ path, pollIntervalMs: 0, logger });
    await policy.start();
    expect(policy.evaluate(request)).toEqual({
      allowed: false,
      reason:
        'no policy is loaded, so every request is denied (the policy is invalid; see the broker log or /api/policy/status)',
    });
    expect(policy.status()).toMatchObject({ loaded: false, version: null, loadedAt: null });
    expect(policy.status().lastError).toMatch(
      /rules\[0\]\.allow\.grops \(line 5, column \d+\): unknown criterion/,
    );
    expect(logged.join('')).toMatch(/every request is denied: the policy is invalid:.*line 5/);
    expect(policy.summarize(request.user, request.cluster)).toMatch(/^no access \(no policy is loaded: /);
  });

  it('keeps the last good policy when the file turns invalid, and reports the error', async () => {
    await writeFile(path, GOOD);
    policy = new BrokerPolicy({ path, pollIntervalMs: 20, logger });
    await policy.start();
    const first = policy.status();
    expect(first).toMatchObject({ loaded: true, lastError: null });
    await writeFile(path, BROKEN);
    await vi.waitFor(() => expect(policy?.status().lastError).not.toBeNull());
    expect(policy.evaluate(request)).toMatchObject({ allowed: true, rule: 'developers-all' });
    expect(policy.status()).toMatchObject({ loaded: true, version: first.version, loadedAt: first.loadedAt });
    expect(policy.status().lastError).toContain('line 5');
    expect(logged.join('')).toContain('policy file rejected, the previous policy stays in force');
  });

  it('reports a missing configuration on the status endpoint', () => {
    policy = new BrokerPolicy({ logger });
    expect(policy.status()).toEqual({
      loaded: false,
      version: null,
      loadedAt: null,
      lastError: 'no policy file configured: set TETHER_BROKER_POLICY_FILE',
    });
  });
  it('announces a new version loaded after start (not the first), and re-reads at once when asked', async () => {
    await writeFile(path, GOOD);
    const announced: string[] = [];
    policy = new BrokerPolicy({
      path,
      pollIntervalMs: 0,
      logger,
      onNewVersion: (version) => announced.push(version),
    });
    await policy.start();
    expect(announced).toEqual([]);
    const first = policy.status().version;
    await writeFile(path, GOOD.replace('developers-all', 'developers-everything'));
    // Another replica saw the new file: this one re-reads now, without waiting for a poll or an event.
    await policy.reload();
    expect(policy.status().version).not.toBe(first);
    expect(announced).toEqual([policy.status().version]);
    await writeFile(path, BROKEN);
    await policy.reload();
    expect(announced).toHaveLength(1);
  });
});
