import { describeAccessRequest } from '../output/access-request-text.js';
import { accessApiFor } from './access-session.js';
import type { CommandContext } from './command-context.js';

/** `tether access request <cluster> --role R --reason TEXT --for 30m`: ask for a just-in-time role. */
export async function accessRequestCommand(
  ctx: CommandContext,
  cluster: string,
  options: { role: string; reason?: string; for: string; broker?: string; output?: string },
): Promise<void> {
  const api = await accessApiFor(ctx, options.broker);
  const request = await api.request({
    cluster,
    role: options.role,
    reason: options.reason ?? '',
    duration: options.for,
  });
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify(request, null, 2)}\n`);
    return;
  }
  ctx.io.out(`${describeAccessRequest(request)}\n`);
  if (request.state === 'pending') {
    ctx.io.err(`An approver can run: tether access approve ${request.id}\n`);
  }
}
