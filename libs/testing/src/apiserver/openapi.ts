import { createHash } from 'node:crypto';
import { groupVersionOf, resourcesIn, servedGroupVersions, type ResourceType } from './resource-catalog.js';

/**
 * `/openapi/v3`: one document per group version. It carries what kubectl reads from it: the PATCH
 * operations with their `x-kubernetes-group-version-kind` and the `fieldValidation` parameter (so
 * `kubectl apply` leaves validation to the server), and a loose schema per kind for `kubectl explain`.
 */

const kubernetesVersion = 'v1.34.0';

function schemaName(type: ResourceType): string {
  const group = type.group === '' ? 'core' : type.group.split('.')[0];
  return `io.k8s.api.${group}.${type.version}.${type.kind}`;
}

const queryParameter = (name: string, description: string) => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

const writeParameters = [
  queryParameter('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParameter(
    'fieldManager',
    'fieldManager is a name associated with the actor or entity that is making these changes.',
  ),
  queryParameter(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict.',
  ),
];

function operation(
  type: ResourceType,
  action: string,
  extraParameters: unknown[] = [],
): Record<string, unknown> {
  const verb = action === 'post' ? 'create' : action === 'put' ? 'replace' : action;
  return {
    tags: [groupVersionOf(type).replace(/[./]/g, '_')],
    description: `${verb} ${type.kind}`,
    operationId: `${verb}${type.namespaced ? 'Namespaced' : ''}${type.kind}`,
    parameters: extraParameters,
    responses: {
      '200': {
        description: 'OK',
        content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(type)}` } } },
      },
    },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
  };
}

function pathsFor(type: ResourceType): Record<string, unknown> {
  const prefix = type.group === '' ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const collection = `${prefix}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.resource}`;
  if (!type.stored) return { [collection]: { post: operation(type, 'post', writeParameters) } };
  return {
    [collection]: {
      get: operation(type, 'list'),
      post: operation(type, 'post', writeParameters),
      delete: operation(type, 'deletecollection'),
    },
    [`${collection}/{name}`]: {
      get: operation(type, 'get'),
      put: operation(type, 'put', writeParameters),
      patch: operation(type, 'patch', [
        ...writeParameters,
        queryParameter('force', 'Force is going to "force" Apply requests.'),
      ]),
      delete: operation(type, 'delete'),
    },
  };
}

function schemaFor(type: ResourceType): Record<string, unknown> {
  const loose = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    description: `${type.kind} as served by the Tether API server simulator.`,
    type: 'object',
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: { ...loose, description: "Standard object's metadata." },
      spec: { ...loose, description: `Specification of the desired behavior of the ${type.kind}.` },
      status: { ...loose, description: `Most recently observed status of the ${type.kind}.` },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, kind: type.kind, version: type.version }],
  };
}

export function openApiDocument(group: string, version: string): Record<string, unknown> | undefined {
  const types = resourcesIn(group, version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths: Object.assign({}, ...types.map(pathsFor)),
    components: { schemas: Object.fromEntries(types.map((type) => [schemaName(type), schemaFor(type)])) },
  };
}

function documentPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

const hashes = new Map<string, string>();

/** The catalog never changes at run time, so each document's hash is computed once. */
export function documentHash(group: string, version: string): string {
  const key = `${group}/${version}`;
  const known = hashes.get(key);
  if (known) return known;
  const hash = computeHash(group, version);
  hashes.set(key, hash);
  return hash;
}

function computeHash(group: string, version: string): string {
  return createHash('sha512')
    .update(JSON.stringify(openApiDocument(group, version)))
    .digest('hex')
    .slice(0, 128)
    .toUpperCase();
}

export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const { group, version } of servedGroupVersions()) {
    const path = documentPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${documentHash(group, version)}` };
  }
  return { paths };
}

/** `/openapi/v3/apis/apps/v1` → the apps/v1 document. */
export function openApiDocumentForPath(path: string): Record<string, unknown> | undefined {
  const match = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!match) return undefined;
  return match[1] ? openApiDocument('', match[1]) : openApiDocument(match[2] ?? '', match[3] ?? '');
}
