import type { AccessDecisionAction } from '../broker/access-api.js';
import { describeAccessRequest } from '../output/access-request-text.js';
import { accessApiFor } from './access-session.js';
import type { CommandContext } from './command-context.js';

/** `tether access approve|deny|revoke <id>`. */
export async function accessDecideCommand(
  ctx: CommandContext,
  action: AccessDecisionAction,
  id: string,
  options: { broker?: string; output?: string },
): Promise<void> {
  const api = await accessApiFor(ctx, options.broker);
  const request = await api.decide(id, action);
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify(request, null, 2)}\n`);
    return;
  }
  ctx.io.out(`${describeAccessRequest(request)}\n`);
}
