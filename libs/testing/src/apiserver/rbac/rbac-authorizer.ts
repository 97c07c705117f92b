// RBAC as kube-apiserver evaluates it (plugin/pkg/auth/authorizer/rbac + registry/rbac/validation):
// ClusterRoleBindings first, then RoleBindings of the request's namespace; the first allowing rule wins.
import type { AuthorizationAttributes, KubeObject } from '@tether/kube';
import { bindingOf, policyRulesOf, type Binding, type PolicyRule, type Subject } from './rbac-objects.js';
import type { RbacSource } from './rbac-source.js';
import { ruleAllows } from './rule-matching.js';
import { SERVICE_ACCOUNT_USERNAME_PREFIX, type UserInfo } from './user-info.js';

export interface AuthorizationDecision {
  allowed: boolean;
  /** `RBAC: allowed by ...` when allowed; empty when denied, or the resolution errors (missing roles). */
  reason: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}

export interface SubjectRules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  /** Set when a binding refers to a missing role, as SelfSubjectRulesReview's `status.evaluationError`. */
  evaluationError?: string;
}

/** Called per rule with where it came from; return false to stop. */
type RuleVisitor = (source: string, rule: PolicyRule) => boolean;

export class RbacAuthorizer {
  constructor(private readonly source: RbacSource) {}

  authorize(user: UserInfo, attrs: AuthorizationAttributes): AuthorizationDecision {
    let allowedBy: string | undefined;
    const errors = this.visitRulesFor(user, attrs.namespace, (source, rule) => {
      if (!ruleAllows(attrs, rule)) return true;
      allowedBy = source;
      return false;
    });
    if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${aggregate(errors)}` };
  }

  /** The rules `user` has in `namespace` (cluster-wide ones included), for SelfSubjectRulesReview. */
  rulesFor(user: UserInfo, namespace: string): SubjectRules {
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    const errors = this.visitRulesFor(user, namespace, (_source, rule) => {
      if (rule.resources.length > 0) resourceRules.push(resourceRuleOf(rule));
      if (rule.nonResourceURLs.length > 0) {
        nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
      }
      return true;
    });
    const rules: SubjectRules = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
    if (errors.length > 0) rules.evaluationError = aggregate(errors);
    return rules;
  }

  /** Walks every rule that applies to `user` in `namespace`; returns the resolution errors met on the way. */
  private visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): string[] {
    const errors: string[] = [];
    const walk = (bindings: Binding[]): boolean => {
      for (const binding of bindings) {
        const subject = binding.subjects.find((s) =>
          appliesToUser(user, s, binding.kind === 'RoleBinding' ? namespace : ''),
        );
        if (subject === undefined) continue;
        const rules = this.roleReferenceRules(binding, namespace);
        if (typeof rules === 'string') {
          errors.push(rules);
          continue;
        }
        const source = describeBinding(binding, subject);
        for (const rule of rules) if (!visit(source, rule)) return false;
      }
      return true;
    };

    const clusterBindings = this.source
      .list('clusterrolebindings')
      .map((o) => bindingOf(o, 'ClusterRoleBinding'));
    if (!walk(clusterBindings) || namespace === '') return errors;
    const roleBindings = this.source
      .list('rolebindings', namespace)
      // The source may hand back more than asked for: a binding only ever grants in its own namespace.
      .filter((o) => o.metadata?.namespace === namespace)
      .map((o) => bindingOf(o, 'RoleBinding'));
    walk(roleBindings);
    return errors;
  }

  /** The referenced role's rules, or the error text the real lister gives. */
  private roleReferenceRules(binding: Binding, namespace: string): PolicyRule[] | string {
    const { kind, name } = binding.roleRef;
    if (kind === 'ClusterRole') {
      const role = findByName(this.source.list('clusterroles'), name);
      return role === undefined
        ? `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`
        : policyRulesOf(role);
    }
    if (kind === 'Role') {
      // A ClusterRoleBinding has no namespace to find a Role in: the real resolver reports it missing.
      const roles =
        binding.kind === 'RoleBinding'
          ? this.source.list('roles', namespace).filter((o) => o.metadata?.namespace === namespace)
          : [];
      const role = findByName(roles, name);
      return role === undefined
        ? `role.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`
        : policyRulesOf(role);
    }
    return `unsupported role reference kind: ${JSON.stringify(kind)}`;
  }
}

function appliesToUser(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A RoleBinding's ServiceAccount subject without a namespace means the binding's own namespace.
      const saNamespace = subject.namespace !== '' ? subject.namespace : namespace;
      if (saNamespace === '') return false;
      return user.username === `${SERVICE_ACCOUNT_USERNAME_PREFIX}${saNamespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeBinding(binding: Binding, subject: Subject): string {
  const name = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  const subjectName =
    subject.kind === 'ServiceAccount'
      ? `${subject.name}/${subject.namespace !== '' ? subject.namespace : binding.namespace}`
      : subject.name;
  return `${binding.kind} ${JSON.stringify(name)} of ${binding.roleRef.kind} ${JSON.stringify(binding.roleRef.name)} to ${subject.kind} ${JSON.stringify(subjectName)}`;
}

function findByName(objects: KubeObject[], name: string): KubeObject | undefined {
  return objects.find((o) => o.metadata?.name === name);
}

function resourceRuleOf(rule: PolicyRule): ResourceRule {
  const out: ResourceRule = { verbs: [...rule.verbs] };
  if (rule.apiGroups.length > 0) out.apiGroups = [...rule.apiGroups];
  out.resources = [...rule.resources];
  if (rule.resourceNames.length > 0) out.resourceNames = [...rule.resourceNames];
  return out;
}

/** Go's utilerrors aggregate text: one error as is, several as `[a, b]`. */
function aggregate(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
