import type { IncomingHttpHeaders } from 'node:http';
import type { UserInfo } from './rbac/user-info.js';

/** One line of the token table, like a row of kube-apiserver's `--token-auth-file`. */
export interface TokenEntry {
  token: string;
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export type AuthenticationResult =
  | { kind: 'user'; user: UserInfo }
  | { kind: 'anonymous'; user: UserInfo }
  /** A credential was sent but is not valid, or none was sent and anonymous access is off. */
  | { kind: 'unauthorized' };

const anonymous: UserInfo = { username: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Bearer-token authentication against a mutable token table. */
export class TokenAuthenticator {
  private readonly tokens = new Map<string, TokenEntry>();

  constructor(
    entries: TokenEntry[],
    private readonly allowAnonymous: boolean,
  ) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: TokenEntry): void {
    this.tokens.set(entry.token, entry);
  }

  remove(token: string): void {
    this.tokens.delete(token);
  }

  authenticate(headers: IncomingHttpHeaders): AuthenticationResult {
    const header = headers.authorization;
    if (header === undefined)
      return this.allowAnonymous ? { kind: 'anonymous', user: anonymous } : { kind: 'unauthorized' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const entry = match ? this.tokens.get(match[1] ?? '') : undefined;
    if (!entry) return { kind: 'unauthorized' };
    const groups = [...(entry.groups ?? [])];
    // The token file authenticator adds the authenticated group, as every real authenticator does.
    if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
    return {
      kind: 'user',
      user: {
        username: entry.username,
        ...(entry.uid ? { uid: entry.uid } : {}),
        groups,
        ...(entry.extra ? { extra: entry.extra } : {}),
      },
    };
  }
}
