import { AuthError } from './auth.errors';
import { SessionStore } from './session-store';

const bob = { subject: 'u-bob', username: 'bob@example.com', groups: ['developers'] };

function failure(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).message;
  }
}

describe('SessionStore', () => {
  it('rotates refresh tokens: each works exactly once', () => {
    const store = new SessionStore(3_600_000);
    const { refreshToken: first } = store.create(bob);
    const { refreshToken: second, session } = store.rotate(first);
    expect(second).not.toBe(first);
    expect(session.identity).toEqual(bob);
    expect(store.rotate(second).refreshToken).toBeDefined();
  });

  it('revokes the whole session when a used refresh token comes back', () => {
    const store = new SessionStore(3_600_000);
    const { refreshToken: first, session } = store.create(bob);
    const { refreshToken: second } = store.rotate(first);
    expect(failure(() => store.peek(first))).toContain('already used');
    expect(store.isRevoked(session.id)).toBe(true);
    expect(failure(() => store.rotate(second))).toContain('not valid');
  });

  it('refuses forged and malformed refresh tokens', () => {
    const store = new SessionStore(3_600_000);
    const { session } = store.create(bob);
    expect(failure(() => store.rotate(`${session.id}.forged`))).toContain('not valid');
    expect(failure(() => store.rotate('garbage'))).toContain('not valid');
    expect(failure(() => store.rotate(''))).toContain('not valid');
  });

  it('never lets a session outlive the IdP session or the refresh lifetime, however often it refreshes', () => {
    let now = 1_000_000;
    const store = new SessionStore(10_000, () => now);
    const { refreshToken, session } = store.create(bob, { expiresAtMs: now + 5_000 });
    expect(session.expiresAtMs).toBe(1_005_000);
    now += 4_000;
    const rotated = store.rotate(refreshToken);
    expect(rotated.session.expiresAtMs).toBe(1_005_000);
    now += 2_000;
    expect(failure(() => store.rotate(rotated.refreshToken))).toContain('expired');
    expect(store.isRevoked(session.id)).toBe(true);
  });

  it('revokes on logout so access tokens of the session stop working', () => {
    const store = new SessionStore(3_600_000);
    const { refreshToken, session } = store.create(bob);
    expect(store.isRevoked(session.id)).toBe(false);
    store.revokeByRefreshToken(refreshToken);
    expect(store.isRevoked(session.id)).toBe(true);
    expect(failure(() => store.rotate(refreshToken))).toContain('not valid');
  });
});
