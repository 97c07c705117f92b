import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * Mints broker session tokens with the broker's session key, as sign-in will once it exists. The
 * broker checks them on its real path (issuer, audience, type, signature, expiry).
 */
export class SessionTokenMinter {
  constructor(
    private readonly issuer: string,
    private readonly privateKey: KeyObject,
    private readonly audience = 'tether-kube',
  ) {}

  mint(username: string, groups: string[], ttlSeconds = 600): Promise<string> {
    return new SignJWT({ name: username, groups, sid: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'tether-session+jwt' })
      .setSubject(`idp|${username}`)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.privateKey);
  }
}
