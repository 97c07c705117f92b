import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AuthError } from '../src/auth/auth.errors';
import { OidcRelyingParty } from '../src/auth/oidc-relying-party';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * An IdP whose token endpoint answers with whatever ID token a test crafts: the broker must refuse
 * every one that is forged, expired, for someone else, or from someone else.
 */
class CraftingIdp {
  idToken = '';
  private server!: Server;
  issuer = '';

  constructor(private readonly keys: KeyPair) {}

  async start(): Promise<void> {
    const jwk = { ...(await exportJWK(this.keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      const json = (body: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        return json({
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/auth`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          userinfo_endpoint: `${this.issuer}/userinfo`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.url === '/jwks') return json({ keys: [jwk] });
      if (req.url === '/userinfo')
        return json({ sub: 'u-1', groups: ['developers'], email: 'someone-else@example.com' });
      if (req.url === '/token')
        return json({ access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: this.idToken });
      res.writeHead(404).end();
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.server.close();
  }
}

describe('OIDC relying party: ID token validation', () => {
  let keys: KeyPair;
  let idp: CraftingIdp;
  let rp: OidcRelyingParty;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
    idp = new CraftingIdp(keys);
    await idp.start();
    rp = await OidcRelyingParty.discover({
      issuer: idp.issuer,
      clientId: 'tether-broker',
      clientSecret: 'secret',
      scopes: 'openid email',
      redirectUri: 'https://broker.example/auth/callback',
      allowHttpIssuer: true,
      groupsClaim: 'groups',
    });
  });
  afterAll(() => idp.close());

  interface Claims {
    iss?: string;
    aud?: string;
    nonce?: string;
    exp?: number;
    sub?: string;
  }

  async function idToken(overrides: Claims = {}, signWith = keys.privateKey): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: idp.issuer,
      aud: 'tether-broker',
      nonce: 'n-1',
      exp: now + 300,
      sub: 'u-1',
      ...overrides,
    };
    return new SignJWT({ email: 'bob@example.com', nonce: claims.nonce })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setIssuedAt(now - 10)
      .setExpirationTime(claims.exp)
      .sign(signWith);
  }

  async function finish(token: string): Promise<string> {
    idp.idToken = token;
    const callback = new URL('https://broker.example/auth/callback?code=c-1&state=s-1');
    try {
      const result = await rp.finishLogin(callback, {
        state: 's-1',
        nonce: 'n-1',
        codeVerifier: 'v'.repeat(43),
      });
      return `accepted:${String(result.claims.email)}`;
    } catch (error) {
      expect(error).toBeInstanceOf(AuthError);
      return 'refused';
    }
  }

  it('accepts a well-formed ID token', async () => {
    expect(await finish(await idToken())).toBe('accepted:bob@example.com');
  });

  it('takes groups missing from the ID token from userinfo, never letting userinfo override the ID token', async () => {
    idp.idToken = await idToken();
    const callback = new URL('https://broker.example/auth/callback?code=c-1&state=s-1');
    const result = await rp.finishLogin(callback, {
      state: 's-1',
      nonce: 'n-1',
      codeVerifier: 'v'.repeat(43),
    });
    expect(result.claims.groups).toEqual(['developers']);
    expect(result.claims.email).toBe('bob@example.com');
  });

  it('refuses an ID token whose claims were changed after signing', async () => {
    const [header, , signature] = (await idToken()).split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({
        iss: idp.issuer,
        aud: 'tether-broker',
        sub: 'admin',
        exp: 4_102_444_800,
        nonce: 'n-1',
      }),
    ).toString('base64url');
    expect(await finish(`${header}.${forged}.${signature}`)).toBe('refused');
  });

  it('refuses an ID token signed by a key the IdP does not publish', async () => {
    const stranger = await generateKeyPair('RS256');
    expect(await finish(await idToken({}, stranger.privateKey))).toBe('refused');
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 600 }],
    ['from another issuer', { iss: 'https://evil.example' }],
    ['for another client', { aud: 'someone-else' }],
    ['with another nonce (a replayed sign-in)', { nonce: 'n-2' }],
  ])('refuses an ID token %s', async (_name, overrides) => {
    expect(await finish(await idToken(overrides))).toBe('refused');
  });
});
