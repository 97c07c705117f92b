import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { AccountStore } from './account-store.js';
import { DEFAULT_DEMO_USERS, DEMO_PASSWORD, type DemoUser } from './demo-users.js';
import type { DevClient } from './dev-client.js';
import { DevLoginEndpoint } from './dev-login-endpoint.js';
import { htmlPage } from './html-page.js';
import { approveDevLogin, completeDevLogin, type HeadlessSignInOptions } from './headless-sign-in.js';
import { IdpError } from './idp-error.js';
import { InteractionRouter } from './interaction-router.js';
import { MemoryStore } from './memory-adapter.js';
import { providerConfiguration } from './provider-configuration.js';
import { sendHtml } from './request-body.js';
import { generateSigningKeys } from './signing-keys.js';
import type { DevTokenLifetimes } from './token-lifetimes.js';

export interface DevIdentityProviderOptions {
  clients: DevClient[];
  /** Defaults to alice (platform-admins), bob (developers) and carol (security-auditors). */
  users?: readonly DemoUser[];
  /** The password the login form accepts for every user; defaults to `tether`. */
  password?: string;
  /** Defaults to 127.0.0.1; the dev IdP is for one machine. */
  host?: string;
  /** Defaults to 0: any free port. */
  port?: number;
  /** Defaults to `http(s)://<host>:<port>`. Must be an origin without a path: the IdP serves at `/`. */
  issuer?: string;
  /** Serve HTTPS with this certificate (e.g. from @tether/pki); `caPem` is what headless sign-ins trust. */
  tls?: { certPem: string; keyPem: string; caPem?: string };
  lifetimes?: DevTokenLifetimes;
  /** Serve `POST /dev/login` and `POST /dev/device` for scripts; defaults to true. */
  devLoginEndpoint?: boolean;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function issuerFor(options: DevIdentityProviderOptions, host: string, port: number): string {
  if (options.issuer === undefined) return `${options.tls ? 'https' : 'http'}://${host}:${port}`;
  const url = URL.parse(options.issuer);
  if (!url || url.pathname !== '/' || url.search || url.hash || !/^https?:$/.test(url.protocol)) {
    throw new IdpError(
      'IDP_INVALID_OPTIONS',
      `dev IdP issuer must be an http(s) origin, got ${options.issuer}`,
    );
  }
  return url.origin;
}

/**
 * The embedded development OpenID Connect provider (oidc-provider) with demo users, used by tests and
 * `npm start`. Real authorization-code + PKCE, refresh, device, revocation, userinfo and end-session
 * endpoints; in-memory state and fresh signing keys for every start.
 */
export class DevIdentityProvider {
  private constructor(
    readonly issuer: string,
    readonly users: readonly DemoUser[],
    private readonly server: Server,
    private readonly signIn: HeadlessSignInOptions,
  ) {}

  static async start(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
    const host = options.host ?? '127.0.0.1';
    const accounts = new AccountStore(options.users ?? DEFAULT_DEMO_USERS);
    const password = options.password ?? DEMO_PASSWORD;
    const signIn: HeadlessSignInOptions = { password };
    const caPem = options.tls?.caPem ?? options.tls?.certPem;
    if (caPem) signIn.caPem = caPem;
    const configuration = providerConfiguration({
      clients: options.clients,
      accounts,
      signingKeys: await generateSigningKeys(),
      cookieKeys: [randomBytes(32).toString('base64url')],
      store: new MemoryStore(),
      lifetimes: options.lifetimes ?? {},
    });

    // Requests that race the start (the port is open before the issuer exists) get a retryable answer.
    let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
      sendHtml(res, 503, htmlPage('Starting', '<p>The identity provider is starting.</p>'));
    };
    const dispatch = (req: IncomingMessage, res: ServerResponse) => handler(req, res);
    const server = options.tls
      ? createHttpsServer({ cert: options.tls.certPem, key: options.tls.keyPem }, dispatch)
      : createHttpServer(dispatch);
    const port = await listen(server, options.port ?? 0, host);
    try {
      const issuer = issuerFor(options, host, port);
      // The issuer includes the port, which exists only once the server listens.
      const provider = new Provider(issuer, configuration);
      const interactions = new InteractionRouter(provider, accounts, password);
      const devLogin =
        options.devLoginEndpoint === false ? undefined : new DevLoginEndpoint(issuer, accounts, signIn);
      const oidc = provider.callback();
      handler = (req, res) => {
        const pathname = URL.parse(req.url ?? '/', issuer)?.pathname ?? '/';
        let route: Promise<void> | undefined;
        if (InteractionRouter.handles(pathname)) route = interactions.handle(req, res, pathname);
        else if (devLogin && DevLoginEndpoint.handles(pathname)) route = devLogin.handle(req, res, pathname);
        else return oidc(req, res);
        route.catch((error: unknown) => {
          provider.emit('server_error', undefined, error);
          if (!res.headersSent)
            sendHtml(res, 500, htmlPage('Internal error', '<p>The sign-in page failed.</p>'));
          else res.destroy();
        });
      };
      provider.on('server_error', (_ctx: unknown, error: unknown) => {
        process.stderr.write(`dev IdP server error: ${String((error as Error)?.stack ?? error)}\n`);
      });
      return new DevIdentityProvider(issuer, accounts.users, server, signIn);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** See {@link completeDevLogin}: signs `username` in for this authorization URL, returns the redirect back. */
  async completeLogin(authorizationUrl: string | URL, username: string): Promise<URL> {
    this.assertUser(username);
    return completeDevLogin(authorizationUrl, username, this.signIn);
  }

  /** See {@link approveDevLogin}: approves a device's user code as `username`. */
  async approveDevice(userCode: string, username: string): Promise<void> {
    this.assertUser(username);
    return approveDevLogin(this.issuer, userCode, username, this.signIn);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private assertUser(username: string): void {
    if (!this.users.some((user) => user.username === username)) {
      throw new IdpError('IDP_UNKNOWN_USER', `the dev IdP has no user ${username}`);
    }
  }
}
