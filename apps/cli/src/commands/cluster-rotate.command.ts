import { brokerCaFileFor, clusterApiFor, withBrokerCa } from './cluster-session.js';
import type { CommandContext } from './command-context.js';

/**
 * `tether cluster rotate <name> [--revoke-credentials]`: a new join token (earlier unused ones stop
 * working) to re-enroll the agent, e.g. after its credential was lost; with --revoke-credentials the
 * current credential is refused at once, e.g. after it leaked.
 */
export async function clusterRotateCommand(
  ctx: CommandContext,
  name: string,
  options: { revokeCredentials?: boolean; broker?: string; output?: string },
): Promise<void> {
  const { api, target } = await clusterApiFor(ctx, options.broker);
  const grant = await api.rotate(name, options.revokeCredentials === true);
  const caFile = brokerCaFileFor(ctx, target);
  const helmInstall = withBrokerCa(grant.helmInstall, caFile);
  const release = `tether-agent-${name}`;
  const helmUpgrade = `helm upgrade ${release} deploy/helm/tether-agent --namespace tether-system --reuse-values --set joinToken=${grant.joinToken}`;
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ ...grant, helmInstall, helmUpgrade }, null, 2)}\n`);
    return;
  }
  const revoked = options.revokeCredentials
    ? `The agent's credential was revoked (${grant.credentialsRevoked ?? 0}); its tunnel closed.\n`
    : "The agent's current credential keeps working until it expires.\n";
  ctx.io.out(`New join token for ${name}, valid once until ${grant.expiresAt}:

  ${grant.joinToken}

${revoked}Give it to the installed agent:

  ${helmUpgrade}

or install the agent afresh:

  ${helmInstall}
`);
}
