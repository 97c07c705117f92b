import { AuthError } from './auth.errors';

export interface IdentitySettings {
  usernameClaim: string;
  groupsClaim: string;
  groupsPrefix: string;
  /** IdP group name → Tether group name, applied before the prefix; unmapped groups keep their name. */
  groupsMap?: Record<string, string>;
  /** Lower-case domains; empty = any. */
  allowedEmailDomains: string[];
}

export interface MappedIdentity {
  subject: string;
  username: string;
  email?: string;
  groups: string[];
}

/** Turns validated ID token (or userinfo) claims into the person Tether knows; refuses unusable ones. */
export function mapIdentity(claims: Record<string, unknown>, settings: IdentitySettings): MappedIdentity {
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '')
    throw new AuthError('access_denied', 'the identity provider sent no subject');
  const username = claims[settings.usernameClaim];
  if (typeof username !== 'string' || username.trim() === '') {
    throw new AuthError(
      'access_denied',
      `your identity has no "${settings.usernameClaim}" claim, which Tether uses as your user name`,
    );
  }
  if (/[\r\n\0]/.test(username))
    throw new AuthError('access_denied', 'your user name contains control characters');
  // An email the IdP has not verified is not an identity: it neither names nor qualifies the person.
  const unverified = claims.email_verified === false;
  if (unverified && settings.usernameClaim === 'email') {
    throw new AuthError('access_denied', 'your email address is not verified at the identity provider');
  }
  const email = typeof claims.email === 'string' && !unverified ? claims.email : undefined;
  if (settings.allowedEmailDomains.length > 0) {
    const domain = email?.split('@')[1]?.toLowerCase();
    if (!domain || !settings.allowedEmailDomains.includes(domain)) {
      throw new AuthError(
        'access_denied',
        `sign-in is limited to verified emails in ${settings.allowedEmailDomains.join(', ')}`,
      );
    }
  }
  const rawGroups = claims[settings.groupsClaim];
  const groups = Array.isArray(rawGroups)
    ? rawGroups.filter(
        (group): group is string => typeof group === 'string' && group !== '' && !/[\r\n\0]/.test(group),
      )
    : typeof rawGroups === 'string' && rawGroups !== ''
      ? [rawGroups]
      : [];
  return {
    subject,
    username,
    ...(email !== undefined ? { email } : {}),
    groups: groups.map((group) => `${settings.groupsPrefix}${settings.groupsMap?.[group] ?? group}`),
  };
}
