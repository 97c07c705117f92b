/** YAML text → validated, compiled `Policy`, with every problem reported at once with its line and column. */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PolicyError, type PolicyIssue } from './policy-error.js';
import { policySchema } from './policy-schema.js';
import { Policy } from './policy.js';
import { SourceLocations, type IssuePath } from './source-locations.js';

export type PolicyParseResult = { ok: true; policy: Policy } | { ok: false; error: PolicyError };

/** Parses and compiles a policy file; throws `PolicyError` (code `POLICY_INVALID`) listing every issue. */
export function parsePolicy(source: string): Policy {
  const result = tryParsePolicy(source);
  if (!result.ok) throw result.error;
  return result.policy;
}

export function tryParsePolicy(source: string): PolicyParseResult {
  const lines = new LineCounter();
  const document = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const locations = new SourceLocations(document, lines);

  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      path: '(yaml)',
      ...locations.position(error.pos[0]),
      message: error.message,
    }));
    return invalid(issues);
  }

  let raw: unknown;
  try {
    // Anchors reused across hundreds of rules are normal; nested alias bombs still trip the check.
    raw = document.toJS({ maxAliasCount: 10_000 });
  } catch (error) {
    return invalid([{ path: '(yaml)', line: 1, column: 1, message: (error as Error).message }]);
  }

  const parsed = policySchema.safeParse(raw);
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => locate(i, locations))),
    ...duplicateNames(raw, locations),
  ];
  if (!parsed.success || issues.length > 0) return invalid(issues);
  return { ok: true, policy: new Policy(parsed.data) };
}

function invalid(issues: PolicyIssue[]): PolicyParseResult {
  const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, error: new PolicyError('POLICY_INVALID', 'the policy is invalid', sorted) };
}

function locate(issue: z.core.$ZodIssue, locations: SourceLocations): PolicyIssue {
  if (issue.code === 'unrecognized_keys') return locations.issue(issue.path, issue.message, issue.keys[0]);
  return locations.issue(issue.path, issue.message);
}

/** Names identify rules in decisions and roles in grants, so each must be unique within its list. */
function duplicateNames(raw: unknown, locations: SourceLocations): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const check = (path: IssuePath, items: unknown) => {
    if (!Array.isArray(items)) return;
    const seen = new Map<string, number>();
    items.forEach((item: unknown, index) => {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else
        issues.push(
          locations.issue(
            [...path, index, 'name'],
            `'${name}' is already the name of ${path.join('.')}[${first}]`,
          ),
        );
    });
  };
  const policy = raw as { rules?: unknown; roles?: unknown; impersonation?: { mappings?: unknown } } | null;
  if (policy !== null && typeof policy === 'object') {
    check(['rules'], policy.rules);
    check(['roles'], policy.roles);
    check(['impersonation', 'mappings'], policy.impersonation?.mappings);
  }
  return issues;
}
