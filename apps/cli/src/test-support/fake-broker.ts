/** A tiny in-memory stand-in for the broker's sign-in endpoints, for the CLI's pure-client unit tests only. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CertificateAuthority } from '@tether/pki';

export interface FakeUser {
  username: string;
  email: string;
  groups: string[];
}

export interface FakeBrokerOptions {
  devMode?: boolean;
  /** When set, /auth/login sends the browser to this IdP and /auth/callback finishes the login. */
  idpIssuer?: string;
  accessTtlSeconds?: number;
  /** Scripted answers to device-code polls, in order; then tokens. */
  devicePolls?: string[];
  deviceInterval?: number;
  clusters?: { name: string; online: boolean; access: string }[];
  /** Named in /auth/config as where the audit log is served. */
  auditUrl?: string;
}

interface PendingLogin {
  redirectUri: string;
  state: string;
  challenge: string;
  user?: FakeUser;
}

export const bob: FakeUser = { username: 'bob', email: 'bob@example.com', groups: ['developers'] };

export class FakeBroker {
  url = '';
  readonly requests: { method: string; path: string; body: Record<string, unknown> }[] = [];
  /** Refresh grants the broker accepted (each rotates the token). */
  refreshes = 0;
  loginCookieSeen = false;
  kubeCalls = 0;
  /** Shifts the broker's Date header, to play a laptop with a wrong clock. */
  clockOffsetMs = 0;
  private readonly codes = new Map<string, PendingLogin>();
  private readonly refreshTokens = new Map<string, { user: FakeUser; live: boolean }>();
  private readonly accessTokens = new Map<string, FakeUser>();
  private devicePolls: string[];
  private readonly server = createServer();

  private constructor(
    readonly caPem: string,
    private readonly options: FakeBrokerOptions,
  ) {
    this.devicePolls = [...(options.devicePolls ?? [])];
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const ca = await CertificateAuthority.create('fake broker CA');
    const leaf = await ca.issueServerCertificate({
      commonName: 'localhost',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const broker = new FakeBroker(ca.certPem, options);
    broker.server.setSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
    broker.server.on('request', (req, res) => void broker.handle(req, res));
    await new Promise<void>((resolve) => broker.server.listen(0, '127.0.0.1', resolve));
    broker.url = `https://127.0.0.1:${(broker.server.address() as AddressInfo).port}`;
    return broker;
  }

  /** A token response for `user`, as if they had signed in. */
  issue(user: FakeUser = bob): Record<string, unknown> {
    const access = `access-${randomBytes(8).toString('hex')}`;
    const refresh = `refresh-${randomBytes(8).toString('hex')}`;
    this.accessTokens.set(access, user);
    this.refreshTokens.set(refresh, { user, live: true });
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: this.options.accessTtlSeconds ?? 600,
      refresh_token: refresh,
      refresh_expires_in: 43200,
      user,
    };
  }

  /** What the IdP step would end with: binds the pending login to `user` and returns the loopback redirect. */
  finishLogin(state: string, user: FakeUser = bob): string {
    const pending = [...this.codes.entries()].find(([, p]) => p.state === state);
    if (!pending) throw new Error(`no pending login for state ${state}`);
    const [code, login] = pending;
    login.user = user;
    return `${login.redirectUri}?code=${code}&state=${encodeURIComponent(state)}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = req.method === 'POST' ? await readJson(req) : {};
    this.requests.push({ method: req.method ?? '', path: url.pathname, body });
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    withClock(res, this.clockOffsetMs);
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /auth/config':
        return json(res, 200, {
          issuer: this.url,
          devMode: this.options.devMode ?? false,
          clientId: 'tether-cli',
          accessTokenTtlSeconds: this.options.accessTtlSeconds ?? 600,
          ...(this.options.idpIssuer ? { idpIssuer: this.options.idpIssuer } : {}),
          ...(this.options.auditUrl ? { auditUrl: this.options.auditUrl } : {}),
        });
      case 'GET /auth/login':
        return this.login(url, res);
      case 'GET /auth/callback':
        return this.callback(url, req, res);
      case 'POST /auth/token':
        return this.token(body, res);
      case 'POST /auth/device':
        return json(res, 200, {
          device_code: 'device-1',
          user_code: 'BCDF-GHJK',
          verification_uri: `${this.options.idpIssuer ?? this.url}/device`,
          expires_in: 600,
          interval: this.options.deviceInterval ?? 5,
        });
      case 'POST /auth/revoke': {
        const entry = this.refreshTokens.get(String(body.refresh_token));
        if (entry) entry.live = false;
        return json(res, 200, {});
      }
      case 'GET /auth/whoami': {
        const user = this.accessTokens.get(bearer);
        if (!user)
          return json(res, 401, { kind: 'Status', status: 'Failure', message: 'Unauthorized', code: 401 });
        return json(res, 200, { ...user, expiresAt: new Date(Date.now() + 600_000).toISOString() });
      }
      case 'GET /api/clusters':
        if (!this.accessTokens.has(bearer)) return json(res, 401, { message: 'Unauthorized' });
        return json(res, 200, { clusters: this.options.clusters ?? [] });
      default:
        if (req.method === 'GET' && /^\/k8s\/[^/]+\/version$/.test(url.pathname))
          return this.kube(bearer, res);
        return json(res, 404, { error: 'not_found', error_description: url.pathname });
    }
  }

  /** Just enough of the kube proxy for kubectl to prove the exec plugin's token works. */
  private kube(bearer: string, res: ServerResponse): void {
    if (!this.accessTokens.has(bearer)) {
      const status = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      };
      return json(res, 401, status);
    }
    this.kubeCalls++;
    json(res, 200, { major: '1', minor: '34', gitVersion: 'v1.34.0-fake', platform: 'linux/amd64' });
  }

  private login(url: URL, res: ServerResponse): void {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    if (
      !/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(redirectUri) ||
      p.get('code_challenge_method') !== 'S256'
    ) {
      return json(res, 400, {
        error: 'invalid_request',
        error_description: 'bad redirect_uri or PKCE method',
      });
    }
    const code = `code-${randomBytes(8).toString('hex')}`;
    const state = p.get('state') ?? '';
    this.codes.set(code, { redirectUri, state, challenge: p.get('code_challenge') ?? '' });
    if (!this.options.idpIssuer) {
      res.writeHead(302, { location: this.finishLogin(state) }).end();
      return;
    }
    // Like the real broker: remember the attempt in a cookie, send the browser to the IdP.
    const idpAuth = `${this.options.idpIssuer}/auth?client_id=tether-broker&state=${code}`;
    res
      .writeHead(302, { location: idpAuth, 'set-cookie': `tether_login=${code}; Path=/auth; HttpOnly` })
      .end();
  }

  private callback(url: URL, req: IncomingMessage, res: ServerResponse): void {
    const code = url.searchParams.get('state') ?? '';
    this.loginCookieSeen = (req.headers.cookie ?? '').includes(`tether_login=${code}`);
    const pending = this.codes.get(code);
    if (!pending || !this.loginCookieSeen)
      return json(res, 400, { error: 'invalid_request', error_description: 'no login' });
    const username = url.searchParams.get('user') ?? 'bob';
    res.writeHead(302, { location: this.finishLogin(pending.state, { ...bob, username }) }).end();
  }

  private token(body: Record<string, unknown>, res: ServerResponse): void {
    if (body.grant_type === 'authorization_code') {
      const pending = this.codes.get(String(body.code));
      this.codes.delete(String(body.code));
      const verifier = String(body.code_verifier ?? '');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (!pending || pending.challenge !== challenge || pending.redirectUri !== body.redirect_uri) {
        return json(res, 400, {
          error: 'invalid_grant',
          error_description: 'code, verifier or redirect_uri wrong',
        });
      }
      return json(res, 200, this.issue(pending.user ?? bob));
    }
    if (body.grant_type === 'refresh_token') {
      const entry = this.refreshTokens.get(String(body.refresh_token));
      if (!entry?.live)
        return json(res, 400, { error: 'invalid_grant', error_description: 'refresh token is dead' });
      entry.live = false; // rotation: a reused token is refused
      this.refreshes++;
      return json(res, 200, this.issue(entry.user));
    }
    if (body.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
      const next = this.devicePolls.shift();
      if (next) return json(res, 400, { error: next, error_description: `device: ${next}` });
      return json(res, 200, this.issue(bob));
    }
    return json(res, 400, { error: 'unsupported_grant_type' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function withClock(res: ServerResponse, offsetMs: number): void {
  if (offsetMs) res.setHeader('date', new Date(Date.now() + offsetMs).toUTCString());
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}
