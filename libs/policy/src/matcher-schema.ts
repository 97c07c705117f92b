import { z } from 'zod';
import { literalText, strictObject, templatedText } from './schema-helpers.js';
import type { MatcherSpec } from './string-matcher.js';

export const MATCHER_KINDS = ['is', 'starts_with', 'ends_with', 'contains', 'in', 'glob'] as const;

const matcherObject = strictObject(
  {
    is: templatedText.optional(),
    starts_with: templatedText.optional(),
    ends_with: templatedText.optional(),
    contains: templatedText.optional(),
    in: z
      .array(templatedText, { error: 'expected a list of strings' })
      .min(1, 'needs at least one value')
      .optional(),
    glob: literalText.optional(),
  },
  'a matcher',
  {
    unknownKey: (key) => `unknown matcher '${key}'; use one of ${MATCHER_KINDS.join(', ')}`,
    wrongType: `expected a string, a list of strings, or a matcher with one of ${MATCHER_KINDS.join(', ')}`,
  },
);

/**
 * A string matcher: `value` (is), `[a, b]` (in), or `{is|starts_with|ends_with|contains|in|glob: ...}`.
 * Shorthands are normalized so the compiler sees only the object form.
 */
export const matcherSchema = z
  .preprocess((value) => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return { is: value };
    return Array.isArray(value) ? { in: value } : value;
  }, matcherObject)
  .check((payload) => {
    const kinds = Object.keys(payload.value).filter((key) =>
      (MATCHER_KINDS as readonly string[]).includes(key),
    );
    if (kinds.length > 1 || (kinds.length === 0 && payload.issues.length === 0)) {
      payload.issues.push({
        code: 'custom',
        message: `a matcher has exactly one of ${MATCHER_KINDS.join(', ')}${kinds.length ? ` (found ${kinds.join(', ')})` : ''}`,
        input: payload.value,
      });
    }
  })
  .transform((value) => value as MatcherSpec);
