import { request } from 'node:https';
import { ApiServerSimulator } from './api-server-simulator.js';

function get(sim: ApiServerSimulator, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${sim.url}${path}`, { ca: sim.caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('simulator RBAC cache', () => {
  it('sees a new binding and a removed one on the very next request', async () => {
    const sim = await ApiServerSimulator.start({
      clusterName: 'cache-test',
      tokens: [{ token: 'dana-token', username: 'dana', uid: 'u-dana', groups: [] }],
    });
    try {
      const path = '/api/v1/namespaces/default/configmaps';
      expect(await get(sim, path, 'dana-token')).toBe(403);
      const [binding] = await sim.applyManifests(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: dana-view }
subjects: [{ kind: User, name: dana, apiGroup: rbac.authorization.k8s.io }]
roleRef: { kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io }
`);
      expect(await get(sim, path, 'dana-token')).toBe(200);
      sim.store.delete(
        'clusterrolebindings.rbac.authorization.k8s.io',
        undefined,
        binding?.metadata.name as string,
      );
      expect(await get(sim, path, 'dana-token')).toBe(403);
    } finally {
      await sim.close();
    }
  });
});
