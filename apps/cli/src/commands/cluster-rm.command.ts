import { CliError } from '../errors/cli-error.js';
import { clusterApiFor } from './cluster-session.js';
import type { CommandContext } from './command-context.js';

/** `tether cluster rm <name> [--yes]`: removes the cluster; its tunnel closes and its credential stops working. */
export async function clusterRmCommand(
  ctx: CommandContext,
  name: string,
  options: { yes?: boolean; broker?: string; output?: string },
): Promise<void> {
  if (!options.yes) {
    if (!ctx.prompt || !ctx.env.interactiveTerminal)
      throw new CliError(
        'usage',
        `removing cluster ${name} needs confirmation: pass --yes (no terminal to ask on)`,
      );
    const answer = await ctx.prompt(
      `Remove cluster ${name}? Its agent is disconnected now and its credential refused from then on.\nType the cluster name to confirm: `,
    );
    if (answer.trim() !== name)
      throw new CliError('usage', `not confirmed; cluster ${name} was left as it is`);
  }
  const { api } = await clusterApiFor(ctx, options.broker);
  const result = await api.remove(name);
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  ctx.io.out(`Cluster ${result.removed} removed; ${result.tunnelsClosed} agent tunnel(s) closed.\n`);
  ctx.io.err(
    `Uninstall its agent: helm uninstall tether-agent-${result.removed} --namespace tether-system\n`,
  );
}
