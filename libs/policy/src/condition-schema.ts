/** The schema of a condition: criteria and and/or/not/nor, restricted to what a place in the file may use. */
import { z } from 'zod';
import type { ConditionSpec } from './condition.js';
import {
  CLUSTER_CRITERIA,
  IDENTITY_CRITERIA,
  REQUEST_CRITERIA,
  TIME_CRITERIA,
  type Criterion,
} from './criteria.js';
import { matcherSchema } from './matcher-schema.js';
import { strictObject } from './schema-helpers.js';
import { timeWindowSchema } from './time-window-schema.js';

const COMBINATORS = ['and', 'or', 'not', 'nor'] as const;

export const ALL_CRITERIA: readonly Criterion[] = [
  ...IDENTITY_CRITERIA,
  ...CLUSTER_CRITERIA,
  ...REQUEST_CRITERIA,
  ...TIME_CRITERIA,
];

const matcherMap = (what: string) =>
  z.record(z.string(), matcherSchema, {
    error: (issue) =>
      issue.code === 'invalid_type' ? `expected a mapping of ${what} names to matchers` : undefined,
  });

const CRITERION_SCHEMAS: Record<Criterion, z.ZodType> = {
  user: matcherSchema,
  email: matcherSchema,
  emailDomain: matcherSchema,
  groups: matcherSchema,
  claims: matcherMap('claim'),
  cluster: matcherSchema,
  clusterLabels: matcherMap('label'),
  namespace: matcherSchema,
  verb: matcherSchema,
  apiGroup: matcherSchema,
  resource: matcherSchema,
  subresource: matcherSchema,
  resourceName: matcherSchema,
  path: matcherSchema,
  time: timeWindowSchema,
};

/**
 * A condition schema that accepts `allowed` criteria only; `where` names the place for messages
 * ("a mapping's condition"), and `why` says why other criteria are not available there.
 */
export function conditionSchema(
  allowed: readonly Criterion[],
  where: string,
  why = '',
): z.ZodType<ConditionSpec> {
  const list = (): z.ZodType<ConditionSpec[]> =>
    z.array(schema, { error: 'expected a list of conditions' }).min(1, 'needs at least one condition');
  const shape: Record<string, z.ZodType> = {};
  for (const criterion of allowed) shape[criterion] = CRITERION_SCHEMAS[criterion].optional();
  const object = strictObject(
    {
      ...shape,
      get and() {
        return list().optional();
      },
      get or() {
        return list().optional();
      },
      get not() {
        return schema.optional();
      },
      get nor() {
        return list().optional();
      },
    },
    where,
    {
      unknownKey: (key) =>
        (ALL_CRITERIA as readonly string[]).includes(key)
          ? `'${key}' cannot be used in ${where}${why}`
          : `unknown criterion '${key}'; use ${[...allowed, ...COMBINATORS].join(', ')}`,
      wrongType: `expected ${where}: a mapping of criteria`,
    },
  );
  const schema: z.ZodType<ConditionSpec> = object
    .check((payload) => {
      if (payload.issues.length === 0 && Object.keys(payload.value).length === 0) {
        payload.issues.push({
          code: 'custom',
          message: 'an empty condition would match everything; name at least one criterion',
          input: payload.value,
        });
      }
    })
    .transform((value) => value as ConditionSpec);
  return schema;
}
