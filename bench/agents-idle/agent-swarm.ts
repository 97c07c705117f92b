/**
 * Child of the idle-agents bench: `count` tunnel clients, one per cluster `bench-<first>…`, each with
 * that cluster's static token, connected to one broker and then idle. Reports to the parent when all
 * are connected; exits when told to or when the parent goes away.
 *   (forked by agents-idle.bench.ts)
 */
import { readFileSync } from 'node:fs';
import { TunnelClient } from '@tether/tunnel';

interface SwarmArgs {
  url: string;
  caFile: string;
  tokens: string[];
  clusters: string[];
  keepaliveMs: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as SwarmArgs;
const ca = readFileSync(args.caFile);
const clients = args.clusters.map(
  (cluster, i) =>
    new TunnelClient({
      url: args.url,
      headers: { Authorization: `Bearer ${args.tokens[i] as string}` },
      ca,
      // The broker's announcements (decision keys, replicas): read and done, as the agent does.
      onStream: (stream) => {
        stream.resume();
        stream.end();
      },
      info: { cluster, bench: true },
      reconnect: { baseMs: 200, maxMs: 5_000 },
      session: { keepaliveIntervalMs: args.keepaliveMs, keepaliveTimeoutMs: args.keepaliveMs * 3 },
    }),
);

let reported = false;
const report = (): void => {
  const connected = clients.filter((client) => client.connected).length;
  if (!reported && connected === clients.length) {
    reported = true;
    process.send?.({ connected });
  }
};
for (const client of clients) {
  client.on('connected', report);
  client.start();
}
process.on('message', (message: { command?: string }) => {
  if (message.command === 'exit')
    void Promise.all(clients.map((client) => client.close(0))).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
