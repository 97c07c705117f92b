/**
 * Two broker applications (the real AppModule, not listening) on one PostgreSQL schema, as two
 * replicas are: what one changes reaches the other through the change feed, without waiting for any
 * cache to expire — a revoked session, a JIT approval and revocation, an enrolled and a removed cluster,
 * a new policy version.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { demoPolicyFile } from '@tether/testing';
import { Client } from 'pg';
import { ActiveGrants } from '../src/access-requests/active-grants';
import { AccessRequestService } from '../src/access-requests/access-request.service';
import { AppModule } from '../src/app.module';
import { SessionStore } from '../src/auth/session-store';
import { SessionTokens } from '../src/auth/session-tokens';
import { readBrokerConfig } from '../src/broker-config.provider';
import type { BrokerChange, BrokerChangeType } from '../src/change-feed/broker-change';
import { ChangeFeed } from '../src/change-feed/change-feed';
import { ClusterRegistry } from '../src/clusters/cluster-registry';
import { EnrollmentService } from '../src/enrollment/enrollment.service';
import { BrokerPolicy } from '../src/policy/broker-policy';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const alice = { username: 'alice@example.com', groups: ['platform-admins'] };
const bob = { subject: 'u-bob', username: 'bob@example.com', groups: ['developers'] };

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('changes between two broker replicas on one database', () => {
  const schema = `tether_changes_${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'tether-replicas-'));
  // The ConfigMap both replicas mount, each through its own kubelet.
  const policyFile = join(dir, 'policy.yaml');
  const apps: INestApplication[] = [];
  let a: INestApplication;
  let b: INestApplication;

  /** Resolves when `app` hears a change of `type` from the other replica (after its own handlers ran). */
  function heard<T extends BrokerChangeType>(app: INestApplication, type: T): Promise<BrokerChange> {
    return new Promise((resolve) => app.get(ChangeFeed).on(type, resolve));
  }

  async function replica(): Promise<INestApplication> {
    const databaseUrl = new URL(POSTGRES_URL);
    databaseUrl.searchParams.set('options', `-c search_path=${schema}`);
    const config = readBrokerConfig({
      TETHER_BROKER_TLS_CERT_FILE: join(dir, 'unused.pem'),
      TETHER_BROKER_TLS_KEY_FILE: join(dir, 'unused.pem'),
      TETHER_BROKER_PORT: '0',
      TETHER_BROKER_METRICS_PORT: '0',
      TETHER_BROKER_LOG_LEVEL: 'fatal',
      TETHER_BROKER_DATABASE_URL: databaseUrl.toString(),
      TETHER_BROKER_DATA_DIR: join(dir, `data-${apps.length}`),
      TETHER_BROKER_SESSION_KEY_FILE: join(dir, 'session-key.pem'),
      TETHER_BROKER_POLICY_FILE: policyFile,
      TETHER_BROKER_CLUSTERS: JSON.stringify([
        { name: 'dev-west', agentTokenSha256: 'b'.repeat(64), labels: { env: 'dev' } },
      ]),
    });
    const app = await NestFactory.create(AppModule.forConfig(config, { SDK_DISABLED: true }), {
      logger: false,
      bodyParser: false,
    });
    await app.init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    await admin(`CREATE SCHEMA ${schema}`);
    copyFileSync(demoPolicyFile, policyFile);
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'session-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    a = await replica();
    b = await replica();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses on B, at once, a session token whose session A revoked', async () => {
    const { session } = await a.get(SessionStore).create(bob);
    const token = await a.get(SessionTokens).issue({ ...bob, sessionId: session.id }, 600);
    expect((await b.get(SessionTokens).verify(token)).username).toBe(bob.username);
    const told = heard(b, 'session-revoked');
    await a.get(SessionStore).revoke(session.id);
    await told;
    await expect(b.get(SessionTokens).verify(token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('honours on A a JIT grant approved on B, and drops it on A when B revokes it', async () => {
    const grantsOnA = a.get(ActiveGrants);
    const requestsOnB = b.get(AccessRequestService);
    const request = await requestsOnB.create(bob, {
      cluster: 'dev-west',
      role: 'on-call',
      duration: '1h',
      reason: 'INC-42',
    });
    expect(await grantsOnA.for(bob.username)).toEqual([]);
    const approved = heard(a, 'access-changed');
    await requestsOnB.approve(alice, request.id);
    await approved;
    expect(await grantsOnA.for(bob.username)).toEqual([
      expect.objectContaining({ cluster: 'dev-west', role: 'on-call' }),
    ]);
    const revoked = heard(a, 'access-changed');
    await requestsOnB.revoke(alice, request.id);
    await revoked;
    expect(await grantsOnA.for(bob.username)).toEqual([]);
  });

  it('makes B re-read the policy file as soon as A loads a new version', async () => {
    const [policyOnA, policyOnB] = [a.get(BrokerPolicy), b.get(BrokerPolicy)];
    const before = policyOnB.status().version;
    expect(before).toBe(policyOnA.status().version);
    // B stops following the file itself (its kubelet has not updated the mount yet, or its poll is
    // far off): only the change feed can bring it the new version now.
    policyOnB.stop();
    const told = heard(b, 'policy-reload');
    writeFileSync(policyFile, `${readFileSync(demoPolicyFile, 'utf8')}\n# edited by the platform team\n`);
    await policyOnA.reload();
    const after = policyOnA.status().version;
    expect(after).not.toBe(before);
    expect(await told).toMatchObject({ type: 'policy-reload', version: after });
    await eventually(() => policyOnB.status().version === after, 'B to load the version A loaded');
  });

  it('makes a cluster enrolled on A known on B, and forgets it on B when A removes it', async () => {
    const registryOnB = b.get(ClusterRegistry);
    const added = heard(b, 'cluster-added');
    await a.get(EnrollmentService).addCluster(alice, { name: 'prod-eu', labels: { env: 'prod' } });
    await added;
    await eventually(() => registryOnB.has('prod-eu'), 'B to know prod-eu');
    const removed = heard(b, 'cluster-removed');
    await a.get(EnrollmentService).removeCluster(alice, 'prod-eu');
    await removed;
    await eventually(() => !registryOnB.has('prod-eu'), 'B to forget prod-eu');
  });
});
