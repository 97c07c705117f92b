import { BrokerApi } from '../broker/broker-api.js';
import { activeSession } from '../session/broker-session.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/** `tether whoami`: who the broker says you are, with your groups and when the sign-in expires. */
export async function whoamiCommand(
  ctx: CommandContext,
  options: { broker?: string; output?: string },
): Promise<void> {
  const target = resolveBroker(ctx, options.broker);
  const session = await activeSession(ctx, target);
  const api = new BrokerApi(target.url, target.caPem ? { caPem: target.caPem } : {});
  const me = await api.whoami(session.accessToken);
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ broker: target.url, ...me }, null, 2)}\n`);
    return;
  }
  const lines = [
    ['Broker', target.url],
    ['User', me.email && me.email !== me.username ? `${me.username} <${me.email}>` : me.username],
    ['Groups', me.groups?.length ? me.groups.join(', ') : '(none)'],
    ['Token expires', describeTime(me.expiresAt ?? session.accessExpiresAt, ctx.now())],
    ['Session expires', describeTime(me.sessionExpiresAt ?? session.refreshExpiresAt, ctx.now())],
  ];
  ctx.io.out(lines.map(([k, v]) => `${`${k}:`.padEnd(17)}${v}`).join('\n') + '\n');
  const skew = api.client.clockSkewWarning();
  if (skew) ctx.io.err(`tether: warning: ${skew}\n`);
}

function describeTime(iso: string, nowMs: number): string {
  const minutes = Math.round((Date.parse(iso) - nowMs) / 60_000);
  const relative =
    minutes < 0 ? 'expired' : minutes < 120 ? `in ${minutes} min` : `in ${Math.round(minutes / 60)} h`;
  return `${iso} (${relative})`;
}
