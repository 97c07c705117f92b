/** Zod building blocks with messages written for someone editing a policy file. */
import { z } from 'zod';
import { templateProblems } from './template.js';

/** A strict object whose unknown keys are reported by name, with what is allowed instead. */
export function strictObject<Shape extends z.ZodRawShape>(
  shape: Shape,
  what: string,
  messages: { unknownKey?: (key: string) => string; wrongType?: string } = {},
) {
  const unknownKey =
    messages.unknownKey ??
    ((key: string) => `unknown key '${key}' in ${what}; expected ${Object.keys(shape).join(', ')}`);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return issue.keys.map(unknownKey).join('; ');
      if (issue.code === 'invalid_type') return messages.wrongType ?? `expected ${what} (a mapping)`;
      return undefined;
    },
  });
}

/** YAML reads `2024` or `true` as a number or boolean; in a matcher the author meant the text. */
export const text = z.preprocess(
  (value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value),
  z.string({ error: 'expected a string' }),
);

export const templatedText = text.check((payload) => {
  for (const message of templateProblems(payload.value)) {
    payload.issues.push({ code: 'custom', message, input: payload.value });
  }
});

export const literalText = text.refine((value) => !value.includes('${'), {
  message: 'this value cannot use ${...} references',
});

export const nonEmptyLiteral = literalText
  .refine((value) => value !== '', { message: 'must not be empty' })
  .refine((value) => !/[\r\n\0]/.test(value), { message: 'must not contain CR, LF or NUL' });

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** Names of rules, mappings and roles: they appear in decisions, audit events and kubectl messages. */
export const name = z.string({ error: 'expected a name' }).regex(NAME, {
  message: 'names are 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
});

/** A single string is shorthand for a one-element list. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (typeof value === 'string' ? [value] : value),
    z.array(item, { error: 'expected a list' }),
  );
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90m`, `1h30m`, `8h` → milliseconds. */
export const duration = z
  .string({ error: 'expected a duration like 30m or 1h30m' })
  .transform((value, ctx) => {
    const match = DURATION.exec(value);
    const ms = match
      ? (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000
      : 0;
    if (ms <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `'${value}' is not a duration like 30m, 8h or 1h30m`,
        input: value,
      });
      return z.NEVER;
    }
    return ms;
  });
