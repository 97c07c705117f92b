import { parsePolicy, type PolicyUser } from '@tether/policy';
import pino from 'pino';
import { AccessRequestService } from './access-request.service';
import { PgliteSqlClient } from '@tether/sql';
import { SqlAccessRequestStore } from './sql-access-request-store';

const policy = parsePolicy(`apiVersion: policy.tether.dev/v1
kind: Policy
rules:
  - name: break-glass
    allow: { groups: tether:break-glass }
roles:
  - name: break-glass
    groups: [tether:break-glass]
    clusters: { cluster: [dev-east, dev-west] }
    requesters: { groups: developers }
    approvers: [platform-admins]
    maxDuration: 1h
    selfApproval: true
  - name: deployer
    groups: [tether:deployer]
    clusters: { cluster: dev-west }
    approvers: [platform-admins]
    maxDuration: 30m
`);

const bob: PolicyUser = { username: 'bob', groups: ['developers'] };
const alice: PolicyUser = { username: 'alice', groups: ['platform-admins'] };
const carol: PolicyUser = { username: 'carol', groups: ['security-auditors'] };
const dave: PolicyUser = { username: 'dave', groups: ['developers'] };

describe('AccessRequestService', () => {
  let store: SqlAccessRequestStore;
  let sut: AccessRequestService;
  let now: Date;
  const audit: Record<string, unknown>[] = [];
  const changed: string[] = [];

  beforeAll(async () => {
    store = new SqlAccessRequestStore(await PgliteSqlClient.open());
    await store.migrate();
  });
  afterAll(() => store.close());

  beforeEach(() => {
    now = new Date('2026-11-25T10:00:00Z');
    audit.length = 0;
    changed.length = 0;
    const logger = pino({ level: 'info' }, { write: (line: string) => void audit.push(JSON.parse(line)) });
    sut = new AccessRequestService({
      store,
      roles: () => policy.roles,
      cluster: (name) => (name.startsWith('dev-') ? { name, labels: {} } : undefined),
      grantsChanged: (username) => changed.push(username),
      logger,
      now: () => now,
    });
  });

  const grantsOf = (username: string) => store.activeGrants(username, now);

  it('approves a break-glass request at once when it has a reason, and audits both steps', async () => {
    const request = await sut.create(bob, {
      cluster: 'dev-west',
      role: 'break-glass',
      reason: 'INC-7',
      duration: '5m',
    });
    expect(request).toMatchObject({
      state: 'approved',
      decidedBy: 'bob',
      expiresAt: '2026-11-25T10:05:00.000Z',
    });
    expect(await grantsOf('bob')).toEqual([
      {
        role: 'break-glass',
        cluster: 'dev-west',
        expiresAt: new Date('2026-11-25T10:05:00Z'),
        requestId: request.id,
      },
    ]);
    expect(audit.map((line) => [line.audit, line.event, line.actor])).toEqual([
      [true, 'access_request.created', 'bob'],
      [true, 'access_request.approved', 'bob'],
    ]);
    expect(changed).toEqual(['bob']);
  });

  it('refuses break-glass without a reason, beyond the maximum, on other clusters and to non-requesters', async () => {
    const ask = { cluster: 'dev-west', role: 'break-glass', reason: 'INC-7', duration: '30m' };
    await expect(sut.create(dave, { ...ask, reason: ' ' })).rejects.toMatchObject({
      code: 'request_refused',
      message: "role 'break-glass' requires a reason",
    });
    await expect(sut.create(dave, { ...ask, duration: '2h' })).rejects.toMatchObject({
      code: 'request_refused',
      message: "role 'break-glass' is granted for at most 1h",
    });
    await expect(sut.create(dave, { ...ask, cluster: 'prod-eu' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(sut.create(carol, ask)).rejects.toMatchObject({
      code: 'request_refused',
      message: "you may not request role 'break-glass'",
    });
    await expect(sut.create(dave, { ...ask, role: 'root' })).rejects.toMatchObject({ code: 'unknown_role' });
    await expect(sut.create(dave, { ...ask, duration: 'soon' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    expect(await grantsOf('dave')).toEqual([]);
  });

  it('needs an approver for a role without self-approval; the requester cannot approve it', async () => {
    const request = await sut.create(bob, { cluster: 'dev-west', role: 'deployer', duration: '10m' });
    expect(request.state).toBe('pending');
    await expect(sut.approve(bob, request.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(sut.approve(carol, request.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await sut.list(alice)).find((r) => r.id === request.id)).toMatchObject({ mayDecide: true });
    expect((await sut.list(carol)).map((r) => r.id)).not.toContain(request.id);

    now = new Date(now.getTime() + 60_000);
    const approved = await sut.approve(alice, request.id);
    expect(approved).toMatchObject({
      state: 'approved',
      decidedBy: 'alice',
      expiresAt: '2026-11-25T10:11:00.000Z',
    });
    expect(await grantsOf('bob')).toContainEqual({
      role: 'deployer',
      cluster: 'dev-west',
      expiresAt: new Date('2026-11-25T10:11:00Z'),
      requestId: request.id,
    });
    await expect(sut.deny(alice, request.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('ends a grant on revocation by the requester, and records expiry', async () => {
    const first = await sut.create(bob, {
      cluster: 'dev-east',
      role: 'break-glass',
      reason: 'x',
      duration: '1m',
    });
    const revoked = await sut.revoke(bob, first.id);
    expect(revoked.state).toBe('revoked');
    expect((await grantsOf('bob')).filter((g) => g.cluster === 'dev-east')).toEqual([]);
    await expect(sut.revoke(carol, first.id)).rejects.toMatchObject({ code: 'forbidden' });

    const second = await sut.create(bob, {
      cluster: 'dev-east',
      role: 'break-glass',
      reason: 'y',
      duration: '1m',
    });
    now = new Date(now.getTime() + 61_000);
    expect((await grantsOf('bob')).filter((g) => g.cluster === 'dev-east')).toEqual([]);
    const listed = await sut.list(bob);
    expect(listed.find((r) => r.id === second.id)?.state).toBe('expired');
    expect(
      audit.some((line) => line.event === 'access_request.expired' && line.requestId === second.id),
    ).toBe(true);
  });

  it('answers not_found for unknown ids, and refuses everything while no policy is loaded', async () => {
    await expect(sut.approve(alice, 'nope')).rejects.toMatchObject({ code: 'not_found' });
    const unloaded = new AccessRequestService({
      store,
      roles: () => undefined,
      cluster: (name) => ({ name, labels: {} }),
      grantsChanged: () => {},
      logger: pino({ level: 'silent' }),
    });
    await expect(
      unloaded.create(bob, { cluster: 'dev-west', role: 'break-glass', reason: 'x', duration: '1m' }),
    ).rejects.toMatchObject({ code: 'policy_unavailable' });
  });
});
