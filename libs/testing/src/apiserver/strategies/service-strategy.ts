import type { FieldCause } from '../api-error.js';
import { fieldAt, isJsonObject, objectsAt, type JsonObject } from '../kube-object.js';
import { invalidValue, required } from './name-validation.js';
import type { ResourceStrategy } from './resource-strategy.js';

/** Services get a cluster IP (and node ports) from the simulated allocators, like the real registry. */
export const serviceStrategy: ResourceStrategy = {
  nameRule: 'label',
  hasStatus: true,
  defaultOnCreate(service, facts) {
    const spec: JsonObject = isJsonObject(service.spec) ? service.spec : {};
    service.spec = spec;
    spec.type ??= 'ClusterIP';
    if (spec.type !== 'ExternalName') {
      spec.clusterIP ??= facts.nextServiceIp();
      spec.clusterIPs ??= spec.clusterIP === 'None' ? ['None'] : [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    spec.sessionAffinity ??= 'None';
    for (const port of objectsAt(spec, ['ports'])) {
      port.protocol ??= 'TCP';
      port.targetPort ??= port.port;
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort === undefined) {
        port.nodePort = facts.nextNodePort();
      }
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
    service.status ??= { loadBalancer: {} };
  },
  defaultOnUpdate(service, old, facts) {
    const spec = isJsonObject(service.spec) ? service.spec : {};
    spec.clusterIP ??= fieldAt(old, ['spec', 'clusterIP']);
    spec.clusterIPs ??= fieldAt(old, ['spec', 'clusterIPs']);
    serviceStrategy.defaultOnCreate?.(service, facts);
  },
  validate(service) {
    const type = fieldAt(service, ['spec', 'type']);
    const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    if (!types.includes(String(type))) {
      return [
        {
          reason: 'FieldValueNotSupported',
          field: 'spec.type',
          message: `Unsupported value: ${JSON.stringify(type)}: supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`,
        },
      ];
    }
    const ports = objectsAt(service, ['spec', 'ports']);
    const causes: FieldCause[] = [];
    if (type !== 'ExternalName' && fieldAt(service, ['spec', 'clusterIP']) !== 'None' && ports.length === 0) {
      causes.push(required('spec.ports'));
    }
    ports.forEach((port, index) => {
      const value = port.port;
      if (typeof value !== 'number' || value < 1 || value > 65535) {
        causes.push(
          invalidValue(`spec.ports[${index}].port`, value, 'must be between 1 and 65535, inclusive'),
        );
      }
    });
    return causes;
  },
  validateUpdate(service, old) {
    const now = fieldAt(service, ['spec', 'clusterIP']);
    const before = fieldAt(old, ['spec', 'clusterIP']);
    return now === before ? [] : [invalidValue('spec.clusterIPs[0]', now, 'may not change once set')];
  },
};
