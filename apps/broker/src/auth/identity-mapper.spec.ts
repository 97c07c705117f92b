import { AuthError } from './auth.errors';
import { mapIdentity } from './identity-mapper';

const settings = { usernameClaim: 'email', groupsClaim: 'groups', groupsPrefix: '', allowedEmailDomains: [] };

function refusal(claims: Record<string, unknown>, overrides = {}): string {
  try {
    mapIdentity(claims, { ...settings, ...overrides });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).message;
  }
}

describe('mapIdentity', () => {
  it('takes the user name and groups from the configured claims, with the group prefix', () => {
    expect(
      mapIdentity(
        { sub: 'u1', email: 'bob@example.com', groups: ['developers', 7, ''] },
        { ...settings, groupsPrefix: 'oidc:' },
      ),
    ).toEqual({
      subject: 'u1',
      username: 'bob@example.com',
      email: 'bob@example.com',
      groups: ['oidc:developers'],
    });
  });

  it('renames IdP groups through the mapping before adding the prefix', () => {
    const mapped = mapIdentity(
      { sub: 'u', email: 'a@x', groups: ['8c1f-object-id', 'developers'] },
      { ...settings, groupsPrefix: 'oidc:', groupsMap: { '8c1f-object-id': 'platform-admins' } },
    );
    expect(mapped.groups).toEqual(['oidc:platform-admins', 'oidc:developers']);
  });

  it('accepts a single group given as a string and no groups at all', () => {
    expect(mapIdentity({ sub: 'u', email: 'a@x', groups: 'admins' }, settings).groups).toEqual(['admins']);
    expect(mapIdentity({ sub: 'u', email: 'a@x' }, settings).groups).toEqual([]);
  });

  it('refuses a person without a usable user name, saying which claim is missing', () => {
    expect(refusal({ sub: 'u' })).toContain('no "email" claim');
    expect(refusal({ sub: 'u', preferred_username: '' }, { usernameClaim: 'preferred_username' })).toContain(
      'preferred_username',
    );
    expect(refusal({ sub: 'u', email: 'x\r\ny@example.com' })).toContain('control characters');
  });

  it('limits sign-in to verified emails of the allowed domains', () => {
    const domains = { allowedEmailDomains: ['example.com'] };
    expect(refusal({ sub: 'u', email: 'bob@example.com', email_verified: true }, domains)).toBe('accepted');
    expect(refusal({ sub: 'u', email: 'eve@evil.com', email_verified: true }, domains)).toContain(
      'example.com',
    );
    expect(refusal({ sub: 'u', email: 'bob@example.com', email_verified: false }, domains)).toContain(
      'verified',
    );
    expect(refusal({ sub: 'u', email: 'bob@EXAMPLE.com.evil.com' }, domains)).toContain('example.com');
  });

  it('never uses an unverified email: not as the user name, not for policies matching on email', () => {
    expect(refusal({ sub: 'u', email: 'ceo@example.com', email_verified: false })).toContain('not verified');
    const byName = mapIdentity(
      { sub: 'u', preferred_username: 'bob', email: 'ceo@example.com', email_verified: false },
      { ...settings, usernameClaim: 'preferred_username' },
    );
    expect(byName).toEqual({ subject: 'u', username: 'bob', groups: [] });
  });

  it('drops group names that could not be sent as header values', () => {
    expect(
      mapIdentity({ sub: 'u', email: 'a@x', groups: ['ok', 'bad\nInjected: 1'] }, settings).groups,
    ).toEqual(['ok']);
  });
});
