/** The policy file's schema (apiVersion policy.tether.dev/v1, kind Policy); see docs/policy.md. */
import { z } from 'zod';
import type { ConditionSpec } from './condition.js';
import { ALL_CRITERIA, conditionSchema } from './condition-schema.js';
import { CLUSTER_CRITERIA, IDENTITY_CRITERIA } from './criteria.js';
import {
  duration,
  listOf,
  literalText,
  name,
  nonEmptyLiteral,
  strictObject,
  templatedText,
  text,
} from './schema-helpers.js';

export const POLICY_API_VERSION = 'policy.tether.dev/v1';

const ruleCondition = conditionSchema(ALL_CRITERIA, 'a rule');
const identityAndCluster = conditionSchema(
  [...IDENTITY_CRITERIA, ...CLUSTER_CRITERIA],
  "a mapping's condition",
  ': what a cluster sees depends only on the identity and the cluster',
);
const clusterOnly = conditionSchema(CLUSTER_CRITERIA, "a role's clusters", ': use cluster and clusterLabels');
const identityOnly = conditionSchema(
  IDENTITY_CRITERIA,
  "a role's requesters",
  ': requesters are people, not requests',
);

const rule = strictObject(
  {
    name,
    description: text.optional(),
    allow: ruleCondition.optional(),
    deny: ruleCondition.optional(),
    reason: text.optional(),
  },
  'a rule',
).check((payload) => {
  const { allow, deny, reason } = payload.value;
  const issue = (message: string) => payload.issues.push({ code: 'custom', message, input: payload.value });
  if ((allow === undefined) === (deny === undefined)) issue('a rule has exactly one of allow or deny');
  else if (reason !== undefined && allow !== undefined) {
    payload.issues.push({
      code: 'custom',
      message: 'reason is shown on denials; it belongs to deny rules',
      path: ['reason'],
      input: reason,
    });
  }
});

// A record's key issues lose their message in zod, so keys are checked on the whole record instead.
const extras = z
  .record(z.string(), listOf(templatedText), {
    error: (issue) =>
      issue.code === 'invalid_type' ? 'expected a mapping of extra keys to values' : undefined,
  })
  .check((payload) => {
    for (const key of Object.keys(payload.value)) {
      const problem =
        key === ''
          ? 'extra keys must not be empty'
          : key !== key.toLowerCase()
            ? `the API server lower-cases extra keys; write '${key.toLowerCase()}'`
            : undefined;
      if (problem !== undefined)
        payload.issues.push({ code: 'custom', message: problem, path: [key], input: key });
    }
  });
const groupList = listOf(nonEmptyLiteral);

const mapping = strictObject(
  {
    name,
    description: text.optional(),
    when: identityAndCluster,
    user: templatedText.optional(),
    groups: groupList.optional(),
    extra: extras.optional(),
  },
  'a mapping',
).check((payload) => {
  const { user, groups, extra } = payload.value;
  if (user === undefined && groups === undefined && extra === undefined) {
    payload.issues.push({
      code: 'custom',
      message: 'a mapping sets user, groups or extra',
      input: payload.value,
    });
  }
});

const impersonation = strictObject(
  {
    user: templatedText.optional(),
    groups: strictObject(
      {
        passthrough: z.boolean({ error: 'expected true or false' }).optional(),
        prefix: literalText
          .refine((value) => !/[\r\n\0]/.test(value), 'must not contain CR, LF or NUL')
          .optional(),
      },
      'group settings',
    ).optional(),
    extra: extras.optional(),
    mappings: z.array(mapping, { error: 'expected a list of mappings' }).optional(),
  },
  'impersonation settings',
);

const role = strictObject(
  {
    name,
    description: text.optional(),
    groups: groupList.pipe(z.array(z.string()).min(1, 'a role grants at least one group')),
    clusters: clusterOnly,
    requesters: identityOnly.optional(),
    approvers: groupList.optional(),
    maxDuration: duration,
    selfApproval: z.boolean({ error: 'expected true or false' }).optional(),
    reasonRequired: z.boolean({ error: 'expected true or false' }).optional(),
  },
  'a role',
).check((payload) => {
  const { approvers, selfApproval, reasonRequired } = payload.value;
  if (!selfApproval && (approvers === undefined || approvers.length === 0)) {
    payload.issues.push({
      code: 'custom',
      message: 'nobody could approve this role: list approvers (groups) or allow selfApproval',
      path: ['approvers'],
      input: approvers,
    });
  }
  if (selfApproval && reasonRequired === false) {
    payload.issues.push({
      code: 'custom',
      message: 'self-approved (break-glass) access must state a reason; remove reasonRequired: false',
      path: ['reasonRequired'],
      input: reasonRequired,
    });
  }
});

export const policySchema = strictObject(
  {
    apiVersion: z.literal(POLICY_API_VERSION, { error: `expected apiVersion: ${POLICY_API_VERSION}` }),
    kind: z.literal('Policy', { error: 'expected kind: Policy' }),
    description: text.optional(),
    rules: z.array(rule, { error: 'expected a list of rules' }),
    impersonation: impersonation.optional(),
    roles: z.array(role, { error: 'expected a list of roles' }).optional(),
  },
  'a policy',
);

export type PolicySpec = z.output<typeof policySchema>;
export type RuleSpec = PolicySpec['rules'][number];
export type RoleSpec = NonNullable<PolicySpec['roles']>[number];
export type MappingSpec = NonNullable<NonNullable<PolicySpec['impersonation']>['mappings']>[number];
export type { ConditionSpec };
