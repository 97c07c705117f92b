/** The leaves of a condition: one criterion over the identity, the cluster, the request or the clock. */
import type { ConditionNode, Failure } from './condition-node.js';
import type { EvaluationContext } from './evaluation-context.js';
import { compileMatcher, showValue, type MatcherSpec, type StringMatcher } from './string-matcher.js';
import { compileTimeWindow, type TimeWindowSpec } from './time-window.js';

export const IDENTITY_CRITERIA = ['user', 'email', 'emailDomain', 'groups', 'claims'] as const;
export const CLUSTER_CRITERIA = ['cluster', 'clusterLabels'] as const;
export const REQUEST_CRITERIA = [
  'namespace',
  'verb',
  'apiGroup',
  'resource',
  'subresource',
  'resourceName',
  'path',
] as const;
export const TIME_CRITERIA = ['time'] as const;

export type RequestCriterion = (typeof REQUEST_CRITERIA)[number];
export type Criterion =
  | (typeof IDENTITY_CRITERIA)[number]
  | (typeof CLUSTER_CRITERIA)[number]
  | RequestCriterion
  | (typeof TIME_CRITERIA)[number];

// One reader per field keeps each property access monomorphic in the hot path.
const REQUEST_FIELD: Record<RequestCriterion, (ctx: EvaluationContext) => string> = {
  namespace: (ctx) => ctx.request.namespace,
  verb: (ctx) => ctx.request.verb,
  apiGroup: (ctx) => ctx.request.apiGroup,
  resource: (ctx) => ctx.request.resource,
  subresource: (ctx) => ctx.request.subresource,
  resourceName: (ctx) => ctx.request.name,
  path: (ctx) => ctx.request.path,
};

const LABEL: Record<RequestCriterion, string> = {
  namespace: 'namespace',
  verb: 'verb',
  apiGroup: 'API group',
  resource: 'resource',
  subresource: 'subresource',
  resourceName: 'resource name',
  path: 'path',
};

// How far a failed criterion puts a rule from matching, for "closest rule" explanations: a rule for other
// people is far, one for another cluster is nearer, one that missed only the verb or namespace is nearest.
export const IDENTITY_WEIGHT = 8;
const WEIGHT: Record<Criterion, number> = {
  user: IDENTITY_WEIGHT,
  email: IDENTITY_WEIGHT,
  emailDomain: IDENTITY_WEIGHT,
  groups: IDENTITY_WEIGHT,
  claims: IDENTITY_WEIGHT,
  cluster: 2,
  clusterLabels: 2,
  namespace: 1,
  verb: 1,
  apiGroup: 1,
  resource: 1,
  subresource: 1,
  resourceName: 1,
  path: 1,
  time: 1,
};

const SETTLED_CRITERIA = new Set<Criterion>([...IDENTITY_CRITERIA, ...CLUSTER_CRITERIA]);

/** The access-summary half of a leaf: settled criteria are judged, the others may hold. */
function summaryParts(criterion: Criterion, test: (ctx: EvaluationContext) => boolean) {
  const settled = SETTLED_CRITERIA.has(criterion);
  return { settled, mayHold: settled ? test : () => true };
}

function failure(criterion: Criterion, message: string): Failure[] {
  return [{ message, weight: WEIGHT[criterion] }];
}

/** A leaf, with the matcher kept so the rule index can read exact values off it. */
export interface CriterionNode extends ConditionNode {
  readonly criterion: Criterion;
  readonly matcher?: StringMatcher;
}

function valueCriterion(
  criterion: Criterion,
  label: string,
  matcher: StringMatcher,
  read: (ctx: EvaluationContext) => string | undefined,
): CriterionNode {
  const test = (ctx: EvaluationContext) => {
    const value = read(ctx);
    return value !== undefined && matcher.test(value, ctx);
  };
  return {
    criterion,
    matcher,
    test,
    failures(ctx) {
      const value = read(ctx);
      if (value === undefined)
        return failure(criterion, `${label} missing (needed: ${label} ${matcher.description})`);
      if (matcher.test(value, ctx)) return [];
      return failure(criterion, `${label} ${showValue(value)} ${matcher.mismatch(ctx)}`);
    },
    distance(ctx) {
      const value = read(ctx);
      return value !== undefined && matcher.test(value, ctx) ? 0 : WEIGHT[criterion];
    },
    description: `${label} ${matcher.description}`,
    weight: WEIGHT[criterion],
    ...summaryParts(criterion, test),
  };
}

export function requestCriterion(criterion: RequestCriterion, spec: MatcherSpec): CriterionNode {
  return valueCriterion(criterion, LABEL[criterion], compileMatcher(spec), REQUEST_FIELD[criterion]);
}

export function userCriterion(spec: MatcherSpec): CriterionNode {
  return valueCriterion('user', 'user', compileMatcher(spec), (ctx) => ctx.user.username);
}

export function emailCriterion(spec: MatcherSpec): CriterionNode {
  return valueCriterion('email', 'email', compileMatcher(spec, { foldCase: true }), (ctx) => ctx.email());
}

export function emailDomainCriterion(spec: MatcherSpec): CriterionNode {
  const matcher = compileMatcher(spec, { foldCase: true });
  return valueCriterion('emailDomain', 'email domain', matcher, (ctx) => ctx.emailDomain());
}

export function clusterCriterion(spec: MatcherSpec): CriterionNode {
  return valueCriterion('cluster', 'cluster', compileMatcher(spec), (ctx) => ctx.cluster.name);
}

export function clusterLabelCriterion(key: string, spec: MatcherSpec): CriterionNode {
  const read = (ctx: EvaluationContext) =>
    Object.hasOwn(ctx.cluster.labels, key) ? ctx.cluster.labels[key] : undefined;
  return valueCriterion('clusterLabels', `cluster label ${key}`, compileMatcher(spec), read);
}

export function groupsCriterion(spec: MatcherSpec): CriterionNode {
  const matcher = compileMatcher(spec);
  const test = (ctx: EvaluationContext) => {
    for (const group of ctx.groups) if (matcher.test(group, ctx)) return true;
    return false;
  };
  return {
    criterion: 'groups',
    matcher,
    test,
    distance: (ctx) => (test(ctx) ? 0 : WEIGHT.groups),
    failures: (ctx) =>
      test(ctx)
        ? []
        : failure(
            'groups',
            `no group ${matcher.description} (groups: [${ctx.groups.map(showValue).join(', ')}])`,
          ),
    description: `group ${matcher.description}`,
    weight: WEIGHT.groups,
    ...summaryParts('groups', test),
  };
}

/** Claims hold strings, numbers, booleans or lists of them; a list matches when any element does. */
function claimMatches(value: unknown, matcher: StringMatcher, ctx: EvaluationContext): boolean {
  if (typeof value === 'string') return matcher.test(value, ctx);
  if (typeof value === 'number' || typeof value === 'boolean') return matcher.test(String(value), ctx);
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) {
      if (!Array.isArray(item) && claimMatches(item, matcher, ctx)) return true;
    }
  }
  return false;
}

function showClaim(value: unknown): string {
  if (value === undefined) return 'missing';
  return typeof value === 'string' ? showValue(value) : JSON.stringify(value);
}

export function claimCriterion(name: string, spec: MatcherSpec): CriterionNode {
  const matcher = compileMatcher(spec);
  const test = (ctx: EvaluationContext) => claimMatches(ctx.claim(name), matcher, ctx);
  return {
    criterion: 'claims',
    matcher,
    test,
    distance: (ctx) => (test(ctx) ? 0 : WEIGHT.claims),
    failures: (ctx) =>
      test(ctx)
        ? []
        : failure('claims', `claim ${name} ${showClaim(ctx.claim(name))} ${matcher.mismatch(ctx)}`),
    description: `claim ${name} ${matcher.description}`,
    weight: WEIGHT.claims,
    ...summaryParts('claims', test),
  };
}

export function timeCriterion(spec: TimeWindowSpec): CriterionNode {
  const window = compileTimeWindow(spec);
  return {
    criterion: 'time',
    test: window.test,
    distance: (ctx) => (window.test(ctx) ? 0 : WEIGHT.time),
    failures: (ctx) =>
      window.test(ctx) ? [] : failure('time', `time ${window.localTime(ctx)} outside ${spec.text}`),
    description: `time within ${spec.text}`,
    weight: WEIGHT.time,
    ...summaryParts('time', window.test),
  };
}
