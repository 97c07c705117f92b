export type PolicyErrorCode = 'POLICY_INVALID' | 'POLICY_UNREADABLE';

/** One problem in a policy file, located in its source. `line` and `column` start at 1. */
export interface PolicyIssue {
  path: string;
  line: number;
  column: number;
  message: string;
}

export function formatIssue(issue: PolicyIssue): string {
  return `${issue.path} (line ${issue.line}, column ${issue.column}): ${issue.message}`;
}

/** A policy that cannot be used; `issues` lists every problem found, not just the first. */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly issues: readonly PolicyIssue[] = [],
  ) {
    super(
      issues.length === 0
        ? message
        : `${message}:\n${issues.map((issue) => `  ${formatIssue(issue)}`).join('\n')}`,
    );
    this.name = 'PolicyError';
  }
}
