import { stringify } from 'yaml';

export interface KubeconfigOptions {
  token: string;
  /** Context (and user entry) name; defaults to the cluster name. */
  contextName?: string;
  namespace?: string;
}

/** A kubeconfig with the simulator's CA embedded (`certificate-authority-data`) and a bearer token. */
export function renderKubeconfig(
  cluster: { name: string; url: string; caPem: string },
  options: KubeconfigOptions,
): string {
  const contextName = options.contextName ?? cluster.name;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: cluster.name,
        cluster: {
          server: cluster.url,
          'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64'),
        },
      },
    ],
    users: [{ name: contextName, user: { token: options.token } }],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: cluster.name,
          user: contextName,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': contextName,
    preferences: {},
  });
}
