import { BrokerApi } from '../broker/broker-api.js';
import { textTable } from '../output/text-table.js';
import { activeSession } from '../session/broker-session.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/** `tether kube ls`: the broker's clusters, whether their agent is connected, and what you may do there. */
export async function kubeLsCommand(
  ctx: CommandContext,
  options: { broker?: string; output?: string },
): Promise<void> {
  const target = resolveBroker(ctx, options.broker);
  const session = await activeSession(ctx, target);
  const clusters = await new BrokerApi(target.url, target.caPem ? { caPem: target.caPem } : {}).clusters(
    session.accessToken,
  );
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ broker: target.url, clusters }, null, 2)}\n`);
    return;
  }
  if (clusters.length === 0) {
    ctx.io.err(`No clusters are registered at ${target.url}.\n`);
    return;
  }
  const rows = clusters.map((c) => [c.name, c.online ? 'online' : 'offline', c.access || 'none']);
  ctx.io.out(textTable(['NAME', 'STATUS', 'ACCESS'], rows));
}
