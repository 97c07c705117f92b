import type { FieldCause } from '../api-error.js';
import { fieldAt, isJsonObject, type JsonObject, type KubeObject } from '../kube-object.js';
import { labelsMatchSelector } from '../label-match.js';
import { invalidValue, required } from './name-validation.js';
import { defaultPodSpec, validatePodSpec } from './pod-template-defaults.js';
import type { ResourceStrategy } from './resource-strategy.js';

/** Deployments and replica sets (apps/v1): selector, template and replica defaults. */

function defaultTemplate(spec: JsonObject): void {
  const template = isJsonObject(spec.template) ? spec.template : {};
  spec.template = template;
  template.metadata ??= {};
  if (isJsonObject(template.spec)) defaultPodSpec(template.spec);
}

function validateWorkload(object: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const selector = fieldAt(object, ['spec', 'selector']);
  const templateLabels = fieldAt(object, ['spec', 'template', 'metadata', 'labels']);
  if (!isJsonObject(selector) || Object.keys(selector).length === 0) causes.push(required('spec.selector'));
  else if (
    !labelsMatchSelector(
      isJsonObject(templateLabels) ? (templateLabels as Record<string, string>) : {},
      selector,
    )
  ) {
    causes.push(
      invalidValue(
        'spec.template.metadata.labels',
        templateLabels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  const replicas = fieldAt(object, ['spec', 'replicas']);
  if (typeof replicas === 'number' && (replicas < 0 || !Number.isInteger(replicas))) {
    causes.push(invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  causes.push(...validatePodSpec(fieldAt(object, ['spec', 'template', 'spec']), 'spec.template.spec'));
  return causes;
}

function validateSelectorUnchanged(object: KubeObject, old: KubeObject): FieldCause[] {
  const now = fieldAt(object, ['spec', 'selector']);
  const before = fieldAt(old, ['spec', 'selector']);
  return JSON.stringify(now) === JSON.stringify(before)
    ? []
    : [invalidValue('spec.selector', now, 'field is immutable')];
}

export const deploymentStrategy: ResourceStrategy = {
  nameRule: 'subdomain',
  tracksGeneration: true,
  hasStatus: true,
  defaultOnCreate(deployment) {
    const spec: JsonObject = isJsonObject(deployment.spec) ? deployment.spec : {};
    deployment.spec = spec;
    spec.replicas ??= 1;
    spec.strategy ??= { type: 'RollingUpdate' };
    if (isJsonObject(spec.strategy) && spec.strategy.type === 'RollingUpdate') {
      spec.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(spec);
    deployment.status ??= {};
  },
  defaultOnUpdate(deployment, _old, facts) {
    deploymentStrategy.defaultOnCreate?.(deployment, facts);
  },
  validate: validateWorkload,
  validateUpdate: validateSelectorUnchanged,
};

export const replicaSetStrategy: ResourceStrategy = {
  nameRule: 'subdomain',
  tracksGeneration: true,
  hasStatus: true,
  defaultOnCreate(replicaSet) {
    const spec: JsonObject = isJsonObject(replicaSet.spec) ? replicaSet.spec : {};
    replicaSet.spec = spec;
    spec.replicas ??= 1;
    defaultTemplate(spec);
    replicaSet.status ??= { replicas: 0 };
  },
  defaultOnUpdate(replicaSet, _old, facts) {
    replicaSetStrategy.defaultOnCreate?.(replicaSet, facts);
  },
  validate: validateWorkload,
  validateUpdate: validateSelectorUnchanged,
};
