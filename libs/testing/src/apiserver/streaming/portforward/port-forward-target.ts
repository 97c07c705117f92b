import { createHash } from 'node:crypto';
import type { PodView } from '../pod-view.js';

/** True when some container of the pod declares `port` for TCP, i.e. something listens on it. */
export function podListensOn(pod: PodView, port: number): boolean {
  return pod.containers.some((container) =>
    (container.ports ?? []).some(
      (declared) => declared.containerPort === port && (declared.protocol ?? 'TCP').toUpperCase() === 'TCP',
    ),
  );
}

/**
 * The text containerd's CRI streaming server writes to the error stream when nothing listens;
 * kubectl prints it after "an error occurred forwarding L -> R: ". The sandbox and netns ids are
 * derived from the pod uid so they stay stable.
 */
export function connectionRefusedMessage(pod: PodView, port: number): string {
  const digest = createHash('sha256')
    .update(pod.uid || `${pod.namespace}/${pod.name}`)
    .digest('hex');
  const sandbox = digest;
  const netns = `cni-${digest.slice(0, 8)}-${digest.slice(8, 12)}-${digest.slice(12, 16)}-${digest.slice(16, 20)}-${digest.slice(20, 32)}`;
  return (
    `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network namespace ` +
    `"/var/run/netns/${netns}": failed to connect to localhost:${port} inside namespace "${sandbox}", ` +
    `IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}
