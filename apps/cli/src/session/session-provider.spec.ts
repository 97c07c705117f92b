import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { BrokerApi } from '../broker/broker-api.js';
import { FakeBroker } from '../test-support/fake-broker.js';
import { seedSession, testContext, type TestContext } from '../test-support/test-context.js';
import { validSession } from './session-provider.js';
import { TokenCache } from './token-cache.js';

describe('the session behind every broker call and kubectl credential', () => {
  let broker: FakeBroker;
  let ctx: TestContext;
  let cache: TokenCache;

  beforeAll(async () => {
    broker = await FakeBroker.start();
  });
  afterAll(() => broker.close());
  beforeEach(() => {
    ctx = testContext();
    cache = new TokenCache(ctx.env.configDir, broker.url);
    broker.refreshes = 0;
  });
  afterEach(() => ctx.cleanup());

  const provide = () =>
    validSession({
      cache,
      refresh: (token) => new BrokerApi(broker.url, { caPem: broker.caPem }).refresh(token),
    });

  it('uses a cached access token with more than 30 s left without asking the broker', async () => {
    const seeded = seedSession(ctx, broker, 120_000);
    const session = await provide();
    expect(session.accessToken).toBe(seeded.accessToken);
    expect(broker.refreshes).toBe(0);
  });

  it('refreshes a token with under 30 s left and stores the rotated one privately and atomically', async () => {
    const seeded = seedSession(ctx, broker, 10_000);
    const session = await provide();
    expect(session.accessToken).not.toBe(seeded.accessToken);
    expect(session.refreshToken).not.toBe(seeded.refreshToken);
    expect(broker.refreshes).toBe(1);
    expect(cache.read()?.refreshToken).toBe(session.refreshToken);
    expect(statSync(cache.path).mode & 0o777).toBe(0o600);
    expect(statSync(cache.dir).mode & 0o777).toBe(0o700);
    expect(statSync(ctx.env.configDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(cache.dir).sort()).toEqual([cache.path.split('/').pop()]); // no temp or lock file left
  });

  it('makes ten concurrent callers share one refresh: the rotated token is never presented twice', async () => {
    seedSession(ctx, broker, 0);
    const sessions = await Promise.all(Array.from({ length: 10 }, () => provide()));
    expect(broker.refreshes).toBe(1);
    expect(new Set(sessions.map((s) => s.accessToken)).size).toBe(1);
  });

  it('breaks a lock left behind by a crashed process once it is stale', async () => {
    seedSession(ctx, broker, 0);
    writeFileSync(cache.lockPath, '999999:dead');
    const past = new Date(Date.now() - 60_000);
    utimesSync(cache.lockPath, past, past);
    const session = await provide();
    expect(session.accessToken).toBeTruthy();
    expect(broker.refreshes).toBe(1);
  });

  it('forgets a session the broker no longer accepts and asks for a new sign-in', async () => {
    const seeded = seedSession(ctx, broker, 0);
    await new BrokerApi(broker.url, { caPem: broker.caPem }).revoke(seeded.refreshToken);
    await expect(provide()).rejects.toMatchObject({
      code: 'login_required',
      message: `your session for ${broker.url} expired; run: tether login --broker ${broker.url}`,
    });
    expect(cache.read()).toBeUndefined();
  });

  it('does not even try a refresh token that expired on this clock', async () => {
    const seeded = seedSession(ctx, broker, 0);
    cache.write({ ...seeded, refreshExpiresAt: new Date(Date.now() - 1000).toISOString() });
    await expect(provide()).rejects.toMatchObject({ code: 'login_required' });
    expect(broker.requests.filter((r) => r.body.refresh_token === seeded.refreshToken)).toHaveLength(0);
  });

  it('says "not signed in" when there is no session at all', async () => {
    await expect(provide()).rejects.toMatchObject({
      code: 'login_required',
      message: expect.stringContaining(`you are not signed in to ${broker.url}`),
    });
  });
});
