import { compactVerify, importJWK } from 'jose';
import type { DecisionClaims } from './decision-claims.js';
import type { DecisionErrorCode } from './decision-error.js';
import { DecisionKeySet, generateDecisionKey, publicJwkOf } from './decision-keys.js';
import { DecisionSigner } from './decision-signer.js';
import { DecisionVerifier } from './decision-verifier.js';
import { hashRequestTarget } from './path-hash.js';
import { ReplayCache } from './replay-cache.js';

const t0 = 1_790_000_000; // seconds
const target = '/api/v1/namespaces/web/pods?limit=500';

function claims(overrides: Partial<DecisionClaims> = {}): DecisionClaims {
  return {
    requestId: `req-${Math.random().toString(36).slice(2)}`,
    cluster: 'dev-east',
    method: 'GET',
    pathHash: hashRequestTarget(target),
    user: 'bob@example.com',
    groups: ['developers'],
    extra: { 'tether.dev/request-id': ['r'] },
    rule: 'developers-read',
    issuedAt: t0,
    expiresAt: t0 + 10,
    ...overrides,
  };
}

function setup(options: { nowSeconds?: number; replayCache?: ReplayCache } = {}) {
  const key = generateDecisionKey('k1');
  const signer = new DecisionSigner(key);
  const keys = new DecisionKeySet([publicJwkOf(key)]);
  let now = (options.nowSeconds ?? t0 + 1) * 1000;
  const verifier = new DecisionVerifier({
    cluster: 'dev-east',
    keys,
    now: () => now,
    ...(options.replayCache ? { replayCache: options.replayCache } : {}),
  });
  return { key, signer, keys, verifier, setNow: (seconds: number) => (now = seconds * 1000) };
}

function codeOf(fn: () => unknown): DecisionErrorCode | 'accepted' {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return (error as { code: DecisionErrorCode }).code;
  }
}

function reencode(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
  change(decoded);
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

describe('DecisionVerifier', () => {
  it('accepts a fresh decision for this cluster, method and path and returns who to impersonate', () => {
    const { signer, verifier } = setup();
    const verified = verifier.verify(signer.sign(claims({ requestId: 'r-1' })), {
      method: 'get',
      pathAndQuery: target,
    });
    expect(verified).toMatchObject({ requestId: 'r-1', user: 'bob@example.com', groups: ['developers'] });
  });

  it('produces standard compact JWS that an independent JOSE library verifies', async () => {
    const { key, signer } = setup();
    const token = signer.sign(claims());
    const publicKey = await importJWK(publicJwkOf(key), 'EdDSA');
    const { protectedHeader } = await compactVerify(token, publicKey);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'k1' });
  });

  it.each([
    ['no token', undefined, 'DECISION_MISSING'],
    ['garbage', 'not-a-token', 'DECISION_MALFORMED'],
    ['four parts', 'a.b.c.d', 'DECISION_MALFORMED'],
    ['empty signature', 'eyJhbGciOiJub25lIn0.e30.', 'DECISION_MALFORMED'],
    ['oversized', `${'a'.repeat(20_000)}.b.c`, 'DECISION_MALFORMED'],
  ])('refuses %s', (_name, token, code) => {
    const { verifier } = setup();
    expect(codeOf(() => verifier.verify(token, { method: 'GET', pathAndQuery: target }))).toBe(code);
  });

  it('refuses alg=none and HMAC headers even when the rest looks right', () => {
    const { signer, verifier } = setup();
    const [, payload, signature] = signer.sign(claims()).split('.') as [string, string, string];
    for (const alg of ['none', 'HS256']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'tether-decision+jws', kid: 'k1' })).toString(
        'base64url',
      );
      expect(
        codeOf(() =>
          verifier.verify(`${header}.${payload}.${signature}`, { method: 'GET', pathAndQuery: target }),
        ),
      ).toBe('DECISION_MALFORMED');
    }
  });

  it('refuses a decision whose claims were changed after signing', () => {
    const { signer, verifier } = setup();
    const forged = reencode(signer.sign(claims()), (p) => {
      p.grp = ['system:masters'];
    });
    expect(codeOf(() => verifier.verify(forged, { method: 'GET', pathAndQuery: target }))).toBe(
      'DECISION_BAD_SIGNATURE',
    );
  });

  it('refuses a decision signed by another key, even one that claims a trusted key id', () => {
    const { verifier } = setup();
    const impostor = new DecisionSigner(generateDecisionKey('k1'));
    expect(
      codeOf(() => verifier.verify(impostor.sign(claims()), { method: 'GET', pathAndQuery: target })),
    ).toBe('DECISION_BAD_SIGNATURE');
    const stranger = new DecisionSigner(generateDecisionKey('k-unknown'));
    expect(
      codeOf(() => verifier.verify(stranger.sign(claims()), { method: 'GET', pathAndQuery: target })),
    ).toBe('DECISION_UNKNOWN_KEY');
  });

  it('refuses expired decisions, tolerating only the configured clock skew', () => {
    const { signer, verifier, setNow } = setup();
    setNow(t0 + 14); // exp t0+10, skew 5 s
    expect(
      codeOf(() => verifier.verify(signer.sign(claims()), { method: 'GET', pathAndQuery: target })),
    ).toBe('accepted');
    setNow(t0 + 15);
    expect(
      codeOf(() => verifier.verify(signer.sign(claims()), { method: 'GET', pathAndQuery: target })),
    ).toBe('DECISION_EXPIRED');
  });

  it('refuses decisions issued in the future or living longer than the maximum lifetime', () => {
    const { signer, verifier } = setup();
    const future = claims({ issuedAt: t0 + 60, expiresAt: t0 + 70 });
    expect(codeOf(() => verifier.verify(signer.sign(future), { method: 'GET', pathAndQuery: target }))).toBe(
      'DECISION_NOT_YET_VALID',
    );
    const longLived = claims({ expiresAt: t0 + 3600 });
    expect(
      codeOf(() => verifier.verify(signer.sign(longLived), { method: 'GET', pathAndQuery: target })),
    ).toBe('DECISION_MALFORMED');
  });

  it('refuses a decision for another cluster, method or path', () => {
    const { signer, verifier } = setup();
    const request = { method: 'GET', pathAndQuery: target };
    expect(codeOf(() => verifier.verify(signer.sign(claims({ cluster: 'prod' })), request))).toBe(
      'DECISION_WRONG_CLUSTER',
    );
    expect(codeOf(() => verifier.verify(signer.sign(claims()), { ...request, method: 'DELETE' }))).toBe(
      'DECISION_WRONG_METHOD',
    );
    for (const other of [
      '/api/v1/namespaces/kube-system/pods?limit=500',
      '/api/v1/namespaces/web/pods?limit=500&watch=1',
      '/api/v1/namespaces/web/pods',
    ]) {
      expect(
        codeOf(() => verifier.verify(signer.sign(claims()), { method: 'GET', pathAndQuery: other })),
      ).toBe('DECISION_WRONG_PATH');
    }
  });

  it('accepts each decision once: a replay is refused', () => {
    const { signer, verifier } = setup();
    const token = signer.sign(claims());
    const request = { method: 'GET', pathAndQuery: target };
    expect(codeOf(() => verifier.verify(token, request))).toBe('accepted');
    expect(codeOf(() => verifier.verify(token, request))).toBe('DECISION_REPLAYED');
  });

  it('fails closed when the replay cache is full instead of forgetting ids', () => {
    const { signer, verifier } = setup({ replayCache: new ReplayCache(2) });
    const request = { method: 'GET', pathAndQuery: target };
    expect(codeOf(() => verifier.verify(signer.sign(claims()), request))).toBe('accepted');
    expect(codeOf(() => verifier.verify(signer.sign(claims()), request))).toBe('accepted');
    expect(codeOf(() => verifier.verify(signer.sign(claims()), request))).toBe('DECISION_REPLAY_CACHE_FULL');
  });

  it('forgets ids once their decisions have expired, so memory stays bounded', () => {
    const cache = new ReplayCache(2);
    const { signer, verifier, setNow } = setup({ replayCache: cache });
    const request = { method: 'GET', pathAndQuery: target };
    verifier.verify(signer.sign(claims()), request);
    verifier.verify(signer.sign(claims()), request);
    setNow(t0 + 16);
    const later = claims({ issuedAt: t0 + 16, expiresAt: t0 + 26 });
    expect(codeOf(() => verifier.verify(signer.sign(later), request))).toBe('accepted');
    expect(cache.size).toBe(1);
  });

  it.each([
    ['user', { user: 'bob\r\nImpersonate-Group: system:masters' }],
    ['group', { groups: ['dev\nx'] }],
    ['uid', { uid: 'u\0' }],
    ['extra value', { extra: { scopes: ['a\rb'] } }],
  ])('refuses to impersonate an identity with CR, LF or NUL in the %s', (_name, override) => {
    const { signer, verifier } = setup();
    expect(
      codeOf(() => verifier.verify(signer.sign(claims(override)), { method: 'GET', pathAndQuery: target })),
    ).toBe('DECISION_UNSAFE_IDENTITY');
  });

  it('keeps accepting the old key during rotation and stops once it is removed', () => {
    const { key: oldKey, signer, keys, verifier } = setup();
    const newKey = generateDecisionKey('k2');
    keys.replace([publicJwkOf(oldKey), publicJwkOf(newKey)]);
    const request = { method: 'GET', pathAndQuery: target };
    const fromOld = signer.sign(claims());
    signer.rotate(newKey);
    expect(codeOf(() => verifier.verify(fromOld, request))).toBe('accepted');
    expect(codeOf(() => verifier.verify(signer.sign(claims()), request))).toBe('accepted');
    keys.replace([publicJwkOf(newKey)]);
    signer.rotate(oldKey);
    expect(codeOf(() => verifier.verify(signer.sign(claims()), request))).toBe('DECISION_UNKNOWN_KEY');
  });
});
