/**
 * Enrollment against the two databases it runs on (real PostgreSQL on 127.0.0.1:5432 in a private
 * schema, and PGlite): the join-token life cycle, credential rotation and revocation, cluster removal,
 * and races between agents and replicas. Drives the service over the real store, as the API does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteSqlClient, PgSqlClient, type SqlClient } from '@tether/sql';
import { Client } from 'pg';
import pino from 'pino';
import { ClusterRegistry } from '../src/clusters/cluster-registry';
import { AgentAuthenticator } from '../src/enrollment/agent-authenticator';
import { EnrolledClusterSync } from '../src/enrollment/enrolled-cluster-sync';
import { EnrollmentService } from '../src/enrollment/enrollment.service';
import { SqlEnrollmentStore } from '../src/enrollment/sql-enrollment-store';

const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const alice = { username: 'alice', groups: ['platform-admins'] };
const bob = { username: 'bob', groups: ['developers'] };
const staticCluster = { name: 'legacy', agentTokenSha256: 'a'.repeat(64), labels: {} };

interface Backend {
  name: string;
  /** A client on the shared data; each call is a new connection (pool) where the database allows it. */
  connect(): Promise<SqlClient>;
  cleanup(): Promise<void>;
}

function postgresBackend(): Backend {
  const schema = `tether_enroll_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  let created: Promise<void> | undefined;
  return {
    name: 'PostgreSQL',
    connect: async () => {
      await (created ??= admin(`CREATE SCHEMA ${schema}`));
      return new PgSqlClient({ connectionString: POSTGRES_URL, schema });
    },
    cleanup: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

function pgliteBackend(): Backend {
  let dir: string | undefined;
  let opened: Promise<PgliteSqlClient> | undefined;
  return {
    name: 'PGlite',
    // One process holds a PGlite folder: every "connection" is the same client.
    connect: async () => {
      opened ??= mkdtemp(join(tmpdir(), 'tether-enroll-')).then((d) => PgliteSqlClient.open((dir = d)));
      const client = await opened;
      return {
        query: client.query.bind(client),
        exec: client.exec.bind(client),
        notify: client.notify.bind(client),
        listen: client.listen.bind(client),
        close: async () => {},
      };
    },
    cleanup: async () => {
      await (await opened)?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

describe.each([postgresBackend(), pgliteBackend()])('enrollment on $name', (backend) => {
  let clock = new Date('2026-12-07T10:00:00Z');
  const advance = (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000));
  const closed: string[] = [];
  const clients: SqlClient[] = [];
  let store: SqlEnrollmentStore;
  let registry: ClusterRegistry;
  let service: EnrollmentService;
  let agents: AgentAuthenticator;

  async function openService(): Promise<{ store: SqlEnrollmentStore; service: EnrollmentService }> {
    const client = await backend.connect();
    clients.push(client);
    const replicaStore = new SqlEnrollmentStore(client);
    await replicaStore.migrate();
    const replicaRegistry = new ClusterRegistry([staticCluster]);
    const logger = pino({ level: 'silent' });
    const sync = new EnrolledClusterSync(replicaStore, replicaRegistry, (c) => closed.push(c), logger);
    const authenticator = new AgentAuthenticator(replicaStore, replicaRegistry, () => clock);
    const replica = new EnrollmentService({
      store: replicaStore,
      registry: replicaRegistry,
      authenticator,
      closeTunnels: (cluster) => (closed.push(cluster), 1),
      refresh: () => sync.refresh(),
      settings: {
        adminGroups: ['platform-admins'],
        joinTokenTtlSeconds: 3600,
        credentialTtlSeconds: 30 * 24 * 3600,
        credentialGraceSeconds: 600,
        brokerUrl: 'https://broker.example',
      },
      logger,
      now: () => clock,
    });
    if (!service) {
      store = replicaStore;
      registry = replicaRegistry;
      agents = authenticator;
      service = replica;
    }
    return { store: replicaStore, service: replica };
  }

  beforeAll(async () => {
    // Two replicas migrating at once take turns on the advisory lock instead of failing.
    await Promise.all([openService(), openService()]);
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await backend.cleanup();
  });

  it('adds a cluster with a one-time join token, stored only as its hash', async () => {
    const grant = await service.addCluster(alice, { name: 'prod-eu', labels: { env: 'prod' } });
    expect(grant.joinToken).toMatch(/^tjt_[A-Za-z0-9_-]{43}$/);
    expect(grant.expiresAt).toBe(new Date(clock.getTime() + 3600_000).toISOString());
    expect(grant.helmInstall).toContain(`--set joinToken=${grant.joinToken}`);
    expect(grant.helmInstall).toContain('--set clusterName=prod-eu --set broker.url=https://broker.example');
    expect(registry.get('prod-eu')).toEqual({ name: 'prod-eu', labels: { env: 'prod' }, source: 'enrolled' });
    const rows = await clients[0]!.query<Record<string, unknown>>('SELECT * FROM cluster_join_tokens');
    expect(JSON.stringify(rows)).not.toContain(grant.joinToken);
  });

  it('refuses non-admins, bad names and labels, duplicates and static names, saying why', async () => {
    await expect(service.addCluster(bob, { name: 'x' })).rejects.toThrow(
      'only members of platform-admins may add clusters',
    );
    await expect(service.addCluster(alice, { name: 'Prod EU' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(
      service.addCluster(alice, { name: 'ok', labels: { 'bad key!': 'v' } }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(service.addCluster(alice, { name: 'prod-eu' })).rejects.toThrow(
      /already exists.*rotate prod-eu/,
    );
    await expect(service.addCluster(alice, { name: 'legacy' })).rejects.toThrow(/TETHER_BROKER_CLUSTERS/);
    await expect(service.removeCluster(bob, 'prod-eu')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(service.rotate(bob, 'prod-eu', {})).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('exchanges a join token once; the second use is refused as used, naming rotate', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'once' });
    const credential = await service.join(joinToken, { cluster: 'once' });
    expect(credential.cluster).toBe('once');
    expect(credential.credential).toMatch(/^tac_[A-Za-z0-9_-]{43}$/);
    expect(await agents.authenticate(credential.credential)).toMatchObject({ clusterName: 'once' });

    await expect(service.join(joinToken, { cluster: 'once' })).rejects.toMatchObject({
      code: 'join_token_used',
      status: 401,
      message: expect.stringMatching(/already used .* tether cluster rotate once/),
    });
  });

  it('refuses an expired join token, an unknown one, and one presented for another cluster', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'late' });
    await expect(service.join(joinToken, { cluster: 'other' })).rejects.toMatchObject({
      code: 'join_token_wrong_cluster',
    });
    advance(3601);
    await expect(service.join(joinToken, {})).rejects.toMatchObject({
      code: 'join_token_expired',
      message: expect.stringMatching(/expired at .*tether cluster rotate late/),
    });
    await expect(service.join(`tjt_${'A'.repeat(43)}`, {})).rejects.toMatchObject({
      code: 'join_token_unknown',
    });
    await expect(service.join('not-a-token', {})).rejects.toMatchObject({ code: 'join_token_unknown' });
  });

  it('rotate issues a new join token and revokes the unused old one', async () => {
    const first = await service.addCluster(alice, { name: 'rotated' });
    const second = await service.rotate(alice, 'rotated', {});
    await expect(service.join(first.joinToken, {})).rejects.toMatchObject({ code: 'join_token_revoked' });
    expect((await service.join(second.joinToken, {})).cluster).toBe('rotated');
  });

  it('rotate --revoke-credentials refuses the current credential at once and closes the tunnels', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'leaked' });
    const { credential } = await service.join(joinToken, {});
    closed.length = 0;
    const rotated = await service.rotate(alice, 'leaked', { revokeCredentials: true });
    expect(rotated.credentialsRevoked).toBe(1);
    expect(closed).toContain('leaked');
    await expect(agents.authenticate(credential)).rejects.toThrow(
      /was revoked.*tether cluster rotate leaked/,
    );
    const fresh = await service.join(rotated.joinToken, {});
    expect(await agents.authenticate(fresh.credential)).toMatchObject({ clusterName: 'leaked' });
  });

  it('rotates a credential: the new one works, the old one only for the grace period, and only once', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'rotating' });
    const old = await service.join(joinToken, {});
    advance(60);
    const next = await service.rotateCredential(old.credential);
    expect(next.cluster).toBe('rotating');
    expect(next.credential).not.toBe(old.credential);
    expect(Date.parse(next.expiresAt)).toBeGreaterThan(Date.parse(old.expiresAt));
    expect(await agents.authenticate(old.credential)).toMatchObject({ clusterName: 'rotating' });
    await expect(service.rotateCredential(old.credential)).rejects.toMatchObject({
      code: 'credential_replaced',
    });
    advance(601);
    await expect(agents.authenticate(old.credential)).rejects.toThrow(/replaced by a rotation/);
    expect(await agents.authenticate(next.credential)).toMatchObject({ clusterName: 'rotating' });
  });

  it('refuses an expired credential, naming the fix', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'expiring' });
    const { credential } = await service.join(joinToken, {});
    advance(30 * 24 * 3600 + 1);
    await expect(agents.authenticate(credential)).rejects.toThrow(
      /expired at .*tether cluster rotate expiring/,
    );
    await expect(service.rotateCredential(credential)).rejects.toMatchObject({ code: 'credential_refused' });
  });

  it('a removed cluster refuses its credential, closes its tunnels, and a re-added one does not revive it', async () => {
    const { joinToken } = await service.addCluster(alice, { name: 'gone' });
    const { credential } = await service.join(joinToken, {});
    closed.length = 0;
    expect(await service.removeCluster(alice, 'gone')).toMatchObject({ name: 'gone' });
    expect(closed).toContain('gone');
    expect(registry.has('gone')).toBe(false);
    await expect(agents.authenticate(credential)).rejects.toThrow(/not valid for any registered cluster/);
    await expect(service.join(joinToken, {})).rejects.toMatchObject({ code: 'join_token_unknown' });
    await service.addCluster(alice, { name: 'gone' });
    await expect(agents.authenticate(credential)).rejects.toMatchObject({ code: 'credential_refused' });
    await expect(service.removeCluster(alice, 'legacy')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.removeCluster(alice, 'never')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a refresh closes tunnels whose credential another replica revoked, and keeps those of rotated credentials', async () => {
    const other = await openService();
    const a = await service.addCluster(alice, { name: 'tunnel-revoked' });
    const b = await service.addCluster(alice, { name: 'tunnel-rotated' });
    const revoked = await service.join(a.joinToken, {});
    const rotated = await service.join(b.joinToken, {});
    const idOf = async (token: string) => (await agents.authenticate(token)).credentialId as string;
    const sessionsClosed: string[] = [];
    const session = (cluster: string, credentialId: string) => ({
      cluster,
      credentialId,
      close: () => {
        sessionsClosed.push(cluster);
        live = live.filter((s) => s.cluster !== cluster);
      },
    });
    let live = [
      session('tunnel-revoked', await idOf(revoked.credential)),
      session('tunnel-rotated', await idOf(rotated.credential)),
    ];
    const sync = new EnrolledClusterSync(
      store,
      registry,
      () => {},
      pino({ level: 'silent' }),
      () => live,
      () => clock,
    );

    await other.service.rotate(alice, 'tunnel-revoked', { revokeCredentials: true });
    await other.service.rotateCredential(rotated.credential);
    advance(601); // past the rotated-out credential's grace: its successor carries the tunnel
    await sync.refresh();
    expect(sessionsClosed).toEqual(['tunnel-revoked']);

    advance(30 * 24 * 3600); // the successor expires too
    await sync.refresh();
    expect(sessionsClosed).toEqual(['tunnel-revoked', 'tunnel-rotated']);
  });

  it('of many agents presenting one join token at once, on two replicas, exactly one wins', async () => {
    const other = await openService();
    const { joinToken } = await service.addCluster(alice, { name: 'race' });
    const attempts = Array.from({ length: 8 }, (_, i) =>
      (i % 2 === 0 ? service : other.service).join(joinToken, {}),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused).toHaveLength(7);
    for (const r of refused) expect(r.reason).toMatchObject({ code: 'join_token_used' });
    expect((await store.credentials('race')).length).toBe(1);
  });

  it('of two replicas rotating one credential at once, exactly one wins', async () => {
    const other = await openService();
    const { joinToken } = await service.addCluster(alice, { name: 'race-rotate' });
    const { credential } = await service.join(joinToken, {});
    const results = await Promise.allSettled([
      service.rotateCredential(credential),
      other.service.rotateCredential(credential),
      service.rotateCredential(credential),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it("shows admins each cluster's join-token state and credential expiry; another replica sees changes on refresh", async () => {
    const other = await openService();
    const details = await service.details(alice);
    expect(details.get('once')).toMatchObject({ createdBy: 'alice', joinToken: { state: 'used' } });
    expect(details.get('late')).toMatchObject({ joinToken: { state: 'expired' }, credential: null });
    expect(details.get('race')?.credential).not.toBeNull();
    await expect(service.details(bob)).rejects.toMatchObject({ code: 'forbidden' });

    await other.service.removeCluster(alice, 'once');
    expect(registry.has('once')).toBe(true);
    closed.length = 0;
    const sync = new EnrolledClusterSync(store, registry, (c) => closed.push(c), pino({ level: 'silent' }));
    await sync.refresh();
    expect(registry.has('once')).toBe(false);
    expect(closed).toEqual(['once']);
  });
});
