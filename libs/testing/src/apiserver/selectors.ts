import { ApiError } from './api-error.js';
import { fieldAt, type KubeObject } from './kube-object.js';

/** Label and field selectors in the query-string syntax kubectl sends. */

export type ObjectPredicate = (object: KubeObject) => boolean;

const everything: ObjectPredicate = () => true;

/** Splits on commas that are not inside `in (a,b)` parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += char;
  }
  parts.push(current.trim());
  return parts.filter((part) => part !== '');
}

const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function requirement(text: string, selector: string): ObjectPredicate {
  const labelsOf = (object: KubeObject) => object.metadata.labels ?? {};
  const invalid = () =>
    ApiError.badRequest(
      `unable to parse requirement: ${JSON.stringify(text)} in selector ${JSON.stringify(selector)}`,
    );
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set) {
    const [, key = '', op, list = ''] = set;
    if (!labelKey.test(key)) throw invalid();
    const values = new Set(list.split(',').map((value) => value.trim()));
    return op === 'in'
      ? (object) => key in labelsOf(object) && values.has(labelsOf(object)[key] ?? '')
      : (object) => !(key in labelsOf(object)) || !values.has(labelsOf(object)[key] ?? '');
  }
  const compare = /^([^=!<>\s]+)\s*(==|=|!=|<|>)\s*(\S*)$/.exec(text);
  if (compare) {
    const [, key = '', op, value = ''] = compare;
    if (!labelKey.test(key)) throw invalid();
    if (op === '!=') return (object) => labelsOf(object)[key] !== value;
    if (op === '<' || op === '>') {
      const bound = Number(value);
      if (!Number.isInteger(bound)) throw invalid();
      return (object) => {
        const actual = Number(labelsOf(object)[key]);
        return Number.isInteger(actual) && (op === '<' ? actual < bound : actual > bound);
      };
    }
    return (object) => labelsOf(object)[key] === value;
  }
  const exists = /^(!?)\s*(\S+)$/.exec(text);
  if (exists && labelKey.test(exists[2] ?? '')) {
    const key = exists[2] ?? '';
    return exists[1] === '!' ? (object) => !(key in labelsOf(object)) : (object) => key in labelsOf(object);
  }
  throw invalid();
}

export function parseLabelSelector(selector: string | null | undefined): ObjectPredicate {
  if (!selector) return everything;
  const requirements = splitTopLevel(selector).map((part) => requirement(part, selector));
  return (object) => requirements.every((matches) => matches(object));
}

/** Field selectors: only the fields the real API server indexes for each kind (plus name and namespace). */
const fieldsByKind: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
  Node: ['spec.unschedulable'],
};

function fieldValue(object: KubeObject, field: string): string {
  if (field === 'source') return String(fieldAt(object, ['source', 'component']) ?? '');
  const value = fieldAt(object, field.split('.'));
  return value === undefined || value === null ? '' : String(value);
}

export function parseFieldSelector(selector: string | null | undefined, kind: string): ObjectPredicate {
  if (!selector) return everything;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(fieldsByKind[kind] ?? [])]);
  const tests = selector.split(',').map((part): ObjectPredicate => {
    const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!match) throw ApiError.badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field = '', op, value = ''] = match;
    if (!allowed.has(field)) throw ApiError.badRequest(`field label not supported: ${field}`);
    return op === '!='
      ? (object) => fieldValue(object, field) !== value
      : (object) => fieldValue(object, field) === value;
  });
  return (object) => tests.every((matches) => matches(object));
}

/** The name a `metadata.name=X` field selector pins, which the authorizer also sees as the name. */
export function nameFromFieldSelector(selector: string | null | undefined): string | undefined {
  for (const part of (selector ?? '').split(',')) {
    const match = /^metadata\.name(==|=)(.*)$/.exec(part.trim());
    if (match) return match[2];
  }
  return undefined;
}
