/**
 * The rules of just-in-time access: who may request which role where, who may approve, deny or revoke,
 * and an audit line for every state change. The policy's roles decide; the store remembers.
 */
import type { JitRole, JitRoles, PolicyCluster, PolicyUser } from '@tether/policy';
import type { Logger } from 'pino';
import type { AccessRequest, AccessRequestState } from './access-request';
import type { AccessRequestStore } from './access-request-store';
import { AccessRequestError } from './access-request.errors';
import { parseRequestDuration } from './request-duration';

export interface AccessRequestServiceDependencies {
  store: AccessRequestStore;
  /** The roles of the policy in force; undefined while no policy is loaded. */
  roles: () => JitRoles | undefined;
  cluster: (name: string) => PolicyCluster | undefined;
  /** Called for the requester whenever their grants change, so the kube proxy sees it at once. */
  grantsChanged: (username: string) => void;
  logger: Logger;
  now?: () => Date;
}

/** What the API answers for one request. */
export interface AccessRequestView {
  id: string;
  requester: string;
  cluster: string;
  role: string;
  reason: string;
  durationSeconds: number;
  state: AccessRequestState;
  createdAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
  /** Whether the caller may approve or deny it now. */
  mayDecide: boolean;
}

const MAX_REASON = 1000;

export class AccessRequestService {
  private readonly now: () => Date;

  constructor(private readonly deps: AccessRequestServiceDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  async create(who: PolicyUser, body: unknown): Promise<AccessRequestView> {
    const input = readCreateBody(body);
    const roles = this.roles();
    const role = roles.get(input.role);
    if (role === undefined) {
      const known = roles.list().map((r) => r.name);
      throw new AccessRequestError(
        'unknown_role',
        `the policy has no role '${input.role}'${known.length === 0 ? '' : ` (roles: ${known.join(', ')})`}`,
      );
    }
    const cluster = this.deps.cluster(input.cluster);
    if (cluster === undefined)
      throw new AccessRequestError('invalid_request', `cluster '${input.cluster}' is not registered`);
    const problem = role.requestProblem({
      user: who,
      cluster,
      durationMs: input.durationSeconds * 1000,
      reason: input.reason,
    });
    if (problem !== undefined) throw new AccessRequestError('request_refused', problem);
    const now = this.now();
    let request = await this.deps.store.create({
      requester: who.username,
      cluster: cluster.name,
      role: role.name,
      reason: input.reason,
      durationSeconds: input.durationSeconds,
      createdAt: now,
    });
    this.audit('access_request.created', request, who.username);
    // Break-glass: the role lets the requester approve at once (its reason is mandatory, checked above).
    if (role.selfApproval && role.mayApprove(who, who.username)) {
      request = await this.transition(request.id, ['pending'], 'approved', who.username, request);
    }
    return this.view(request, who, role);
  }

  async list(who: PolicyUser): Promise<AccessRequestView[]> {
    await this.expireDue();
    const roles = this.deps.roles();
    const requests = await this.deps.store.listFor(who.username);
    return requests
      .map((request) => ({ request, role: roles?.get(request.role) }))
      .filter(
        ({ request, role }) =>
          request.requester === who.username ||
          (role !== undefined && role.mayApprove(who, request.requester)),
      )
      .map(({ request, role }) => this.view(request, who, role));
  }

  async approve(who: PolicyUser, id: string): Promise<AccessRequestView> {
    const { request, role } = await this.decidable(who, id, 'approve');
    const approved = await this.transition(id, ['pending'], 'approved', who.username, request);
    return this.view(approved, who, role);
  }

  async deny(who: PolicyUser, id: string): Promise<AccessRequestView> {
    const { request, role } = await this.decidable(who, id, 'deny');
    const denied = await this.transition(id, ['pending'], 'denied', who.username, request);
    return this.view(denied, who, role);
  }

  /** The requester gives up a request or grant; an approver withdraws it. */
  async revoke(who: PolicyUser, id: string): Promise<AccessRequestView> {
    const request = await this.find(id);
    const role = this.deps.roles()?.get(request.role);
    const allowed =
      request.requester === who.username || (role !== undefined && role.mayApprove(who, request.requester));
    if (!allowed) throw new AccessRequestError('forbidden', `you may not revoke request ${id}`);
    const revoked = await this.transition(id, ['pending', 'approved'], 'revoked', who.username, request);
    return this.view(revoked, who, role);
  }

  /** Records approved grants whose time is up as expired (they stopped counting at expiry anyway). */
  async expireDue(): Promise<void> {
    for (const request of await this.deps.store.expireDue(this.now())) {
      this.audit('access_request.expired', request, 'tether');
      this.deps.grantsChanged(request.requester);
    }
  }

  private async decidable(
    who: PolicyUser,
    id: string,
    action: 'approve' | 'deny',
  ): Promise<{ request: AccessRequest; role: JitRole }> {
    const request = await this.find(id);
    const role = this.roles().get(request.role);
    if (role === undefined)
      throw new AccessRequestError('conflict', `role '${request.role}' is no longer in the policy`);
    if (!role.mayApprove(who, request.requester)) {
      const why =
        who.username === request.requester
          ? `role '${role.name}' does not allow approving your own requests`
          : `only members of ${role.approverGroups.join(', ') || 'no group'} may ${action} requests for role '${role.name}'`;
      throw new AccessRequestError('forbidden', why);
    }
    return { request, role };
  }

  private async transition(
    id: string,
    from: readonly AccessRequestState[],
    to: AccessRequestState,
    actor: string,
    before: AccessRequest,
  ): Promise<AccessRequest> {
    const now = this.now();
    const expiresAt = to === 'approved' ? new Date(now.getTime() + before.durationSeconds * 1000) : undefined;
    const after = await this.deps.store.decide(id, from, {
      state: to,
      decidedBy: actor,
      decidedAt: now,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    });
    if (after === undefined) {
      const current = (await this.deps.store.get(id))?.state ?? 'gone';
      throw new AccessRequestError('conflict', `request ${id} is ${current}, not ${from.join(' or ')}`);
    }
    this.audit(`access_request.${to}`, after, actor);
    this.deps.grantsChanged(after.requester);
    return after;
  }

  private async find(id: string): Promise<AccessRequest> {
    const request = /^[0-9a-f-]{36}$/.test(id) ? await this.deps.store.get(id) : undefined;
    if (request === undefined) throw new AccessRequestError('not_found', `no access request ${id}`);
    return request;
  }

  private roles(): JitRoles {
    const roles = this.deps.roles();
    if (roles === undefined)
      throw new AccessRequestError('policy_unavailable', 'no policy is loaded, so no role can be requested');
    return roles;
  }

  // The Kafka audit pipeline comes later; until then these structured lines are the audit trail.
  private audit(event: string, request: AccessRequest, actor: string): void {
    this.deps.logger.info(
      {
        audit: true,
        event,
        actor,
        requestId: request.id,
        requester: request.requester,
        cluster: request.cluster,
        role: request.role,
        state: request.state,
        reason: request.reason,
        durationSeconds: request.durationSeconds,
        expiresAt: request.expiresAt?.toISOString() ?? null,
      },
      event,
    );
  }

  private view(request: AccessRequest, who: PolicyUser, role: JitRole | undefined): AccessRequestView {
    return {
      id: request.id,
      requester: request.requester,
      cluster: request.cluster,
      role: request.role,
      reason: request.reason,
      durationSeconds: request.durationSeconds,
      state: request.state,
      createdAt: request.createdAt.toISOString(),
      decidedBy: request.decidedBy,
      decidedAt: request.decidedAt?.toISOString() ?? null,
      expiresAt: request.expiresAt?.toISOString() ?? null,
      mayDecide: request.state === 'pending' && role !== undefined && role.mayApprove(who, request.requester),
    };
  }
}

function readCreateBody(body: unknown): {
  cluster: string;
  role: string;
  reason: string;
  durationSeconds: number;
} {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (name: string): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value.trim() === '')
      throw new AccessRequestError('invalid_request', `'${name}' is required (a string)`);
    return value.trim();
  };
  const reason = typeof fields.reason === 'string' ? fields.reason.trim() : '';
  if (reason.length > MAX_REASON)
    throw new AccessRequestError('invalid_request', `'reason' is longer than ${MAX_REASON} characters`);
  const duration = text('duration');
  const durationSeconds = parseRequestDuration(duration);
  if (durationSeconds === undefined) {
    throw new AccessRequestError('invalid_request', `'${duration}' is not a duration like 30m, 1h or 90s`);
  }
  return { cluster: text('cluster'), role: text('role'), reason, durationSeconds };
}
