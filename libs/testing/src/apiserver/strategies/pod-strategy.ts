import { randomBytes } from 'node:crypto';
import { isJsonObject, objectsAt, type JsonObject, type KubeObject } from '../kube-object.js';
import { forbidden } from './name-validation.js';
import { defaultPodSpec, validatePodSpec } from './pod-template-defaults.js';
import type { ClusterFacts, ResourceStrategy } from './resource-strategy.js';

/** Pods start Running at once: the simulator plays scheduler and kubelet. */

function imageRef(image: unknown): string {
  const name = typeof image === 'string' ? (image.split('@')[0]?.split(':')[0] ?? '') : '';
  const qualified = name.includes('/') ? name : `library/${name}`;
  const host = qualified.split('/')[0]?.includes('.') ? '' : 'docker.io/';
  return `${host}${qualified}@sha256:${randomBytes(32).toString('hex')}`;
}

function runningStatus(spec: JsonObject, facts: ClusterFacts, hostIp: string): JsonObject {
  const now = facts.now();
  const podIp = facts.nextPodIp();
  const condition = (type: string) => ({
    type,
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: now,
  });
  const containerStatus = (container: JsonObject) => ({
    name: container.name,
    state: { running: { startedAt: now } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: container.image,
    imageID: imageRef(container.image),
    containerID: `containerd://${randomBytes(32).toString('hex')}`,
    started: true,
  });
  const hasResources = objectsAt(spec, ['containers']).some(
    (c) => isJsonObject(c.resources) && Object.keys(c.resources).length > 0,
  );
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
      condition,
    ),
    hostIP: hostIp,
    hostIPs: [{ ip: hostIp }],
    podIP: podIp,
    podIPs: [{ ip: podIp }],
    startTime: now,
    containerStatuses: objectsAt(spec, ['containers']).map(containerStatus),
    qosClass: hasResources ? 'Burstable' : 'BestEffort',
  };
}

const defaultTolerations = ['not-ready', 'unreachable'].map((taint) => ({
  key: `node.kubernetes.io/${taint}`,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
}));

export const podStrategy: ResourceStrategy = {
  nameRule: 'subdomain',
  hasStatus: true,
  defaultOnCreate(pod, facts) {
    const spec: JsonObject = isJsonObject(pod.spec) ? pod.spec : {};
    pod.spec = spec;
    defaultPodSpec(spec);
    spec.serviceAccountName ??= 'default';
    spec.serviceAccount ??= spec.serviceAccountName;
    spec.nodeName ??= facts.nodeName;
    spec.enableServiceLinks ??= true;
    spec.priority ??= 0;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
    spec.tolerations ??= defaultTolerations;
    if (!isJsonObject(pod.status) || pod.status.phase === undefined) {
      pod.status = runningStatus(spec, facts, '172.18.0.2');
    }
  },
  validate(pod) {
    return validatePodSpec(pod.spec, 'spec');
  },
  validateUpdate(pod, old) {
    return podSpecChangeIsAllowed(pod, old) ? [] : [forbidden('spec', forbiddenUpdateMessage)];
  },
};

const forbiddenUpdateMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** Pods are mostly immutable: only images, activeDeadlineSeconds and tolerations may change. */
function podSpecChangeIsAllowed(pod: KubeObject, old: KubeObject): boolean {
  const comparable = (object: KubeObject) => {
    const spec = structuredClone(isJsonObject(object.spec) ? object.spec : {});
    for (const container of [...objectsAt(spec, ['containers']), ...objectsAt(spec, ['initContainers'])]) {
      delete container.image;
    }
    delete spec.activeDeadlineSeconds;
    delete spec.tolerations;
    return JSON.stringify(spec, Object.keys(flatKeys(spec)).sort());
  };
  return comparable(pod) === comparable(old);
}

/** Every key used anywhere in the value, so JSON.stringify compares regardless of key order. */
function flatKeys(value: unknown, keys: Record<string, true> = {}): Record<string, true> {
  if (Array.isArray(value)) value.forEach((item) => flatKeys(item, keys));
  else if (isJsonObject(value)) {
    for (const [key, inner] of Object.entries(value)) {
      keys[key] = true;
      flatKeys(inner, keys);
    }
  }
  return keys;
}
