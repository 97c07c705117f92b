/**
 * The Tether stack in a process of its own, so the benchmark's load generator does not share an event
 * loop with the in-process simulators. Prints one JSON line (`StackEndpoints`) on stdout once ready,
 * then runs until SIGTERM/SIGINT or until the parent that forked it goes away. A forked stack answers
 * the message 'fresh-token' with `{ token }`, a new session token for the Tether endpoint.
 *   npx tsx --conditions=source bench/kube-path/stack-process.ts
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { impersonationHeaders } from '@tether/kube';
import { startTetherStack } from '@tether/testing';
import { benchNamespace, type StackEndpoints } from './stack-endpoints';

const listItems = 200;
// 200 × 52,429 bytes of data: 10 MiB of payload, plus each object's metadata.
const bytesPerItem = 52_429;

/** ConfigMaps whose list is ~10 MiB; the data is base64 text so JSON needs no escaping. */
function listManifests(): string {
  const documents = [`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"${benchNamespace}"}}`];
  for (let i = 0; i < listItems; i++) {
    const blob = randomBytes(Math.ceil((bytesPerItem * 3) / 4))
      .toString('base64')
      .slice(0, bytesPerItem);
    documents.push(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `blob-${String(i).padStart(3, '0')}`, namespace: benchNamespace },
        data: { blob },
      }),
    );
  }
  return documents.join('\n---\n');
}

async function main(): Promise<void> {
  const stack = await startTetherStack();
  const east = stack.clusters['dev-east'];
  await east.applyManifests(listManifests());
  // The simulator records every request for tests to inspect; a benchmark would only grow that array.
  const forget = setInterval(() => {
    for (const cluster of Object.values(stack.clusters)) cluster.requests.length = 0;
  }, 1000);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(forget);
      await stack.stop();
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
  // Session tokens live ten minutes; a benchmark waiting for a quiet machine asks for fresh ones.
  process.on('message', (message: unknown) => {
    if (message !== 'fresh-token') return;
    void stack.tokenFor('alice', ['platform-admins']).then((token) => process.send?.({ token }));
  });

  const endpoints: StackEndpoints = {
    tether: {
      baseUrl: `${stack.brokerUrl}/k8s/dev-east`,
      caPem: stack.brokerCaPem,
      token: await stack.tokenFor('alice', ['platform-admins']),
    },
    direct: { baseUrl: east.url, caPem: east.caPem, token: 'admin-token' },
    impersonated: {
      baseUrl: east.url,
      caPem: east.caPem,
      token: 'agent-token',
      headers: impersonationHeaders({
        user: 'alice',
        groups: ['system:masters'],
        extra: { 'tether.dev/request-id': [randomUUID()] },
      }),
    },
    list: { items: listItems, bytesPerItem },
    pids: {
      stack: process.pid,
      broker: stack.broker.child.pid ?? 0,
      agent: stack.agents['dev-east'].child.pid ?? 0,
    },
  };
  process.stdout.write(`${JSON.stringify(endpoints)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
