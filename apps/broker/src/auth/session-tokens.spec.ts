import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SessionTokenErrorCode } from './session-token.errors';
import { SessionTokens } from './session-tokens';

function keys() {
  return generateKeyPairSync('ed25519');
}

function sessionTokens(overrides: Partial<ConstructorParameters<typeof SessionTokens>[0]> = {}) {
  const pair = keys();
  return new SessionTokens({
    issuer: 'https://broker.example',
    audience: 'tether-kube',
    keyId: 'k1',
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    ...overrides,
  });
}

async function codeOf(promise: Promise<unknown>): Promise<SessionTokenErrorCode | 'accepted'> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return (error as { code: SessionTokenErrorCode }).code;
  }
}

const bob = { subject: 'idp|bob', username: 'bob', email: 'bob@example.com', groups: ['developers'] };

describe('SessionTokens', () => {
  it('round-trips the identity of a signed-in person', async () => {
    const tokens = sessionTokens();
    const identity = await tokens.verify(await tokens.issue({ ...bob, sessionId: 's-1' }, 300));
    expect(identity).toMatchObject({
      subject: 'idp|bob',
      username: 'bob',
      email: 'bob@example.com',
      groups: ['developers'],
      sessionId: 's-1',
    });
  });

  it('refuses missing, garbage and expired tokens with distinct reasons', async () => {
    const tokens = sessionTokens({ clockToleranceSeconds: 0 });
    expect(await codeOf(tokens.verify(undefined))).toBe('TOKEN_MISSING');
    expect(await codeOf(tokens.verify('a.b.c'))).toBe('TOKEN_INVALID');
    expect(await codeOf(tokens.verify(await tokens.issue(bob, -10)))).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token signed by another key, for another audience or from another issuer', async () => {
    const pair = keys();
    const tokens = sessionTokens({ privateKey: pair.privateKey, publicKey: pair.publicKey });
    const otherKey = sessionTokens();
    expect(await codeOf(tokens.verify(await otherKey.issue(bob, 300)))).toBe('TOKEN_INVALID');
    const otherAudience = sessionTokens({
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      audience: 'tether-auditor',
    });
    expect(await codeOf(tokens.verify(await otherAudience.issue(bob, 300)))).toBe('TOKEN_INVALID');
    const otherIssuer = sessionTokens({
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      issuer: 'https://evil.example',
    });
    expect(await codeOf(tokens.verify(await otherIssuer.issue(bob, 300)))).toBe('TOKEN_INVALID');
  });

  it('refuses a correctly signed JWT of another type (e.g. an ID token) so tokens cannot be swapped', async () => {
    const pair = keys();
    const tokens = sessionTokens({ privateKey: pair.privateKey, publicKey: pair.publicKey });
    const idTokenShaped = await new SignJWT({ name: 'bob', groups: [], sid: 's' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject('bob')
      .setIssuer('https://broker.example')
      .setAudience('tether-kube')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(pair.privateKey);
    expect(await codeOf(tokens.verify(idTokenShaped))).toBe('TOKEN_INVALID');
  });

  it('refuses tokens of a revoked session', async () => {
    const revoked = new Set(['s-2']);
    const tokens = sessionTokens({ isRevoked: (sid) => revoked.has(sid) });
    expect(await codeOf(tokens.verify(await tokens.issue({ ...bob, sessionId: 's-1' }, 300)))).toBe(
      'accepted',
    );
    expect(await codeOf(tokens.verify(await tokens.issue({ ...bob, sessionId: 's-2' }, 300)))).toBe(
      'TOKEN_REVOKED',
    );
  });

  describe('with a token already verified once', () => {
    it('refuses it as soon as its session is revoked', async () => {
      const revoked = new Set<string>();
      const tokens = sessionTokens({ isRevoked: (sid) => revoked.has(sid) });
      const token = await tokens.issue({ ...bob, sessionId: 's-1' }, 300);
      expect(await codeOf(tokens.verify(token))).toBe('accepted');
      revoked.add('s-1');
      expect(await codeOf(tokens.verify(token))).toBe('TOKEN_REVOKED');
    });

    it('refuses it once it has expired, however recently it was accepted', async () => {
      let now = Date.now();
      const tokens = sessionTokens({ clockToleranceSeconds: 0, now: () => now });
      const token = await tokens.issue(bob, 30);
      expect(await codeOf(tokens.verify(token))).toBe('accepted');
      now += 31_000;
      expect(await codeOf(tokens.verify(token))).toBe('TOKEN_EXPIRED');
    });

    it('does not let a token that differs in its signature or claims ride on the cached one', async () => {
      const tokens = sessionTokens();
      const token = await tokens.issue(bob, 300);
      expect(await codeOf(tokens.verify(token))).toBe('accepted');
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      const promoted = Buffer.from(JSON.stringify({ ...claims, groups: ['platform-admins'] })).toString(
        'base64url',
      );
      expect(await codeOf(tokens.verify(`${header}.${promoted}.${signature}`))).toBe('TOKEN_INVALID');
      const flipped = signature.slice(0, -2) + (signature.endsWith('A') ? 'BA' : 'AA');
      expect(await codeOf(tokens.verify(`${header}.${payload}.${flipped}`))).toBe('TOKEN_INVALID');
    });
  });
});
