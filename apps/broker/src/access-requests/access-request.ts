/** A just-in-time access request as stored, and the states it moves through. */
export const ACCESS_REQUEST_STATES = ['pending', 'approved', 'denied', 'expired', 'revoked'] as const;
export type AccessRequestState = (typeof ACCESS_REQUEST_STATES)[number];

export interface AccessRequest {
  id: string;
  requester: string;
  cluster: string;
  role: string;
  reason: string;
  durationSeconds: number;
  state: AccessRequestState;
  createdAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Set on approval: the grant counts until then. */
  expiresAt: Date | null;
}

export type NewAccessRequest = Pick<
  AccessRequest,
  'requester' | 'cluster' | 'role' | 'reason' | 'durationSeconds' | 'createdAt'
>;

/** What a state change records. */
export interface AccessRequestDecision {
  state: AccessRequestState;
  decidedBy: string;
  decidedAt: Date;
  expiresAt?: Date;
}
