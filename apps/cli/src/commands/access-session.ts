import { AccessApi } from '../broker/access-api.js';
import { BrokerClient } from '../broker/broker-client.js';
import { activeSession } from '../session/broker-session.js';
import { type CommandContext, resolveBroker } from './command-context.js';

/** The access-request API of the chosen broker, signed in. */
export async function accessApiFor(ctx: CommandContext, broker: string | undefined): Promise<AccessApi> {
  const target = resolveBroker(ctx, broker);
  const session = await activeSession(ctx, target);
  const client = new BrokerClient(target.url, target.caPem ? { caPem: target.caPem } : {});
  return new AccessApi(client, session.accessToken);
}
