/**
 * Runs one simulated cluster for manual checks:
 * `npx tsx --conditions=source libs/testing/src/apiserver/main.ts --cluster dev-east --port 0 --manifests FILE...`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiServerSimulator } from './api-server-simulator.js';

const { values } = parseArgs({
  options: {
    cluster: { type: 'string', default: 'dev-east' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    manifests: { type: 'string', multiple: true, default: [] },
    kubeconfig: { type: 'string' },
    token: { type: 'string', default: 'admin-token' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});

const usage = `Usage: main.ts [--cluster NAME] [--port N] [--host ADDR] [--manifests FILE]... [--kubeconfig PATH] [--token TOKEN]

Runs one simulated Kubernetes API server over HTTPS with its own CA.
  --cluster     cluster name (default dev-east)
  --port        port to listen on; 0 picks a free one (default 0)
  --host        address to listen on (default 127.0.0.1)
  --manifests   YAML manifests applied at start (repeatable)
  --kubeconfig  where to write a kubeconfig for the admin user (default ./<cluster>.kubeconfig)
  --token       bearer token of the admin user, in group system:masters (default admin-token)
`;

async function main(): Promise<void> {
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const cluster = values.cluster ?? 'dev-east';
  const sim = await ApiServerSimulator.start({
    clusterName: cluster,
    port: Number(values.port),
    host: values.host ?? '127.0.0.1',
    tokens: [
      {
        token: values.token ?? 'admin-token',
        username: 'admin',
        uid: 'admin-uid',
        groups: ['system:masters'],
      },
    ],
    manifests: (values.manifests ?? []).map((file) => readFileSync(file, 'utf8')),
  });
  const kubeconfigPath = values.kubeconfig ?? `${cluster}.kubeconfig`;
  writeFileSync(kubeconfigPath, sim.kubeconfig({ token: values.token ?? 'admin-token' }), { mode: 0o600 });
  process.stdout.write(`${cluster} listening on ${sim.url}\nkubeconfig: ${kubeconfigPath}\n`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
