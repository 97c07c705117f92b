import type { KubeObject } from '../kube-object.js';
import { columnsByKind, defaultColumns } from './table-columns.js';

/** Server-side `meta.k8s.io/v1` Table responses, so `kubectl get` prints real columns. */

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  noHeaders?: boolean;
}

/** True when the Accept header asks for a Table (kubectl get: `application/json;as=Table;v=v1;g=meta.k8s.io,...`). */
export function acceptsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((entry) => {
    const params = new Map(
      entry
        .split(';')
        .slice(1)
        .map((param) => param.trim().split('=') as [string, string]),
    );
    return (
      params.get('as') === 'Table' &&
      params.get('g') === 'meta.k8s.io' &&
      ['v1', 'v1beta1'].includes(params.get('v') ?? '')
    );
  });
}

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function toTable(
  kind: string,
  objects: KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  options: TableOptions,
): Record<string, unknown> {
  const printer = columnsByKind[kind] ?? defaultColumns;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(options.noHeaders ? {} : { columnDefinitions: printer.columns }),
    rows: objects.map((object) => {
      const embedded = rowObject(object, options.includeObject);
      return { cells: printer.cells(object), ...(embedded === undefined ? {} : { object: embedded }) };
    }),
  };
}
