/**
 * Just-in-time roles as the policy defines them. Storing requests and grants is the access-request
 * service's job; the policy says what a role grants, where, to whom, who approves and for how long.
 */
import type { ConditionNode } from './condition-node.js';
import { compileCondition } from './condition.js';
import { EvaluationContext, NO_REQUEST } from './evaluation-context.js';
import type { ActiveGrant, PolicyCluster, PolicyUser } from './policy-input.js';
import type { RoleSpec } from './policy-schema.js';

const NO_GROUPS: readonly string[] = [];

export interface AccessRequestCheck {
  user: PolicyUser;
  cluster: PolicyCluster;
  durationMs: number;
  reason?: string;
}

export class JitRole {
  readonly name: string;
  readonly description?: string;
  /** Groups an active grant adds to the person's groups, for rules and for what the cluster sees. */
  readonly groups: readonly string[];
  /** Members of any of these groups may approve someone else's request. */
  readonly approverGroups: readonly string[];
  readonly maxDurationMs: number;
  /** Break-glass: the requester may approve their own request (always with a reason). */
  readonly selfApproval: boolean;
  readonly reasonRequired: boolean;
  private readonly clusters: ConditionNode;
  private readonly requesters?: ConditionNode;

  constructor(spec: RoleSpec) {
    this.name = spec.name;
    this.description = spec.description;
    this.groups = spec.groups;
    this.approverGroups = spec.approvers ?? [];
    this.maxDurationMs = spec.maxDuration;
    this.selfApproval = spec.selfApproval ?? false;
    this.reasonRequired = this.selfApproval || (spec.reasonRequired ?? false);
    this.clusters = compileCondition(spec.clusters);
    this.requesters = spec.requesters === undefined ? undefined : compileCondition(spec.requesters);
  }

  appliesTo(cluster: PolicyCluster, user?: PolicyUser): boolean {
    return this.clusters.test(contextFor(user ?? { username: '', groups: [] }, cluster));
  }

  mayRequest(user: PolicyUser, cluster: PolicyCluster): boolean {
    const ctx = contextFor(user, cluster);
    return this.clusters.test(ctx) && (this.requesters === undefined || this.requesters.test(ctx));
  }

  mayApprove(approver: PolicyUser, requesterUsername: string): boolean {
    if (approver.username === requesterUsername) return this.selfApproval;
    return approver.groups.some((group) => this.approverGroups.includes(group));
  }

  /** Why a request for this role cannot be made as asked, or undefined when it can. */
  requestProblem(request: AccessRequestCheck): string | undefined {
    if (!this.appliesTo(request.cluster, request.user)) {
      return `role '${this.name}' does not apply to cluster '${request.cluster.name}'`;
    }
    if (!this.mayRequest(request.user, request.cluster)) return `you may not request role '${this.name}'`;
    if (!(request.durationMs > 0) || request.durationMs > this.maxDurationMs) {
      return `role '${this.name}' is granted for at most ${formatDuration(this.maxDurationMs)}`;
    }
    if (this.reasonRequired && (request.reason ?? '').trim() === '') {
      return `role '${this.name}' requires a reason`;
    }
    return undefined;
  }
}

function contextFor(user: PolicyUser, cluster: PolicyCluster): EvaluationContext {
  return new EvaluationContext({ user, cluster, request: NO_REQUEST, now: new Date(0) });
}

function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}

export class JitRoles {
  private readonly byName: ReadonlyMap<string, JitRole>;

  constructor(specs: readonly RoleSpec[]) {
    this.byName = new Map(specs.map((spec) => [spec.name, new JitRole(spec)]));
  }

  get(name: string): JitRole | undefined {
    return this.byName.get(name);
  }

  list(): JitRole[] {
    return [...this.byName.values()];
  }

  /**
   * Groups the grants add on `ctx`'s cluster now. A grant counts until it expires, and only while its role
   * still exists and still covers the cluster: editing the policy withdraws access without touching grants.
   */
  grantedGroups(grants: readonly ActiveGrant[] | undefined, ctx: EvaluationContext): readonly string[] {
    if (grants === undefined || grants.length === 0) return NO_GROUPS;
    let groups: string[] | undefined;
    for (const grant of grants) {
      if (grant.cluster !== ctx.cluster.name || !(grant.expiresAt.getTime() > ctx.nowMs)) continue;
      const role = this.byName.get(grant.role);
      if (role === undefined || !role.appliesTo(ctx.cluster, ctx.user)) continue;
      groups ??= [];
      for (const group of role.groups) if (!groups.includes(group)) groups.push(group);
    }
    return groups ?? NO_GROUPS;
  }
}
