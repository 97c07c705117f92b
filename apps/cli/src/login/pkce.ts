import { createHash, randomBytes } from 'node:crypto';

/** RFC 7636 proof key: a random verifier kept here and its S256 challenge sent with the login URL. */
export interface Pkce {
  verifier: string;
  challenge: string;
}

export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url'); // 43 characters of [A-Za-z0-9_-]
  return { verifier, challenge: s256Challenge(verifier) };
}

/** An unguessable `state` that binds the callback to this login attempt. */
export function createState(): string {
  return randomBytes(24).toString('base64url');
}
