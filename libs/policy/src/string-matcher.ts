/** The string matchers every criterion shares: is, starts_with, ends_with, contains, in, glob. */
import type { EvaluationContext } from './evaluation-context.js';
import { globToRegExp } from './glob.js';
import { compileTemplate, type Template } from './template.js';

export type MatcherSpec =
  | { is: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { in: string[] }
  | { glob: string };

export interface StringMatcher {
  test(value: string, ctx: EvaluationContext): boolean;
  /** `in [get, list]`, `starts with team-`: reads after the criterion's name. */
  readonly description: string;
  /** `not in [get, list]`, `is not dev-${user} (dev-alice)`: why a value failed, references filled in. */
  mismatch(ctx: EvaluationContext): string;
  /** Whether the matcher depends only on the value (no `${...}` references). */
  readonly isStatic: boolean;
  /** The exact values an `is`/`in` matcher without references accepts; lets the rule index use them. */
  readonly exactValues?: readonly string[];
}

export interface MatcherOptions {
  /** Compare case-insensitively (email addresses and domains). */
  foldCase?: boolean;
}

export function showValue(value: string): string {
  return value === '' ? '""' : value;
}

function showList(values: readonly (string | undefined)[]): string {
  return `[${values.map((value) => (value === undefined ? '(unavailable)' : showValue(value))).join(', ')}]`;
}

type Expected = (ctx: EvaluationContext) => string | undefined;

function expectedValue(template: Template, foldCase: boolean): Expected {
  if (template.isStatic) {
    const value = foldCase ? template.source.toLowerCase() : template.source;
    return () => value;
  }
  return foldCase ? (ctx) => template.resolve(ctx)?.toLowerCase() : (ctx) => template.resolve(ctx);
}

function affixMatcher(
  source: string,
  foldCase: boolean,
  compare: (value: string, expected: string) => boolean,
  verb: string,
  negatedVerb: string,
): StringMatcher {
  const template = compileTemplate(source);
  const expected = expectedValue(template, foldCase);
  const negated = `${negatedVerb} ${showValue(source)}`;
  return {
    test(value, ctx) {
      const want = expected(ctx);
      return want !== undefined && compare(value, want);
    },
    description: `${verb} ${showValue(source)}`,
    mismatch: template.isStatic ? () => negated : (ctx) => `${negated} ${showList([expected(ctx)])}`,
    isStatic: template.isStatic,
  };
}

function inMatcher(sources: readonly string[], foldCase: boolean, single: boolean): StringMatcher {
  const templates = sources.map(compileTemplate);
  const description = single ? `is ${showValue(sources[0])}` : `in ${showList(sources)}`;
  const negated = single ? `is not ${showValue(sources[0])}` : `not in ${showList(sources)}`;
  if (templates.every((template) => template.isStatic)) {
    const set = new Set(sources.map((value) => (foldCase ? value.toLowerCase() : value)));
    const exactValues = [...set];
    return {
      test: (value) => set.has(value),
      description,
      mismatch: () => negated,
      isStatic: true,
      exactValues,
    };
  }
  const expected = templates.map((template) => expectedValue(template, foldCase));
  return {
    test(value, ctx) {
      for (const want of expected) if (want(ctx) === value) return true;
      return false;
    },
    description,
    mismatch: (ctx) => `${negated} ${showList(expected.map((want) => want(ctx)))}`,
    isStatic: false,
  };
}

export function compileMatcher(spec: MatcherSpec, options: MatcherOptions = {}): StringMatcher {
  const foldCase = options.foldCase ?? false;
  if ('is' in spec) return inMatcher([spec.is], foldCase, true);
  if ('in' in spec) return inMatcher(spec.in, foldCase, false);
  if ('starts_with' in spec) {
    return affixMatcher(
      spec.starts_with,
      foldCase,
      (v, e) => v.startsWith(e),
      'starts with',
      'does not start with',
    );
  }
  if ('ends_with' in spec) {
    return affixMatcher(spec.ends_with, foldCase, (v, e) => v.endsWith(e), 'ends with', 'does not end with');
  }
  if ('contains' in spec) {
    return affixMatcher(spec.contains, foldCase, (v, e) => v.includes(e), 'contains', 'does not contain');
  }
  const pattern = globToRegExp(foldCase ? spec.glob.toLowerCase() : spec.glob);
  const negated = `does not match ${showValue(spec.glob)}`;
  return {
    test: (value) => pattern.test(value),
    description: `matches ${showValue(spec.glob)}`,
    mismatch: () => negated,
    isStatic: true,
  };
}
