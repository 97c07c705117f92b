import type { ActiveGrant } from '@tether/policy';
import type {
  AccessRequest,
  AccessRequestDecision,
  AccessRequestState,
  NewAccessRequest,
} from './access-request';

/** Where access requests live, so a broker restart (or another broker replica) loses none. */
export interface AccessRequestStore {
  /** Creates the table when missing; safe to run from several brokers at once. */
  migrate(): Promise<void>;
  create(request: NewAccessRequest): Promise<AccessRequest>;
  get(id: string): Promise<AccessRequest | undefined>;
  /** The person's own requests plus every pending or approved one, newest first. */
  listFor(username: string, limit?: number): Promise<AccessRequest[]>;
  /**
   * Moves a request from one of `from` to the decision's state; undefined when it is not (or no longer)
   * in one of them, so two approvers racing cannot both win.
   */
  decide(
    id: string,
    from: readonly AccessRequestState[],
    decision: AccessRequestDecision,
  ): Promise<AccessRequest | undefined>;
  /** Marks approved requests past their expiry as expired and returns them. */
  expireDue(now: Date): Promise<AccessRequest[]>;
  /** The person's approved grants that have not expired at `now`. */
  activeGrants(requester: string, now: Date): Promise<ActiveGrant[]>;
  close(): Promise<void>;
}
