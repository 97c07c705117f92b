import { randomUUID, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { SessionTokenError } from './session-token.errors';
import { VerifiedTokenCache } from './verified-token-cache';

/** The person behind a broker session, as the IdP described them at sign-in. */
export interface SessionIdentity {
  subject: string;
  username: string;
  email?: string;
  groups: string[];
  sessionId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export interface SessionTokenSettings {
  issuer: string;
  audience: string;
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  clockToleranceSeconds?: number;
  /** Revocation check by session id; a revoked session's access tokens stop working at once. */
  isRevoked?: (sessionId: string) => boolean | Promise<boolean>;
  /** The clock, for tests. */
  now?: () => number;
}

const sessionTokenType = 'tether-session+jwt';

/** Issues and checks the broker's short-lived access JWTs (EdDSA). */
export class SessionTokens {
  private readonly verified = new VerifiedTokenCache<SessionIdentity>(10_000, 60_000);

  constructor(private readonly settings: SessionTokenSettings) {}

  async issue(
    identity: Omit<SessionIdentity, 'expiresAt' | 'sessionId'> & { sessionId?: string },
    ttlSeconds: number,
  ): Promise<string> {
    const claims: Record<string, unknown> = {
      name: identity.username,
      groups: identity.groups,
      sid: identity.sessionId ?? randomUUID(),
    };
    if (identity.email !== undefined) claims.email = identity.email;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: this.settings.keyId, typ: sessionTokenType })
      .setSubject(identity.subject)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.settings.privateKey);
  }

  /** The public key as a JWK, for `/.well-known/jwks.json` (the auditor verifies tokens with it). */
  publicJwk(): Record<string, unknown> {
    const jwk = this.settings.publicKey.export({ format: 'jwk' });
    return { ...jwk, kid: this.settings.keyId, alg: 'EdDSA', use: 'sig' };
  }

  async verify(token: string | undefined): Promise<SessionIdentity> {
    if (!token) throw new SessionTokenError('TOKEN_MISSING', 'no bearer token');
    const nowMs = this.settings.now?.() ?? Date.now();
    const identity = this.verified.get(token, nowMs) ?? (await this.verifySignatureAndClaims(token, nowMs));
    if (await this.settings.isRevoked?.(identity.sessionId))
      throw new SessionTokenError('TOKEN_REVOKED', 'session was revoked');
    return identity;
  }

  private async verifySignatureAndClaims(token: string, nowMs: number): Promise<SessionIdentity> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.settings.publicKey, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['EdDSA'],
        typ: sessionTokenType,
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp', 'iat', 'sid'],
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new SessionTokenError('TOKEN_EXPIRED', 'session token expired');
      throw new SessionTokenError('TOKEN_INVALID', 'session token is not valid for this broker');
    }
    const { sub, name, email, groups, sid, exp } = payload as Record<string, unknown>;
    const isStringArray = Array.isArray(groups) && groups.every((g) => typeof g === 'string');
    if (
      typeof sub !== 'string' ||
      typeof name !== 'string' ||
      typeof sid !== 'string' ||
      !isStringArray ||
      typeof exp !== 'number'
    ) {
      throw new SessionTokenError('TOKEN_INVALID', 'session token lacks identity claims');
    }
    const identity: SessionIdentity = {
      subject: sub,
      username: name,
      ...(typeof email === 'string' ? { email } : {}),
      groups: groups as string[],
      sessionId: sid,
      expiresAt: exp,
    };
    this.verified.set(token, identity, exp * 1000, nowMs);
    return identity;
  }
}
