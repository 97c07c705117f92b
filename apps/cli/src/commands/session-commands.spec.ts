import { runCli } from '../cli-program.js';
import { exitCodes } from '../errors/cli-error.js';
import { TokenCache } from '../session/token-cache.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { seedSession, testContext, type TestContext } from '../test-support/test-context.js';

describe('commands that use the stored session', () => {
  let broker: FakeBroker;
  let ctx: TestContext;

  beforeAll(async () => {
    broker = await FakeBroker.start({
      clusters: [
        { name: 'dev-east', online: true, access: 'all verbs in namespaces web' },
        { name: 'dev-west', online: false, access: 'get, list, watch' },
      ],
    });
  });
  afterAll(() => broker.close());
  beforeEach(() => (ctx = testContext()));
  afterEach(() => ctx.cleanup());

  it('whoami shows user, groups and expiry', async () => {
    seedSession(ctx, broker, 600_000);
    expect(await runCli(ctx, ['whoami'])).toBe(exitCodes.ok);
    expect(ctx.stdout()).toMatch(/User: +bob <bob@example\.com>/);
    expect(ctx.stdout()).toMatch(/Groups: +developers/);
    expect(ctx.stdout()).toMatch(/Token expires: +\d{4}-\d\d-\d\dT.*\(in \d+ min\)/);
  });

  it("whoami warns when this computer's clock is far from the broker's", async () => {
    seedSession(ctx, broker, 600_000);
    broker.clockOffsetMs = 300_000;
    try {
      expect(await runCli(ctx, ['whoami'])).toBe(exitCodes.ok);
    } finally {
      broker.clockOffsetMs = 0;
    }
    expect(ctx.stderr()).toMatch(
      /warning: this computer's clock is 30\d s behind the broker's; fix it \(enable NTP\)/,
    );
  });

  it('kube ls prints NAME STATUS ACCESS', async () => {
    seedSession(ctx, broker, 600_000);
    expect(await runCli(ctx, ['kube', 'ls'])).toBe(exitCodes.ok);
    expect(ctx.stdout().split('\n')).toEqual([
      'NAME       STATUS    ACCESS',
      'dev-east   online    all verbs in namespaces web',
      'dev-west   offline   get, list, watch',
      '',
    ]);
  });

  it('kube ls -o json gives the broker answer for scripts', async () => {
    seedSession(ctx, broker, 600_000);
    expect(await runCli(ctx, ['kube', 'ls', '-o', 'json'])).toBe(exitCodes.ok);
    expect(JSON.parse(ctx.stdout())).toMatchObject({
      broker: broker.url,
      clusters: [{ name: 'dev-east' }, { name: 'dev-west' }],
    });
  });

  it('logout revokes the session at the broker and deletes the token file', async () => {
    const session = seedSession(ctx, broker, 600_000);
    expect(await runCli(ctx, ['logout'])).toBe(exitCodes.ok);
    expect(broker.requests).toContainEqual(
      expect.objectContaining({ path: '/auth/revoke', body: { refresh_token: session.refreshToken } }),
    );
    expect(new TokenCache(ctx.env.configDir, broker.url).read()).toBeUndefined();
    expect(await runCli(ctx, ['whoami'])).toBe(exitCodes.loginRequired);
    expect(ctx.stderr()).toContain(`you are not signed in to ${broker.url}`);
  });

  it('logout without the broker still forgets the tokens here, and says the session lives on (exit 4)', async () => {
    const session = seedSession(ctx, broker, 600_000);
    const cache = new TokenCache(ctx.env.configDir, 'https://127.0.0.1:1');
    cache.write({ ...session, broker: 'https://127.0.0.1:1' });
    expect(await runCli(ctx, ['logout', '--broker', 'https://127.0.0.1:1'])).toBe(
      exitCodes.brokerUnreachable,
    );
    expect(cache.read()).toBeUndefined();
    expect(ctx.stderr()).toContain('signed out here, but the broker could not revoke the session');
    expect(ctx.stderr()).toContain(`stays valid on the broker until ${session.refreshExpiresAt}`);
  });

  it('exits 3 when the broker no longer accepts the access token', async () => {
    const session = seedSession(ctx, broker, 600_000);
    new TokenCache(ctx.env.configDir, broker.url).write({ ...session, accessToken: 'forged' });
    expect(await runCli(ctx, ['kube', 'ls'])).toBe(exitCodes.loginRequired);
    expect(ctx.stderr()).toContain('the broker did not accept your sign-in');
  });

  describe('kube credential (in process)', () => {
    it('prints only the ExecCredential JSON on stdout', async () => {
      const session = seedSession(ctx, broker, 600_000);
      expect(await runCli(ctx, ['kube', 'credential', 'dev-east'])).toBe(exitCodes.ok);
      expect(ctx.stderr()).toBe('');
      expect(JSON.parse(ctx.stdout())).toEqual({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: {
          token: session.accessToken,
          expirationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        },
      });
    });

    it('without a terminal, tells the person to run tether login and exits 3 when refresh fails', async () => {
      const session = seedSession(ctx, broker, 0);
      await runCli({ ...ctx, io: { out: () => undefined, err: () => undefined } }, ['logout']);
      new TokenCache(ctx.env.configDir, broker.url).write(session); // a copy of the now-revoked session
      ctx.env.execInfo = JSON.stringify({ kind: 'ExecCredential', spec: { interactive: false } });
      expect(await runCli(ctx, ['kube', 'credential', 'dev-east', '--broker', broker.url])).toBe(
        exitCodes.loginRequired,
      );
      expect(ctx.stdout()).toBe('');
      expect(ctx.stderr()).toContain(`tether: your session for ${broker.url} expired; run: tether login`);
    });

    it('with a terminal, starts a browser sign-in when refresh fails and then prints the credential', async () => {
      const session = seedSession(ctx, broker, 0);
      await runCli({ ...ctx, io: { out: () => undefined, err: () => undefined } }, ['logout']);
      new TokenCache(ctx.env.configDir, broker.url).write(session);
      ctx.env.execInfo = JSON.stringify({ kind: 'ExecCredential', spec: { interactive: true } });
      ctx.openBrowser = (url) => {
        void fetchWithCa(url, broker.caPem);
        return true;
      };
      expect(await runCli(ctx, ['kube', 'credential', 'dev-east'])).toBe(exitCodes.ok);
      expect(ctx.stderr()).toContain('needs you to sign in again');
      expect(JSON.parse(ctx.stdout()).status.token).not.toBe(session.accessToken);
    });
  });
});

async function fetchWithCa(url: string, caPem: string): Promise<void> {
  const { request } = await import('node:https');
  request(url, { ca: caPem }, (res) => {
    res.resume();
    if (res.headers.location) void fetch(res.headers.location).then((r) => r.text());
  }).end();
}
