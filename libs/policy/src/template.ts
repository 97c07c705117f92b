/**
 * `${...}` references in policy strings: `dev-${user}` as a namespace, `${email}` as the Kubernetes user.
 * A reference the identity cannot fill makes the whole value unavailable, so a matcher never compares
 * against a half-built string like `dev-`.
 */
import type { EvaluationContext } from './evaluation-context.js';

type Resolver = (ctx: EvaluationContext) => string | undefined;

export interface Template {
  readonly source: string;
  /** The text before the first reference (the whole value when there is none). */
  readonly literalPrefix: string;
  readonly isStatic: boolean;
  resolve(ctx: EvaluationContext): string | undefined;
}

const REFERENCE = /\$\{([^}]*)\}/g;

export const TEMPLATE_REFERENCES =
  '${user}, ${email}, ${email.local}, ${email.domain}, ${claims.NAME}, ${cluster}, ${cluster.labels.KEY}';

function scalarString(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function resolverFor(reference: string): Resolver | undefined {
  switch (reference) {
    case 'user':
      return (ctx) => ctx.user.username || undefined;
    case 'email':
      return (ctx) => ctx.email();
    case 'email.local':
      return (ctx) => ctx.emailLocalPart();
    case 'email.domain':
      return (ctx) => ctx.emailDomain();
    case 'cluster':
      return (ctx) => ctx.cluster.name;
  }
  if (reference.startsWith('claims.') && reference.length > 'claims.'.length) {
    const name = reference.slice('claims.'.length);
    return (ctx) => scalarString(ctx.claim(name));
  }
  if (reference.startsWith('cluster.labels.') && reference.length > 'cluster.labels.'.length) {
    const key = reference.slice('cluster.labels.'.length);
    return (ctx) => (Object.hasOwn(ctx.cluster.labels, key) ? ctx.cluster.labels[key] : undefined);
  }
  return undefined;
}

/** Problems with the references in `source`, as messages; empty when the template is usable. */
export function templateProblems(source: string): string[] {
  const problems: string[] = [];
  for (const match of source.matchAll(REFERENCE)) {
    if (resolverFor(match[1]) === undefined) {
      problems.push(`unknown reference \${${match[1]}}; use one of ${TEMPLATE_REFERENCES}`);
    }
  }
  const rest = source.replace(REFERENCE, '');
  if (rest.includes('${')) problems.push('unterminated ${ reference');
  return problems;
}

export function compileTemplate(source: string): Template {
  const parts: (string | Resolver)[] = [];
  let last = 0;
  for (const match of source.matchAll(REFERENCE)) {
    if (match.index > last) parts.push(source.slice(last, match.index));
    const resolver = resolverFor(match[1]);
    if (resolver === undefined) throw new Error(`unvalidated template reference \${${match[1]}}`);
    parts.push(resolver);
    last = match.index + match[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  const literalPrefix = typeof parts[0] === 'string' ? parts[0] : '';
  if (parts.every((part) => typeof part === 'string')) {
    return { source, literalPrefix: source, isStatic: true, resolve: () => source };
  }
  return {
    source,
    literalPrefix,
    isStatic: false,
    resolve(ctx) {
      let value = '';
      for (const part of parts) {
        const piece = typeof part === 'string' ? part : part(ctx);
        if (piece === undefined) return undefined;
        value += piece;
      }
      return value;
    },
  };
}
