import type { ContainerView, PodView } from '../pod-view.js';

/** The in-cluster API server address every pod sees (the default Service CIDR's first address). */
const KUBERNETES_SERVICE_HOST = '10.96.0.1';

/** The environment a container process starts with: image defaults, the pod's env, service links. */
export function containerEnvironment(pod: PodView, container: ContainerView): Map<string, string> {
  const env = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', pod.name],
  ]);
  // valueFrom entries need other objects to resolve; the simulator leaves them out.
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env.set(variable.name, variable.value);
  }
  const service: Array<[string, string]> = [
    ['KUBERNETES_SERVICE_HOST', KUBERNETES_SERVICE_HOST],
    ['KUBERNETES_SERVICE_PORT', '443'],
    ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
    ['KUBERNETES_PORT', `tcp://${KUBERNETES_SERVICE_HOST}:443`],
    ['KUBERNETES_PORT_443_TCP', `tcp://${KUBERNETES_SERVICE_HOST}:443`],
    ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
    ['KUBERNETES_PORT_443_TCP_PORT', '443'],
    ['KUBERNETES_PORT_443_TCP_ADDR', KUBERNETES_SERVICE_HOST],
    ['HOME', '/root'],
  ];
  for (const [name, value] of service) if (!env.has(name)) env.set(name, value);
  return env;
}
