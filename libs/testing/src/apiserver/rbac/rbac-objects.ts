// Reads roles and bindings out of stored JSON. Objects come from whatever a test or kubectl wrote,
// so every field is checked: a malformed object grants nothing instead of crashing the authorizer.
import type { KubeObject } from '@tether/kube';

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

export interface RoleRef {
  kind: string;
  name: string;
}

export interface Binding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace: string;
  subjects: Subject[];
  roleRef: RoleRef;
}

export function policyRulesOf(role: KubeObject): PolicyRule[] {
  return recordsOf(role['rules']).map((rule) => ({
    verbs: stringsOf(rule['verbs']),
    apiGroups: stringsOf(rule['apiGroups']),
    resources: stringsOf(rule['resources']),
    resourceNames: stringsOf(rule['resourceNames']),
    nonResourceURLs: stringsOf(rule['nonResourceURLs']),
  }));
}

export function bindingOf(object: KubeObject, kind: Binding['kind']): Binding {
  const roleRef = isRecord(object['roleRef']) ? object['roleRef'] : {};
  return {
    kind,
    name: stringOf(object.metadata?.name),
    namespace: stringOf(object.metadata?.namespace),
    subjects: recordsOf(object['subjects']).map((s) => ({
      kind: stringOf(s['kind']),
      name: stringOf(s['name']),
      namespace: stringOf(s['namespace']),
    })),
    roleRef: { kind: stringOf(roleRef['kind']), name: stringOf(roleRef['name']) },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function recordsOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
