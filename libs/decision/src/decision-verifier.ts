import { verify } from 'node:crypto';
import { type DecisionClaims, type DecisionPayload, fromPayload } from './decision-claims.js';
import { DecisionError } from './decision-error.js';
import type { DecisionKeySet } from './decision-keys.js';
import { decisionTokenType } from './decision-signer.js';
import { hashRequestTarget } from './path-hash.js';
import { ReplayCache } from './replay-cache.js';

/** The request the agent is about to send, taken from the tunnel stream, never from the token. */
export interface RequestToVerify {
  method: string;
  pathAndQuery: string;
}

export interface DecisionVerifierOptions {
  /** The cluster this agent serves, from its own enrollment. */
  cluster: string;
  keys: DecisionKeySet;
  /** Tolerated clock difference between broker and agent. */
  clockSkewSeconds?: number;
  /** Longest lifetime a decision may claim; longer ones are refused. */
  maxLifetimeSeconds?: number;
  now?: () => number;
  replayCache?: ReplayCache;
}

const maxTokenLength = 16 * 1024;
// Identity strings become HTTP header values on the last hop.
const unsafeHeaderCharacters = /[\r\n\0]/;

/** Checks a decision in the order that fails closed first and costs least when it fails. */
export class DecisionVerifier {
  private readonly skewMs: number;
  private readonly maxLifetimeSeconds: number;
  private readonly now: () => number;
  private readonly replayCache: ReplayCache;

  constructor(private readonly options: DecisionVerifierOptions) {
    this.skewMs = (options.clockSkewSeconds ?? 5) * 1000;
    this.maxLifetimeSeconds = options.maxLifetimeSeconds ?? 60;
    this.now = options.now ?? Date.now;
    this.replayCache = options.replayCache ?? new ReplayCache();
  }

  verify(token: string | undefined, request: RequestToVerify): DecisionClaims {
    if (!token)
      throw new DecisionError('DECISION_MISSING', 'no decision from the broker accompanies this request');
    const { header, payload, signingInput, signature } = parseCompactJws(token);
    if (header.alg !== 'EdDSA' || header.typ !== decisionTokenType || typeof header.kid !== 'string') {
      throw new DecisionError('DECISION_MALFORMED', 'decision header is not an EdDSA Tether decision');
    }
    const key = this.options.keys.get(header.kid);
    if (!key)
      throw new DecisionError('DECISION_UNKNOWN_KEY', `decision signed by unknown key "${header.kid}"`);
    if (!verify(null, Buffer.from(signingInput, 'ascii'), key, signature)) {
      throw new DecisionError('DECISION_BAD_SIGNATURE', 'decision signature does not verify');
    }
    const claims = fromPayload(checkPayloadShape(payload));
    this.checkTime(claims);
    if (claims.cluster !== this.options.cluster) {
      throw new DecisionError(
        'DECISION_WRONG_CLUSTER',
        `decision is for cluster "${claims.cluster}", this agent serves "${this.options.cluster}"`,
      );
    }
    if (claims.method !== request.method.toUpperCase()) {
      throw new DecisionError(
        'DECISION_WRONG_METHOD',
        `decision allows ${claims.method}, request is ${request.method}`,
      );
    }
    if (claims.pathHash !== hashRequestTarget(request.pathAndQuery)) {
      throw new DecisionError('DECISION_WRONG_PATH', 'decision was issued for a different path or query');
    }
    checkIdentityIsHeaderSafe(claims);
    const seen = this.replayCache.remember(
      claims.requestId,
      claims.expiresAt * 1000 + this.skewMs,
      this.now(),
    );
    if (seen === 'replayed')
      throw new DecisionError('DECISION_REPLAYED', `decision ${claims.requestId} was already used`);
    if (seen === 'full')
      throw new DecisionError('DECISION_REPLAY_CACHE_FULL', 'agent is overloaded: replay cache full');
    return claims;
  }

  private checkTime(claims: DecisionClaims): void {
    const now = this.now();
    if (claims.expiresAt * 1000 + this.skewMs <= now) {
      throw new DecisionError('DECISION_EXPIRED', `decision ${claims.requestId} expired`);
    }
    if (claims.issuedAt * 1000 - this.skewMs > now) {
      throw new DecisionError(
        'DECISION_NOT_YET_VALID',
        `decision ${claims.requestId} is issued in the future`,
      );
    }
    if (claims.expiresAt - claims.issuedAt > this.maxLifetimeSeconds || claims.expiresAt < claims.issuedAt) {
      throw new DecisionError('DECISION_MALFORMED', `decision lifetime exceeds ${this.maxLifetimeSeconds} s`);
    }
  }
}

interface ParsedJws {
  header: Record<string, unknown>;
  payload: unknown;
  signingInput: string;
  signature: Buffer;
}

function parseCompactJws(token: string): ParsedJws {
  const malformed = () => new DecisionError('DECISION_MALFORMED', 'decision is not a compact JWS');
  if (token.length > maxTokenLength) throw malformed();
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) throw malformed();
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null) throw malformed();
    return {
      header: header as Record<string, unknown>,
      payload,
      signingInput: `${headerPart}.${payloadPart}`,
      signature: Buffer.from(signaturePart, 'base64url'),
    };
  } catch {
    throw malformed();
  }
}

function checkPayloadShape(payload: unknown): DecisionPayload {
  const p = payload as Partial<DecisionPayload> | null;
  const isString = (v: unknown): v is string => typeof v === 'string';
  const ok =
    p !== null &&
    typeof p === 'object' &&
    isString(p.rid) &&
    p.rid.length > 0 &&
    isString(p.cls) &&
    isString(p.mth) &&
    isString(p.ph) &&
    isString(p.usr) &&
    p.usr.length > 0 &&
    Array.isArray(p.grp) &&
    p.grp.every(isString) &&
    (p.uid === undefined || isString(p.uid)) &&
    (p.ext === undefined ||
      (typeof p.ext === 'object' &&
        p.ext !== null &&
        Object.values(p.ext).every((values) => Array.isArray(values) && values.every(isString)))) &&
    isString(p.rul) &&
    Number.isInteger(p.iat) &&
    Number.isInteger(p.exp);
  if (!ok)
    throw new DecisionError('DECISION_MALFORMED', 'decision claims are incomplete or of the wrong type');
  return p as DecisionPayload;
}

function checkIdentityIsHeaderSafe(claims: DecisionClaims): void {
  const values = [
    claims.user,
    ...claims.groups,
    claims.uid ?? '',
    ...Object.entries(claims.extra ?? {}).flatMap(([key, values]) => [key, ...values]),
  ];
  if (values.some((value) => unsafeHeaderCharacters.test(value))) {
    throw new DecisionError(
      'DECISION_UNSAFE_IDENTITY',
      'identity contains CR, LF or NUL and cannot be impersonated',
    );
  }
}
