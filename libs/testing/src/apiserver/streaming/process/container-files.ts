import { createHash } from 'node:crypto';
import type { PodView } from '../pod-view.js';

/** A pod IP in the usual 10.244.0.0/16 pod network, stable for a pod uid. */
export function podIp(pod: PodView): string {
  const digest = createHash('sha256')
    .update(pod.uid || `${pod.namespace}/${pod.name}`)
    .digest();
  return `10.244.${digest[0]}.${(digest[1] % 253) + 2}`;
}

/** The few files a simulated container has, as `cat` sees them; undefined = no such file. */
export function containerFile(pod: PodView, path: string): string | undefined {
  switch (path) {
    case '/etc/hostname':
      return `${pod.name}\n`;
    case '/etc/hosts':
      return [
        '# Kubernetes-managed hosts file.',
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        `${podIp(pod)}\t${pod.name}`,
        '',
      ].join('\n');
    case '/etc/resolv.conf':
      return [
        `search ${pod.namespace}.svc.cluster.local svc.cluster.local cluster.local`,
        'nameserver 10.96.0.10',
        'options ndots:5',
        '',
      ].join('\n');
    case '/var/run/secrets/kubernetes.io/serviceaccount/namespace':
      return pod.namespace;
    default:
      return undefined;
  }
}
