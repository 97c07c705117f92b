import {
  groupVersionOf,
  resourcesIn,
  servedGroupVersions,
  type ResourceType,
  type SubresourceType,
} from './resource-catalog.js';

/** Legacy and aggregated (apidiscovery.k8s.io/v2) discovery documents built from the resource catalog. */

export const aggregatedContentType = (version: 'v2' | 'v2beta1') =>
  `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

/** Which aggregated discovery version the Accept header asks for, if any (kubectl lists v2 first). */
export function acceptedAggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  for (const entry of (accept ?? '').split(',')) {
    const params = new Map(
      entry
        .split(';')
        .slice(1)
        .map((param) => param.trim().split('=') as [string, string]),
    );
    if (params.get('as') !== 'APIGroupDiscoveryList' || params.get('g') !== 'apidiscovery.k8s.io') continue;
    const version = params.get('v');
    if (version === 'v2' || version === 'v2beta1') return version;
  }
  return undefined;
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupNames(): string[] {
  return [...new Set(servedGroupVersions().map((gv) => gv.group))].filter((group) => group !== '');
}

export function apiGroup(group: string): Record<string, unknown> | undefined {
  const versions = servedGroupVersions().filter((gv) => gv.group === group);
  if (versions.length === 0) return undefined;
  const entries = versions.map((gv) => ({ groupVersion: groupVersionOf(gv), version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupList(): Record<string, unknown> {
  const groups = groupNames().map((group) => {
    const { kind: _kind, apiVersion: _apiVersion, ...rest } = apiGroup(group) ?? {};
    return rest;
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const types = resourcesIn(group, version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((type) => [
    {
      name: type.resource,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: type.verbs,
      ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    },
    ...type.subresources.map((sub) => ({
      name: `${type.resource}/${sub.name}`,
      singularName: '',
      namespaced: type.namespaced,
      ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
      kind: sub.kind,
      verbs: sub.verbs,
    })),
  ]);
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersionOf({ group, version }),
    resources,
  };
}

function responseKind(type: ResourceType, sub?: SubresourceType) {
  return {
    group: sub?.group ?? type.group,
    version: sub?.version ?? type.version,
    kind: sub?.kind ?? type.kind,
  };
}

function discoveryResource(type: ResourceType): Record<string, unknown> {
  return {
    resource: type.resource,
    responseKind: responseKind(type),
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: type.verbs,
    ...(type.shortNames.length > 0 ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length > 0 ? { categories: type.categories } : {}),
    ...(type.subresources.length > 0
      ? {
          subresources: type.subresources.map((sub) => ({
            subresource: sub.name,
            responseKind: responseKind(type, sub),
            verbs: sub.verbs,
          })),
        }
      : {}),
  };
}

/** `/api` (legacy: true) or `/apis` as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(legacy: boolean, version: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups = legacy ? [''] : groupNames();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
      versions: servedGroupVersions()
        .filter((gv) => gv.group === group)
        .map((gv) => ({
          version: gv.version,
          resources: resourcesIn(gv.group, gv.version).map(discoveryResource),
          freshness: 'Current',
        })),
    })),
  };
}
