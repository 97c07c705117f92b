import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli-program.js';
import { AuditApi } from '../broker/audit-api.js';
import { CliError, exitCodes } from '../errors/cli-error.js';
import { auditEvent, FakeAuditor } from '../test-support/fake-auditor.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { seedSession, testContext, type TestContext } from '../test-support/test-context.js';
import { backoffMs } from './audit-tail.command.js';

async function waitFor(what: string, probe: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('tether audit search and tail against a local audit API', () => {
  let auditor: FakeAuditor;
  let broker: FakeBroker;
  let embedded: FakeBroker;
  let ctx: TestContext;
  let accessToken: string;

  beforeAll(async () => {
    auditor = await FakeAuditor.start();
    broker = await FakeBroker.start({ auditUrl: `${auditor.url}/` });
    embedded = await FakeBroker.start();
  });
  afterAll(async () => {
    await Promise.all([auditor.close(), broker.close(), embedded.close()]);
  });
  beforeEach(async () => {
    // A tail of the previous test may still be closing on the server's side.
    await waitFor('earlier tails closed', () => auditor.openTails === 0);
    ctx = testContext();
    accessToken = seedSession(ctx, broker, 600_000).accessToken;
    auditor.requests.length = 0;
    auditor.events = Array.from({ length: 120 }, (_, i) => auditEvent(i));
    auditor.pageCap = 1000;
    auditor.refusal = undefined;
    auditor.dropTailsOnOpen = false;
  });
  afterEach(() => ctx.cleanup());

  const audit = (...args: string[]) => runCli(ctx, ['audit', ...args]);

  it('asks the auditor the broker names, with the session token and the filters, and prints a table', async () => {
    const before = Date.now();
    const code = await audit(
      'search',
      '--cluster',
      'dev-west',
      '--user',
      'bob@example.com,alice@example.com',
      '-n',
      'web',
      '--decision',
      'allow',
      '--since',
      '2h',
      '--limit',
      '3',
    );
    expect(ctx.stderr()).toBe('The newest 3 shown; more match (--limit N, or --all).\n');
    expect(code).toBe(exitCodes.ok);
    expect(auditor.requests).toHaveLength(1);
    const [request] = auditor.requests;
    expect(request?.path).toBe('/api/audit/events');
    expect(request?.authorization).toBe(`Bearer ${accessToken}`);
    const query = Object.fromEntries(request?.query ?? []);
    expect(query).toMatchObject({
      cluster: 'dev-west',
      user: 'bob@example.com,alice@example.com',
      namespace: 'web',
      decision: 'allow',
      limit: '3',
    });
    const since = Date.parse(query.since ?? '');
    expect(since).toBeGreaterThanOrEqual(before - 7_200_000);
    expect(since).toBeLessThanOrEqual(Date.now() - 7_200_000);
    const lines = ctx.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^TIME +CLUSTER +USER +VERB +RESOURCE +DECISION +CODE +JIT \/ RULE \/ REASON$/);
    expect(lines[1]).toMatch(
      /dev-west +bob@example\.com +get +web\/pods\/pod-0 +allow +200 +developers-read-dev-west$/,
    );
    expect(lines[3]).toContain('web/pods/pod-2');
  });

  it('follows cursors until --limit events are printed, asking only for what is still missing', async () => {
    auditor.pageCap = 25;
    expect(await audit('search', '--limit', '70', '-o', 'jsonl')).toBe(exitCodes.ok);
    expect(auditor.requests.map((r) => [r.query.get('limit'), r.query.get('cursor')])).toEqual([
      ['70', null],
      ['45', '25'],
      ['20', '50'],
    ]);
    const printed = ctx
      .stdout()
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { auditID: string }).auditID);
    expect(printed).toEqual(auditor.events.slice(0, 70).map((e) => e.auditID));
  });

  it('prints the newest 50 by default and every page with --all, as one JSON array', async () => {
    expect(await audit('search', '-o', 'json')).toBe(exitCodes.ok);
    expect((JSON.parse(ctx.stdout()) as unknown[]).length).toBe(50);

    const all = testContext();
    seedSession(all, broker, 600_000);
    auditor.pageCap = 25;
    auditor.requests.length = 0;
    try {
      expect(await runCli(all, ['audit', 'search', '--all', '-o', 'json'])).toBe(exitCodes.ok);
      expect(JSON.parse(all.stdout())).toEqual(auditor.events);
      expect(auditor.requests.map((r) => r.query.get('limit'))).toEqual([
        '1000',
        '1000',
        '1000',
        '1000',
        '1000',
      ]);
      expect(all.stderr()).toBe('');
    } finally {
      all.cleanup();
    }
  });

  it('says so on stderr when nothing matches, and prints an empty array for scripts', async () => {
    auditor.events = [];
    expect(await audit('search', '--user', 'nobody')).toBe(exitCodes.ok);
    expect(ctx.stdout()).toBe('');
    expect(ctx.stderr()).toBe('No audit events match.\n');
    expect(await audit('search', '-o', 'json')).toBe(exitCodes.ok);
    expect(ctx.stdout()).toBe('[]\n');
  });

  it('refuses bad filters and --limit before asking anyone (usage, exit 2)', async () => {
    expect(await audit('search', '--since', '2 hours')).toBe(exitCodes.usage);
    expect(ctx.stderr()).toContain('--since "2 hours" is neither a relative time');
    expect(await audit('search', '--decision', 'maybe')).toBe(exitCodes.usage);
    expect(await audit('search', '--limit', '0')).toBe(exitCodes.usage);
    expect(await audit('search', '--limit', '5', '--all')).toBe(exitCodes.usage);
    expect(await audit('search', '-o', 'yaml')).toBe(exitCodes.usage);
    expect(auditor.requests).toEqual([]);
  });

  it("exits 6 with the server's message when the reader is not in an audit group", async () => {
    auditor.refusal = {
      status: 403,
      body: {
        error: 'forbidden',
        error_description: 'only members of security-auditors may read the audit log',
      },
    };
    expect(await audit('search')).toBe(exitCodes.forbidden);
    expect(ctx.stderr()).toBe(
      `tether: the auditor at ${auditor.url} refused: only members of security-auditors may read the audit log\n` +
        '  Your groups come from your identity provider when you sign in: once you are in the group, run tether login again.\n',
    );
    expect(await audit('tail')).toBe(exitCodes.forbidden);
    expect(ctx.stderr()).toMatch(/refused: only members of security-auditors may read the audit log\n.*\n$/);
  });

  it('exits 3 when the audit API does not accept the sign-in, and when not signed in at all', async () => {
    auditor.refusal = {
      status: 401,
      body: { error: 'unauthorized', error_description: 'session token expired' },
    };
    expect(await audit('search')).toBe(exitCodes.loginRequired);
    expect(ctx.stderr()).toContain('did not accept your sign-in (session token expired)');
    expect(await audit('tail')).toBe(exitCodes.loginRequired);

    const stranger = testContext();
    try {
      expect(await runCli(stranger, ['audit', 'search'])).toBe(exitCodes.loginRequired);
      expect(stranger.stderr()).toContain('no broker chosen yet');
    } finally {
      stranger.cleanup();
    }
  });

  it('asks the broker itself when it names no auditor, and explains a broker without the API', async () => {
    const local = testContext();
    seedSession(local, embedded, 600_000);
    try {
      expect(await runCli(local, ['audit', 'search'])).toBe(exitCodes.error);
      expect(embedded.requests.map((r) => r.path)).toContain('/api/audit/events');
      expect(local.stderr()).toContain(`${embedded.url}/api/audit/events?limit=50 answered 404`);
      expect(local.stderr()).toContain('This broker names no auditor (TETHER_BROKER_AUDITOR_URL)');
    } finally {
      local.cleanup();
    }
  });

  it('exits 4 when the auditor cannot be reached', async () => {
    const gone = await FakeAuditor.start();
    const url = gone.url;
    await gone.close();
    const lonely = await FakeBroker.start({ auditUrl: url });
    const local = testContext();
    seedSession(local, lonely, 600_000);
    try {
      expect(await runCli(local, ['audit', 'search'])).toBe(exitCodes.brokerUnreachable);
      expect(local.stderr()).toContain(`cannot reach ${url}/api/audit/events`);
      expect(await runCli(local, ['audit', 'tail'])).toBe(exitCodes.brokerUnreachable);
    } finally {
      local.cleanup();
      await lonely.close();
    }
  });

  it('tail prints events as they come, one header, reconnects after a drop, and exits 0 when interrupted', async () => {
    const stop = new AbortController();
    ctx.interrupt = stop.signal;
    const running = audit('tail', '--cluster', 'dev-west', '--decision', 'deny,reject');
    await waitFor('the tail connected', () => auditor.openTails === 1);
    const tailRequest = auditor.requests.find((r) => r.path === '/api/audit/tail');
    expect(Object.fromEntries(tailRequest?.query ?? [])).toEqual({
      cluster: 'dev-west',
      decision: 'deny,reject',
    });
    expect(tailRequest?.authorization).toBe(`Bearer ${accessToken}`);

    auditor.publish(auditEvent(1, { verb: 'delete' }));
    await waitFor('the first event printed', () => ctx.stdout().includes('web/pods/pod-1'));
    auditor.dropTails();
    await waitFor('the reconnection', () => ctx.stderr().includes('reconnected'));
    await waitFor('the tail connected again', () => auditor.openTails === 1);
    auditor.publish(auditEvent(2, { verb: 'delete' }));
    await waitFor('the second event printed', () => ctx.stdout().includes('web/pods/pod-2'));
    stop.abort();
    expect(await running).toBe(exitCodes.ok);

    const lines = ctx.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TIME +CLUSTER/);
    expect(lines[1]).toMatch(/ delete +web\/pods\/pod-1 /);
    expect(lines[2]).toMatch(/ delete +web\/pods\/pod-2 /);
    expect(ctx.stderr()).toMatch(
      new RegExp(
        `tether: audit tail: lost the stream from the auditor at ${auditor.url} \\(.*\\); reconnecting in \\d(\\.\\d)? s\n`,
      ),
    );
    expect(ctx.stderr()).toMatch(
      /reconnected; events stored while disconnected are not replayed: tether audit search --since \d{4}-\d\d-\d\dT[\d:.]+Z\n/,
    );
    expect(auditor.requests.filter((r) => r.path === '/api/audit/tail')).toHaveLength(2);
  });

  it('tail backs off further when each connection drops right after it opened', async () => {
    const stop = new AbortController();
    ctx.interrupt = stop.signal;
    auditor.dropTailsOnOpen = true;
    const running = audit('tail');
    await waitFor('two reconnections', () => (ctx.stderr().match(/reconnecting in/g) ?? []).length >= 2);
    stop.abort();
    expect(await running).toBe(exitCodes.ok);
    const delays = [...ctx.stderr().matchAll(/reconnecting in ([\d.]+) s/g)].map((m) => Number(m[1]));
    expect(delays[0]).toBeGreaterThanOrEqual(0.8);
    expect(delays[0]).toBeLessThanOrEqual(1);
    expect(delays[1]).toBeGreaterThanOrEqual(1.6);
    expect(delays[1]).toBeLessThanOrEqual(2);
  });

  it('tail -o jsonl writes each event on its own line, exactly as received', async () => {
    const stop = new AbortController();
    ctx.interrupt = stop.signal;
    const running = audit('tail', '-o', 'jsonl');
    await waitFor('the tail connected', () => auditor.openTails === 1);
    const events = [auditEvent(7), auditEvent(8, { annotations: { 'tether.dev/cluster': 'dev-east' } })];
    for (const event of events) auditor.publish(event);
    await waitFor('both events printed', () => ctx.stdout().split('\n').length === 3);
    stop.abort();
    expect(await running).toBe(exitCodes.ok);
    expect(
      ctx
        .stdout()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(events);
  });

  it('tail stops reading while stdout is backed up, then prints everything in order', async () => {
    const stop = new AbortController();
    ctx.interrupt = stop.signal;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    ctx.io.outBacklog = () => (writes++ === 0 ? gate : undefined);
    const running = audit('tail', '-o', 'jsonl');
    await waitFor('the tail connected', () => auditor.openTails === 1);
    const events = [auditEvent(11), auditEvent(12), auditEvent(13)];
    for (const event of events) auditor.publish(event);
    await waitFor('the first event printed', () => ctx.stdout().includes(events[0]?.auditID ?? '?'));
    // The others have arrived by now (same connection, sent at once) but must wait for the reader.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ctx.stdout().trimEnd().split('\n')).toHaveLength(1);
    release();
    await waitFor('all events printed', () => ctx.stdout().trimEnd().split('\n').length === 3);
    stop.abort();
    expect(await running).toBe(exitCodes.ok);
    expect(
      ctx
        .stdout()
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(events);
    expect(ctx.stderr()).not.toContain('reconnecting');
  });

  it('tail treats a silent connection as dropped (no heartbeat within the idle time)', async () => {
    const api = new AuditApi(broker.url, () => Promise.resolve(accessToken), { auditUrl: auditor.url });
    let opened = false;
    const outcome = api
      .tail(new URLSearchParams(), {
        signal: new AbortController().signal,
        idleMs: 300,
        onOpen: () => (opened = true),
        onEvent: () => undefined,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const error = (await outcome) as CliError;
    expect(opened).toBe(true);
    expect(error).toBeInstanceOf(CliError);
    expect(error.code).toBe('broker_unreachable');
    expect(error.message).toBe(
      `lost the stream from the auditor at ${auditor.url} (nothing received for 0 s)`,
    );
  });

  it('tail refuses a 200 that is not an event stream (e.g. the sign-in page of a proxy)', async () => {
    const proxy = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const api = new AuditApi(broker.url, () => Promise.resolve(accessToken), { auditUrl: url });
    try {
      const error = await api
        .tail(new URLSearchParams(), {
          signal: new AbortController().signal,
          idleMs: 5000,
          onEvent: () => undefined,
        })
        .then(
          () => undefined,
          (e: unknown) => e as CliError,
        );
      expect(error?.code).toBe('broker_error');
      expect(error?.message).toBe(`${url}/api/audit/tail? answered text/html, not an event stream`);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('backs off 1 s, 2 s, 4 s … up to 30 s, less up to a fifth at random', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map((n) => backoffMs(n, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(backoffMs(0, () => 0.999)).toBe(800);
  });
});
