import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Join tokens (`tjt_`) and agent credentials (`tac_`): 32 random bytes, base64url, behind a prefix that
 * secret scanners can match. The broker keeps only their SHA-256, so a copy of its database enrolls no
 * agent; lookups by that hash need no constant-time compare (the hash of a 256-bit secret leaks nothing
 * useful through timing).
 */
export const JOIN_TOKEN_PREFIX = 'tjt_';
export const AGENT_CREDENTIAL_PREFIX = 'tac_';

const TOKEN_PATTERN = /^(tjt|tac)_[A-Za-z0-9_-]{43}$/;

export interface IssuedSecret {
  /** Record id, safe to log and show. */
  id: string;
  /** The secret itself: handed out once, never stored or logged. */
  token: string;
  sha256: string;
}

export function issueSecret(prefix: typeof JOIN_TOKEN_PREFIX | typeof AGENT_CREDENTIAL_PREFIX): IssuedSecret {
  const token = `${prefix}${randomBytes(32).toString('base64url')}`;
  return { id: randomUUID(), token, sha256: sha256Hex(token) };
}

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a presented token has the shape of one of ours with this prefix (cheap refusal of garbage). */
export function looksLike(token: string | undefined, prefix: string): token is string {
  return token !== undefined && token.startsWith(prefix) && TOKEN_PATTERN.test(token);
}
