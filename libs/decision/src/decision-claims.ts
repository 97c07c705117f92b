/** What the broker decided for one request; the agent acts on nothing else. */
export interface DecisionClaims {
  /** Request id; also the Audit-ID and the `tether.dev/request-id` impersonation extra. */
  requestId: string;
  cluster: string;
  method: string;
  /** base64url SHA-256 of the request target (path and query) exactly as forwarded. */
  pathHash: string;
  /** The Kubernetes identity to impersonate. */
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
  /** The policy rule that allowed the request, for the agent's logs. */
  rule: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

/** Compact claim names on the wire: decisions ride in a header of every proxied request. */
export interface DecisionPayload {
  rid: string;
  cls: string;
  mth: string;
  ph: string;
  usr: string;
  grp: string[];
  uid?: string;
  ext?: Record<string, string[]>;
  rul: string;
  iat: number;
  exp: number;
}

export function toPayload(claims: DecisionClaims): DecisionPayload {
  const payload: DecisionPayload = {
    rid: claims.requestId,
    cls: claims.cluster,
    mth: claims.method,
    ph: claims.pathHash,
    usr: claims.user,
    grp: claims.groups,
    rul: claims.rule,
    iat: claims.issuedAt,
    exp: claims.expiresAt,
  };
  if (claims.uid !== undefined) payload.uid = claims.uid;
  if (claims.extra !== undefined) payload.ext = claims.extra;
  return payload;
}

export function fromPayload(payload: DecisionPayload): DecisionClaims {
  return {
    requestId: payload.rid,
    cluster: payload.cls,
    method: payload.mth,
    pathHash: payload.ph,
    user: payload.usr,
    groups: payload.grp,
    ...(payload.uid !== undefined ? { uid: payload.uid } : {}),
    ...(payload.ext !== undefined ? { extra: payload.ext } : {}),
    rule: payload.rul,
    issuedAt: payload.iat,
    expiresAt: payload.exp,
  };
}
