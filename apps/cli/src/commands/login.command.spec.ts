import { request } from 'node:https';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli-program.js';
import { CliConfigStore } from '../config/cli-config-store.js';
import { exitCodes } from '../errors/cli-error.js';
import { TokenCache } from '../session/token-cache.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { FakeDevIdp } from '../test-support/fake-dev-idp.js';
import { testContext, type TestContext } from '../test-support/test-context.js';

/** What a browser does with the sign-in URL here: one redirect from the broker to the loopback. */
function browse(url: string, caPem: string): void {
  request(url, { ca: caPem }, (res) => {
    res.resume();
    const location = res.headers.location;
    if (location) void fetch(location).then((r) => r.text());
  }).end();
}

describe('tether login', () => {
  let ctx: TestContext;
  let caFile: string;
  afterEach(() => ctx.cleanup());

  describe('with the browser', () => {
    let broker: FakeBroker;
    beforeAll(async () => (broker = await FakeBroker.start()));
    afterAll(() => broker.close());
    beforeEach(() => {
      ctx = testContext();
      caFile = join(ctx.dir, 'ca.pem');
      writeFileSync(caFile, broker.caPem);
    });

    it('signs in with PKCE through the loopback, stores the session 0600 and remembers broker and CA', async () => {
      const visited: string[] = [];
      ctx.openBrowser = (url) => {
        visited.push(url);
        browse(url, broker.caPem);
        return true;
      };
      const code = await runCli(ctx, ['login', '--broker', `${broker.url}/`, '--broker-ca', caFile]);
      expect(ctx.stderr()).toContain(visited[0]);
      expect(code).toBe(exitCodes.ok);
      expect(visited[0]).toMatch(
        /\/auth\/login\?redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcallback&state=.+&code_challenge=.+&code_challenge_method=S256$/,
      );
      expect(ctx.stdout()).toContain(`Signed in to ${broker.url} as bob (groups: developers)`);

      const cache = new TokenCache(ctx.env.configDir, broker.url);
      expect(cache.read()?.user.username).toBe('bob');
      expect(statSync(cache.path).mode & 0o777).toBe(0o600);
      const config = new CliConfigStore(ctx.env.configDir).read();
      expect(config).toEqual({
        currentBroker: broker.url,
        brokers: { [broker.url]: { caPem: broker.caPem } },
      });

      // The next login needs neither --broker nor --broker-ca, and revokes the session it replaces.
      const old = cache.read()?.refreshToken;
      expect(await runCli(ctx, ['login'])).toBe(exitCodes.ok);
      expect(broker.requests.some((r) => r.path === '/auth/revoke' && r.body.refresh_token === old)).toBe(
        true,
      );
    });

    it('refuses a broker whose private CA it was not given, saying how to trust it', async () => {
      const code = await runCli(ctx, ['login', '--broker', broker.url]);
      expect(code).toBe(exitCodes.error);
      expect(ctx.stderr()).toContain('is not trusted');
      expect(ctx.stderr()).toContain(`tether login --broker ${broker.url} --broker-ca <ca.pem>`);
    });

    it('exits 4 when the broker cannot be reached', async () => {
      const code = await runCli(ctx, ['login', '--broker', 'https://127.0.0.1:1']);
      expect(code).toBe(exitCodes.brokerUnreachable);
      expect(ctx.stderr()).toContain('cannot reach https://127.0.0.1:1');
    });

    it('exits 2 for usage errors: no broker yet, a non-PEM CA file, an http broker elsewhere', async () => {
      expect(await runCli(ctx, ['login'])).toBe(exitCodes.usage);
      writeFileSync(join(ctx.dir, 'bad.pem'), 'not a cert');
      expect(
        await runCli(ctx, ['login', '--broker', broker.url, '--broker-ca', join(ctx.dir, 'bad.pem')]),
      ).toBe(exitCodes.usage);
      expect(await runCli(ctx, ['login', '--broker', 'http://tether.example.com'])).toBe(exitCodes.usage);
      expect(await runCli(ctx, ['login', '--no-such-flag'])).toBe(exitCodes.usage);
    });

    it('refuses --dev-user against a broker that is not in dev mode', async () => {
      const logins = () => broker.requests.filter((r) => r.path === '/auth/login').length;
      const before = logins();
      const code = await runCli(ctx, [
        'login',
        '--broker',
        broker.url,
        '--broker-ca',
        caFile,
        '--dev-user',
        'bob',
      ]);
      expect(code).toBe(exitCodes.error);
      expect(ctx.stderr()).toContain('is not in dev mode, so --dev-user is refused');
      expect(logins()).toBe(before);
    });
  });

  describe('as a dev user', () => {
    let broker: FakeBroker;
    let idp: FakeDevIdp;
    beforeAll(async () => {
      idp = await FakeDevIdp.start();
      broker = await FakeBroker.start({ devMode: true, idpIssuer: idp.issuer, deviceInterval: 1 });
      idp.brokerUrl = broker.url;
    });
    afterAll(() => Promise.all([broker.close(), idp.close()]));
    beforeEach(() => {
      ctx = testContext();
      caFile = join(ctx.dir, 'ca.pem');
      writeFileSync(caFile, broker.caPem);
    });

    it('follows the redirects itself, keeping the broker cookie, and signs in as the named user', async () => {
      const code = await runCli(ctx, [
        'login',
        '--broker',
        broker.url,
        '--broker-ca',
        caFile,
        '--dev-user',
        'alice',
      ]);
      expect(ctx.stderr()).toContain(`signing in as alice at the dev IdP ${idp.issuer}`);
      expect(code).toBe(exitCodes.ok);
      expect(broker.loginCookieSeen).toBe(true);
      expect(new TokenCache(ctx.env.configDir, broker.url).read()?.user.username).toBe('alice');
    });

    it("passes on the dev IdP's error for an unknown user", async () => {
      const code = await runCli(ctx, [
        'login',
        '--broker',
        broker.url,
        '--broker-ca',
        caFile,
        '--dev-user',
        'mallory',
      ]);
      expect(code).toBe(exitCodes.error);
      expect(ctx.stderr()).toContain('dev IdP sign-in as mallory failed');
      expect(ctx.stderr()).toContain('no demo user "mallory"');
    });

    it('approves a device code through the dev IdP with --device --dev-user', async () => {
      const code = await runCli(ctx, [
        'login',
        '--broker',
        broker.url,
        '--broker-ca',
        caFile,
        '--device',
        '--dev-user',
        'bob',
      ]);
      expect(code).toBe(exitCodes.ok);
      expect(idp.approvedDevices).toContainEqual({ userCode: 'BCDF-GHJK', username: 'bob' });
    });
  });
});
