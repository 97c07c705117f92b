import type { FieldCause } from '../api-error.js';
import { fieldAt, isJsonObject, objectsAt, type KubeObject } from '../kube-object.js';
import { invalidValue, required } from './name-validation.js';
import { podStrategy } from './pod-strategy.js';
import type { ResourceStrategy } from './resource-strategy.js';
import { serviceStrategy } from './service-strategy.js';
import { deploymentStrategy, replicaSetStrategy } from './workload-strategy.js';

/** The strategy for each stored kind, keyed by `group/resource`. */

const plain: ResourceStrategy = { nameRule: 'subdomain' };

const namespaceStrategy: ResourceStrategy = {
  nameRule: 'label',
  hasStatus: true,
  defaultOnCreate(namespace) {
    const name = namespace.metadata.name ?? '';
    namespace.metadata.labels = { ...namespace.metadata.labels, 'kubernetes.io/metadata.name': name };
    namespace.spec = { finalizers: ['kubernetes'] };
    namespace.status = { phase: 'Active' };
  },
  defaultOnUpdate(namespace, old) {
    namespace.metadata.labels = {
      ...namespace.metadata.labels,
      'kubernetes.io/metadata.name': old.metadata.name ?? '',
    };
    namespace.spec = old.spec;
  },
};

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;

const secretStrategy: ResourceStrategy = {
  nameRule: 'subdomain',
  defaultOnCreate: foldStringData,
  defaultOnUpdate: (secret) => foldStringData(secret),
  validate(secret) {
    const data = isJsonObject(secret.data) ? secret.data : {};
    const causes: FieldCause[] = [];
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string' || !base64.test(value) || value.length % 4 !== 0) {
        causes.push(invalidValue(`data[${key}]`, '<secret contents redacted>', 'must be base64-encoded'));
      }
    }
    return causes;
  },
  validateUpdate(secret, old) {
    return (secret.type ?? 'Opaque') === old.type
      ? []
      : [invalidValue('type', secret.type, 'field is immutable')];
  },
};

/** The API server folds write-only `stringData` into base64 `data` and drops it. */
function foldStringData(secret: KubeObject): void {
  secret.type ??= 'Opaque';
  if (!isJsonObject(secret.stringData)) return;
  const data = isJsonObject(secret.data) ? secret.data : {};
  for (const [key, value] of Object.entries(secret.stringData))
    data[key] = Buffer.from(String(value)).toString('base64');
  secret.data = data;
  delete secret.stringData;
}

const roleStrategy: ResourceStrategy = {
  nameRule: 'path-segment',
  validate(role) {
    const causes: FieldCause[] = [];
    objectsAt(role, ['rules']).forEach((rule, index) => {
      if (!Array.isArray(rule.verbs) || rule.verbs.length === 0)
        causes.push(required(`rules[${index}].verbs`));
      const hasResources = Array.isArray(rule.resources) && rule.resources.length > 0;
      const hasUrls = Array.isArray(rule.nonResourceURLs) && rule.nonResourceURLs.length > 0;
      if (!hasResources && !hasUrls) causes.push(required(`rules[${index}].resources`));
      if (hasResources && !Array.isArray(rule.apiGroups)) causes.push(required(`rules[${index}].apiGroups`));
    });
    return causes;
  },
};

const bindingStrategy: ResourceStrategy = {
  nameRule: 'path-segment',
  validate(binding) {
    const roleRef = binding.roleRef;
    const causes: FieldCause[] = [];
    if (!isJsonObject(roleRef) || !roleRef.name) causes.push(required('roleRef.name'));
    else if (roleRef.kind !== 'Role' && roleRef.kind !== 'ClusterRole') {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'roleRef.kind',
        message: `Unsupported value: ${JSON.stringify(roleRef.kind)}: supported values: "Role", "ClusterRole"`,
      });
    } else if (binding.kind === 'ClusterRoleBinding' && roleRef.kind !== 'ClusterRole') {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: 'roleRef.kind',
        message: `Unsupported value: "Role": supported values: "ClusterRole"`,
      });
    }
    objectsAt(binding, ['subjects']).forEach((subject, index) => {
      if (!['User', 'Group', 'ServiceAccount'].includes(String(subject.kind))) {
        causes.push({
          reason: 'FieldValueNotSupported',
          field: `subjects[${index}].kind`,
          message: `Unsupported value: ${JSON.stringify(subject.kind)}: supported values: "ServiceAccount", "User", "Group"`,
        });
      }
      if (!subject.name) causes.push(required(`subjects[${index}].name`));
    });
    return causes;
  },
  validateUpdate(binding, old) {
    const now = fieldAt(binding, ['roleRef']);
    const before = fieldAt(old, ['roleRef']);
    return JSON.stringify(now) === JSON.stringify(before)
      ? []
      : [invalidValue('roleRef', now, 'cannot change roleRef')];
  },
};

const nodeStrategy: ResourceStrategy = { nameRule: 'subdomain', hasStatus: true };

const strategies: Record<string, ResourceStrategy> = {
  '/namespaces': namespaceStrategy,
  '/nodes': nodeStrategy,
  '/pods': podStrategy,
  '/services': serviceStrategy,
  '/secrets': secretStrategy,
  'apps/deployments': deploymentStrategy,
  'apps/replicasets': replicaSetStrategy,
  'rbac.authorization.k8s.io/roles': roleStrategy,
  'rbac.authorization.k8s.io/clusterroles': roleStrategy,
  'rbac.authorization.k8s.io/rolebindings': bindingStrategy,
  'rbac.authorization.k8s.io/clusterrolebindings': bindingStrategy,
};

export function strategyFor(typeKey: string): ResourceStrategy {
  return strategies[typeKey] ?? plain;
}
