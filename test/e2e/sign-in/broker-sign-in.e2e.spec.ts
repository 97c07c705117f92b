import { createHash, randomBytes } from 'node:crypto';
import { httpCall, type HttpReply, KubectlRunner, startTetherStack, type TetherStack } from '@tether/testing';

// Sign-in through the broker against the real dev IdP: code + PKCE, device grant, refresh, logout.
describe('broker sign-in', () => {
  let stack: TetherStack;

  beforeAll(async () => {
    stack = await startTetherStack({ signIn: true });
  });
  afterAll(async () => stack?.stop());

  const call = (url: string, options: { method?: string; body?: unknown; token?: string } = {}) =>
    httpCall(url, { caPem: stack.brokerCaPem, ...options });

  /** What the CLI does for `tether login --dev-user NAME`, step by step. */
  async function browserLogin(username: string, loopback = 'http://127.0.0.1:53682/callback') {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(16).toString('hex');
    const query = new URLSearchParams({
      redirect_uri: loopback,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const toIdp = await call(`${stack.brokerUrl}/auth/login?${query}`);
    expect(toIdp.status).toBe(302);
    expect(toIdp.location?.startsWith(stack.idp?.issuer ?? '-')).toBe(true);
    const backToBroker = await stack.idp!.completeLogin(toIdp.location as string, username);
    expect(backToBroker.href.startsWith(`${stack.brokerUrl}/auth/callback`)).toBe(true);
    const toCli = await call(backToBroker.href);
    expect(toCli.status).toBe(302);
    const cliCallback = new URL(toCli.location as string);
    expect(`${cliCallback.origin}${cliCallback.pathname}`).toBe(loopback);
    expect(cliCallback.searchParams.get('state')).toBe(state);
    return { code: cliCallback.searchParams.get('code') as string, verifier, loopback };
  }

  async function redeem(code: string, verifier: string, loopback: string): Promise<HttpReply> {
    return call(`${stack.brokerUrl}/auth/token`, {
      method: 'POST',
      body: { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: loopback },
    });
  }

  it('signs bob in with code + PKCE and his token works with kubectl', async () => {
    const { code, verifier, loopback } = await browserLogin('bob');
    const tokens = await redeem(code, verifier, loopback);
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({
      token_type: 'Bearer',
      user: { username: 'bob@example.com', groups: ['developers'] },
    });
    const whoami = await call(`${stack.brokerUrl}/auth/whoami`, {
      token: tokens.json.access_token as string,
    });
    expect(whoami.json).toMatchObject({ username: 'bob@example.com', groups: ['developers'] });
    const kubectl = new KubectlRunner(stack.kubeconfig(tokens.json.access_token as string));
    try {
      const pods = await kubectl.run(['--context', 'dev-west', 'get', 'pods', '-n', 'web', '-o', 'name']);
      expect(pods.code).toBe(0);
      expect(pods.stdout).toMatch(/^pod\/frontend-/m);
    } finally {
      kubectl.dispose();
    }
  });

  it('refuses a code with the wrong verifier, and a code used twice', async () => {
    const first = await browserLogin('bob');
    const wrong = await redeem(first.code, randomBytes(32).toString('base64url'), first.loopback);
    expect(wrong).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const replayed = await redeem(first.code, first.verifier, first.loopback);
    expect(replayed).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('refuses to send the code anywhere but a loopback callback', async () => {
    for (const redirect of [
      'https://evil.example/callback',
      'http://127.0.0.1:80/elsewhere',
      'http://10.0.0.1:1234/callback',
    ]) {
      const query = new URLSearchParams({
        redirect_uri: redirect,
        state: 's',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      const reply = await call(`${stack.brokerUrl}/auth/login?${query}`);
      expect(reply).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    }
  });

  it('rotates refresh tokens and revokes the session when an old one is replayed', async () => {
    const { code, verifier, loopback } = await browserLogin('alice');
    const first = (await redeem(code, verifier, loopback)).json;
    const refreshed = await call(`${stack.brokerUrl}/auth/token`, {
      method: 'POST',
      body: { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(first.refresh_token);
    expect(refreshed.json.user).toMatchObject({ username: 'alice@example.com', groups: ['platform-admins'] });
    const replay = await call(`${stack.brokerUrl}/auth/token`, {
      method: 'POST',
      body: { grant_type: 'refresh_token', refresh_token: first.refresh_token },
    });
    expect(replay).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const revokedAccess = await call(`${stack.brokerUrl}/k8s/dev-east/api/v1/namespaces/web/pods`, {
      token: refreshed.json.access_token as string,
    });
    expect(revokedAccess.status).toBe(401);
    expect(revokedAccess.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('signs carol in with the device grant', async () => {
    const started = await call(`${stack.brokerUrl}/auth/device`, { method: 'POST', body: {} });
    expect(started.status).toBe(200);
    const pending = await call(`${stack.brokerUrl}/auth/token`, {
      method: 'POST',
      body: {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: started.json.device_code,
      },
    });
    expect(pending.json.error).toBe('authorization_pending');
    await stack.idp!.approveDevice(started.json.user_code as string, 'carol');
    let tokens: HttpReply | undefined;
    for (let attempt = 0; attempt < 20 && tokens?.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, ((started.json.interval as number) + 0.5) * 1000));
      tokens = await call(`${stack.brokerUrl}/auth/token`, {
        method: 'POST',
        body: {
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
          device_code: started.json.device_code,
        },
      });
      if (tokens.status !== 200) expect(['authorization_pending', 'slow_down']).toContain(tokens.json.error);
    }
    expect(tokens?.json.user).toMatchObject({ username: 'carol@example.com', groups: ['security-auditors'] });
  });

  it('logs out: the session’s access token stops working at once', async () => {
    const { code, verifier, loopback } = await browserLogin('bob');
    const tokens = (await redeem(code, verifier, loopback)).json;
    expect(
      (await call(`${stack.brokerUrl}/auth/whoami`, { token: tokens.access_token as string })).status,
    ).toBe(200);
    await call(`${stack.brokerUrl}/auth/revoke`, {
      method: 'POST',
      body: { refresh_token: tokens.refresh_token },
    });
    const after = await call(`${stack.brokerUrl}/auth/whoami`, { token: tokens.access_token as string });
    expect(after).toMatchObject({ status: 401, json: { error: 'invalid_token' } });
  });
});
