import type { FieldCause } from '../api-error.js';
import { isJsonObject, objectsAt, type JsonObject } from '../kube-object.js';
import { required } from './name-validation.js';

/** Defaults and checks shared by pods and the pod templates inside deployments and replica sets. */

function imagePullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  const lastSegment = image.split('/').pop() ?? image;
  if (lastSegment.includes('@')) return 'IfNotPresent';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  return tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(container: JsonObject): void {
  container.imagePullPolicy ??= imagePullPolicy(container.image);
  container.terminationMessagePath ??= '/dev/termination-log';
  container.terminationMessagePolicy ??= 'File';
  container.resources ??= {};
  for (const port of objectsAt(container, ['ports'])) port.protocol ??= 'TCP';
  for (const env of objectsAt(container, ['env'])) {
    if (isJsonObject(env.valueFrom) && isJsonObject(env.valueFrom.fieldRef))
      env.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
}

export function defaultPodSpec(spec: JsonObject): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const container of [...objectsAt(spec, ['initContainers']), ...objectsAt(spec, ['containers'])]) {
    defaultContainer(container);
  }
}

export function validatePodSpec(spec: unknown, path: string): FieldCause[] {
  const containers = objectsAt(spec, ['containers']);
  if (containers.length === 0) return [required(`${path}.containers`)];
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  containers.forEach((container, index) => {
    const at = `${path}.containers[${index}]`;
    if (typeof container.name !== 'string' || container.name === '') causes.push(required(`${at}.name`));
    else if (seen.has(container.name)) {
      causes.push({
        reason: 'FieldValueDuplicate',
        field: `${at}.name`,
        message: `Duplicate value: ${JSON.stringify(container.name)}`,
      });
    } else seen.add(container.name);
    if (typeof container.image !== 'string' || container.image.trim() === '')
      causes.push(required(`${at}.image`));
  });
  return causes;
}
