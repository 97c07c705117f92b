import type { AdminClusterView } from '../broker/cluster-api.js';
import { textTable } from '../output/text-table.js';
import { clusterApiFor } from './cluster-session.js';
import type { CommandContext } from './command-context.js';

/** `tether cluster ls`: every cluster with its agent's tunnels, join token and credential (admins). */
export async function clusterLsCommand(
  ctx: CommandContext,
  options: { broker?: string; output?: string },
): Promise<void> {
  const { api, target } = await clusterApiFor(ctx, options.broker);
  const clusters = await api.list();
  if (options.output === 'json') {
    ctx.io.out(`${JSON.stringify({ broker: target.url, clusters }, null, 2)}\n`);
    return;
  }
  if (clusters.length === 0) {
    ctx.io.err(`No clusters at ${target.url}. Add one: tether cluster add <name>\n`);
    return;
  }
  ctx.io.out(
    textTable(
      ['NAME', 'STATUS', 'SOURCE', 'JOIN TOKEN', 'CREDENTIAL EXPIRES', 'LABELS'],
      clusters.map((cluster) => row(cluster)),
    ),
  );
}

function row(cluster: AdminClusterView): string[] {
  const enrollment = cluster.enrollment;
  const token = enrollment?.joinToken;
  return [
    cluster.name,
    cluster.online ? `online (${cluster.tunnels ?? 1})` : 'offline',
    cluster.source ?? '-',
    token ? (token.state === 'pending' ? `pending until ${token.expiresAt}` : token.state) : '-',
    enrollment?.credential?.expiresAt ?? '-',
    Object.entries(cluster.labels)
      .map(([key, value]) => `${key}=${value}`)
      .join(',') || '-',
  ];
}
