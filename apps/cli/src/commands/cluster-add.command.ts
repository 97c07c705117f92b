import { CliError } from '../errors/cli-error.js';
import { brokerCaFileFor, clusterApiFor, withBrokerCa } from './cluster-session.js';
import type { CommandContext } from './command-context.js';

/** `tether cluster add <name> [--labels k=v,...]`: the cluster record, its join token, the helm line. */
export async function clusterAddCommand(
  ctx: CommandContext,
  name: string,
  options: { labels?: string; broker?: string; output?: string },
): Promise<void> {
  const labels = parseLabels(options.labels ?? '');
  const { api, target } = await clusterApiFor(ctx, options.broker);
  const grant = await api.add(name, labels);
  const helmInstall = withBrokerCa(grant.helmInstall, brokerCaFileFor(ctx, target));
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ ...grant, helmInstall }, null, 2)}\n`);
    return;
  }
  ctx.io.out(`Cluster ${grant.cluster.name} added. Its join token works once, until ${grant.expiresAt}:

  ${grant.joinToken}

Install the agent with your kubectl context on that cluster:

  ${helmInstall}

Then \`tether cluster ls\` shows ${grant.cluster.name} online. Token expired or lost: tether cluster rotate ${grant.cluster.name}
`);
}

export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new CliError('usage', `--labels wants key=value pairs separated by commas, got "${pair}"`);
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}
