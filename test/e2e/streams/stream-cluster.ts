import { ApiServerSimulator, KubectlRunner } from '@tether/testing';

/** kubectl's switch back to SPDY for exec/attach (KUBERNETES.md §4). */
export const SPDY_EXEC = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
/** kubectl's switch back to plain SPDY for port-forward. */
export const SPDY_PORT_FORWARD = { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };

export function podManifest(name: string): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: web }
spec:
  containers:
    - name: api
      image: ghcr.io/example/api:1.0
      ports: [{ containerPort: 8080, name: http }]
      env: [{ name: LOG_LEVEL, value: debug }]
    - name: sidecar
      image: busybox:1.36
`;
}

/** A simulated cluster with namespace `web` and pod `api-1`, and an admin kubectl defaulting to `web`. */
export interface StreamCluster {
  sim: ApiServerSimulator;
  kubectl: KubectlRunner;
  addPod(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startStreamCluster(): Promise<StreamCluster> {
  const sim = await ApiServerSimulator.start({
    clusterName: 'streams',
    tokens: [{ token: 'admin-token', username: 'admin', uid: 'uid-admin', groups: ['system:masters'] }],
    manifests: [`apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n---\n${podManifest('api-1')}`],
    logIntervalMs: 100,
  });
  const kubectl = new KubectlRunner(sim.kubeconfig({ token: 'admin-token', namespace: 'web' }));
  return {
    sim,
    kubectl,
    async addPod(name) {
      await sim.applyManifests(podManifest(name));
    },
    async stop() {
      kubectl.dispose();
      await sim.close();
    },
  };
}
