import { accessRequestRows } from '../output/access-request-text.js';
import { textTable } from '../output/text-table.js';
import { accessApiFor } from './access-session.js';
import type { CommandContext } from './command-context.js';

/** `tether access ls`: your requests, and the pending or active ones you may decide on. */
export async function accessLsCommand(
  ctx: CommandContext,
  options: { broker?: string; output?: string },
): Promise<void> {
  const api = await accessApiFor(ctx, options.broker);
  const requests = await api.list();
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ requests }, null, 2)}\n`);
    return;
  }
  if (requests.length === 0) {
    ctx.io.err('No access requests.\n');
    return;
  }
  ctx.io.out(
    textTable(
      ['ID', 'REQUESTER', 'CLUSTER', 'ROLE', 'STATE', 'EXPIRES', 'REASON'],
      accessRequestRows(requests, ctx.now()),
    ),
  );
}
