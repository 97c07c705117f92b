import type { AccessApi, AccessDecisionAction } from '../broker/access-api.js';
import { CliError } from '../errors/cli-error.js';
import { describeAccessRequest } from '../output/access-request-text.js';
import { accessApiFor } from './access-session.js';
import type { CommandContext } from './command-context.js';

/** `tether access approve|deny|revoke <id>` or `--requester <user>`. */
export async function accessDecideCommand(
  ctx: CommandContext,
  action: AccessDecisionAction,
  id: string | undefined,
  options: { broker?: string; output?: string; requester?: string },
): Promise<void> {
  if ((id === undefined) === (options.requester === undefined))
    throw new CliError('usage', `tether access ${action}: give a request id or --requester, not both`);
  const api = await accessApiFor(ctx, options.broker);
  const request = await api.decide(
    id ?? (await openRequestOf(api, action, options.requester as string)),
    action,
  );
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify(request, null, 2)}\n`);
    return;
  }
  ctx.io.out(`${describeAccessRequest(request)}\n`);
}

// Pending requests can be approved or denied, approved ones revoked as well.
async function openRequestOf(
  api: AccessApi,
  action: AccessDecisionAction,
  requester: string,
): Promise<string> {
  const states = action === 'revoke' ? ['pending', 'approved'] : ['pending'];
  const open = (await api.list()).filter(
    (request) => request.requester === requester && request.mayDecide && states.includes(request.state),
  );
  if (open.length === 1) return open[0].id;
  if (open.length === 0)
    throw new CliError('usage', `${requester} has no ${states.join(' or ')} request you may ${action}`);
  throw new CliError(
    'usage',
    `${requester} has ${open.length} requests you may ${action}: ${open.map((r) => `${r.id} (${r.cluster}, ${r.role})`).join(', ')}; name one by id`,
  );
}
