import type { KubeObject } from '@tether/kube';

export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

/** Where the authorizer reads RBAC objects; `namespace` undefined means all namespaces. */
export interface RbacSource {
  list(resource: RbacResource, namespace?: string): KubeObject[];
}
