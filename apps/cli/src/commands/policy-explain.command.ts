import { readFileSync } from 'node:fs';
import { tryParsePolicy, formatIssue, type PolicyInput } from '@tether/policy';
import { CliError } from '../errors/cli-error.js';
import { textTable } from '../output/text-table.js';
import type { CommandContext } from './command-context.js';

export interface PolicyExplainOptions {
  policy: string;
  user: string;
  email?: string;
  groups: string;
  cluster: string;
  clusterLabels: string;
  verb: string;
  resource?: string;
  subresource?: string;
  apiGroup: string;
  namespace: string;
  name: string;
  path?: string;
  at?: string;
  output?: string;
}

/**
 * `tether policy explain`: the broker's decision for one request, computed here from a policy file,
 * so policy authors can check a change before the broker loads it. Exit 5 when denied.
 */
export async function policyExplainCommand(
  ctx: CommandContext,
  options: PolicyExplainOptions,
): Promise<void> {
  let source: string;
  try {
    source = readFileSync(options.policy, 'utf8');
  } catch (error) {
    throw new CliError('config_invalid', `cannot read ${options.policy}: ${(error as Error).message}`);
  }
  const parsed = tryParsePolicy(source);
  if (!parsed.ok) {
    const lines = parsed.error.issues.map((issue) => `  ${formatIssue(issue)}`).join('\n');
    throw new CliError('config_invalid', `${options.policy} is not a valid policy:\n${lines}`);
  }
  const explanation = parsed.policy.explain(explainInput(options));
  const { decision } = explanation;
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify(explanation, null, 2)}\n`);
  } else {
    const lines = [`decision: ${decision.allowed ? 'allowed' : 'denied'}`];
    if (decision.rule) lines.push(`rule:     ${decision.rule}`);
    if (!decision.allowed) lines.push(`reason:   ${decision.reason}`);
    if (decision.allowed) {
      const { user, groups, extra } = decision.impersonate;
      lines.push(
        `cluster sees: user ${user}, groups [${groups.join(', ')}]${Object.keys(extra).length ? `, extra ${JSON.stringify(extra)}` : ''}`,
      );
    }
    ctx.io.out(`${lines.join('\n')}\n\n`);
    const rows = explanation.rules.map((rule) => [
      rule.matched ? 'yes' : 'no',
      rule.effect,
      rule.name,
      rule.failures.join('; '),
    ]);
    ctx.io.out(textTable(['MATCHED', 'EFFECT', 'RULE', 'WHY NOT'], rows));
  }
  if (!decision.allowed) throw new CliError('policy_denied', 'the request would be denied');
}

function explainInput(options: PolicyExplainOptions): PolicyInput {
  const list = (text: string) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const labels: Record<string, string> = {};
  for (const pair of list(options.clusterLabels)) {
    const [key, ...value] = pair.split('=');
    if (!key || value.length === 0)
      throw new CliError('usage', `--cluster-labels wants key=value pairs, got "${pair}"`);
    labels[key] = value.join('=');
  }
  const at = options.at === undefined ? new Date() : new Date(options.at);
  if (Number.isNaN(at.getTime()))
    throw new CliError('usage', `--at wants an RFC 3339 time, got "${options.at}"`);
  const isResourceRequest = options.resource !== undefined;
  if (!isResourceRequest && options.path === undefined) {
    throw new CliError('usage', 'give --resource for a resource request, or --path for a non-resource one');
  }
  return {
    user: {
      username: options.user,
      ...(options.email ? { email: options.email } : {}),
      groups: list(options.groups),
    },
    cluster: { name: options.cluster, labels },
    request: {
      verb: options.verb,
      apiGroup: options.apiGroup,
      resource: options.resource ?? '',
      subresource: options.subresource ?? '',
      namespace: options.namespace,
      name: options.name,
      isResourceRequest,
      path: options.path ?? '',
    },
    now: at,
    grants: [],
  };
}
