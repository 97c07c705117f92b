import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createLocalJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';

export interface Reader {
  username: string;
  groups: string[];
}

export class ReaderAuthError extends Error {
  constructor(
    readonly code: 'unauthorized',
    message: string,
  ) {
    super(message);
  }
}

export interface BrokerTokenVerifierOptions {
  jwksUrl: string;
  issuer: string;
  ca?: Buffer;
}

const audience = 'tether-kube';
const sessionTokenType = 'tether-session+jwt';
const refetchIntervalMs = 30_000;

/**
 * Checks broker session tokens offline with the broker's published keys. The keys
 * are fetched again when a token names an unknown key id (the broker rotated), at most every 30 s.
 * Revocation is the broker's: a revoked session's access token still reads here until it expires
 * (minutes); keep TETHER_BROKER_ACCESS_TOKEN_TTL_SECONDS short.
 */
export class BrokerTokenVerifier {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private fetchedAt = 0;

  constructor(private readonly options: BrokerTokenVerifierOptions) {}

  /** The signed-in person behind a bearer token; throws ReaderAuthError('unauthorized') otherwise. */
  async identify(authorization: string | undefined): Promise<Reader> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token)
      throw new ReaderAuthError('unauthorized', 'a broker session token is required: run `tether login`');
    return this.verify(token);
  }

  private async verify(token: string, retried = false): Promise<Reader> {
    const keys = await this.keySet(false);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience,
        algorithms: ['EdDSA'],
        typ: sessionTokenType,
        requiredClaims: ['sub', 'exp', 'sid'],
      });
      const { name, groups } = payload as { name?: unknown; groups?: unknown };
      if (typeof name !== 'string' || !Array.isArray(groups) || !groups.every((g) => typeof g === 'string'))
        throw new ReaderAuthError('unauthorized', 'session token lacks identity claims');
      return { username: name, groups: groups as string[] };
    } catch (error) {
      if (error instanceof ReaderAuthError) throw error;
      if (error instanceof errors.JWKSNoMatchingKey && !retried && (await this.keySet(true)) !== keys)
        return this.verify(token, true);
      if (error instanceof errors.JWTExpired)
        throw new ReaderAuthError('unauthorized', 'session token expired: run `tether login`');
      throw new ReaderAuthError('unauthorized', 'session token is not valid for this broker');
    }
  }

  private async keySet(refresh: boolean): Promise<ReturnType<typeof createLocalJWKSet>> {
    const due = Date.now() - this.fetchedAt > refetchIntervalMs;
    if (this.keys && !(refresh && due)) return this.keys;
    try {
      this.keys = createLocalJWKSet(await this.fetchJwks());
      this.fetchedAt = Date.now();
    } catch (error) {
      if (!this.keys)
        throw new ReaderAuthError(
          'unauthorized',
          `cannot fetch the broker's keys: ${(error as Error).message}`,
        );
    }
    return this.keys;
  }

  private fetchJwks(): Promise<JSONWebKeySet> {
    const url = new URL(this.options.jwksUrl);
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    return new Promise((resolve, reject) => {
      const request = get(
        url,
        { ...(this.options.ca ? { ca: this.options.ca } : {}), timeout: 5_000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => {
            if (res.statusCode !== 200) return reject(new Error(`${url.href} answered ${res.statusCode}`));
            try {
              resolve(JSON.parse(body) as JSONWebKeySet);
            } catch {
              reject(new Error(`${url.href} did not answer a JWKS`));
            }
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${url.href} timed out`)));
      request.on('error', reject);
    });
  }
}
