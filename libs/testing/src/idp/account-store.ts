import type { Account } from 'oidc-provider';
import type { DemoUser } from './demo-users.js';
import { IdpError } from './idp-error.js';

/** The dev IdP's user directory: finds demo users by login name and serves their claims to oidc-provider. */
export class AccountStore {
  private readonly bySub = new Map<string, DemoUser>();
  private readonly byLogin = new Map<string, DemoUser>();

  constructor(users: readonly DemoUser[]) {
    for (const user of users) {
      if (this.bySub.has(user.sub) || this.byLogin.has(user.username.toLowerCase())) {
        throw new IdpError('IDP_INVALID_OPTIONS', `demo user ${user.username} is listed twice`);
      }
      this.bySub.set(user.sub, user);
      this.byLogin.set(user.username.toLowerCase(), user);
      this.byLogin.set(user.email.toLowerCase(), user);
    }
  }

  get users(): readonly DemoUser[] {
    return [...this.bySub.values()];
  }

  /** A user by username or email address, ignoring case, as people type them on a login page. */
  findByLogin(login: string): DemoUser | undefined {
    return this.byLogin.get(login.trim().toLowerCase());
  }

  /** oidc-provider's `findAccount`: every claim is offered, and oidc-provider keeps those the scopes allow. */
  findAccount(sub: string): Account | undefined {
    const user = this.bySub.get(sub);
    if (!user) return undefined;
    return {
      accountId: user.sub,
      claims: () => ({
        sub: user.sub,
        email: user.email,
        email_verified: user.emailVerified,
        name: user.name,
        preferred_username: user.username,
        groups: [...user.groups],
      }),
    };
  }
}
