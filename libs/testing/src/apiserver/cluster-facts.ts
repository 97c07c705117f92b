import type { ClusterFacts } from './strategies/resource-strategy.js';

/** Address allocators and the clock, so objects look like they came from a small real cluster. */
export function createClusterFacts(nodeName: string): ClusterFacts {
  let pod = 10;
  let service = 1;
  let nodePort = 30000;
  return {
    nodeName,
    now: () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    nextPodIp: () => {
      pod += 1;
      return `10.244.${Math.floor(pod / 250)}.${(pod % 250) + 2}`;
    },
    nextServiceIp: () => {
      service += 1;
      return `10.96.${Math.floor(service / 250)}.${(service % 250) + 1}`;
    },
    nextNodePort: () => {
      nodePort += 1;
      return nodePort;
    },
  };
}
