import { ApiServerSimulator, KubectlRunner } from '@tether/testing';
import { render, type Rendered } from './helm-chart.js';

export const AGENT_NAMESPACE = 'tether-system';
export const AGENT_RELEASE = 'tether-agent';
export const AGENT_USER = `system:serviceaccount:${AGENT_NAMESPACE}:${AGENT_RELEASE}`;
export const AGENT_TOKEN = 'agent-sa-token';

export const baseAgentValues = { clusterName: 'dev-east', broker: { url: 'https://tether.example.com' } };

// What the cluster holds besides the chart: people's own RBAC, and secrets the agent must not see.
const clusterManifests = `
apiVersion: v1
kind: Namespace
metadata: { name: web }
---
apiVersion: v1
kind: Namespace
metadata: { name: payments }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${AGENT_NAMESPACE} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: frontend-config, namespace: web }
data: { BACKEND_URL: http://api.payments.svc }
---
apiVersion: v1
kind: Secret
metadata: { name: db-credentials, namespace: payments }
type: Opaque
stringData: { password: not-for-the-agent }
---
apiVersion: v1
kind: Secret
metadata: { name: another-secret, namespace: ${AGENT_NAMESPACE} }
type: Opaque
stringData: { token: also-not-for-the-agent }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: payments }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: developers-edit, namespace: web }
subjects:
  - { kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io }
roleRef: { kind: ClusterRole, name: edit, apiGroup: rbac.authorization.k8s.io }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: deployer-view, namespace: payments }
subjects:
  - { kind: ServiceAccount, name: deployer, namespace: payments }
roleRef: { kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io }
`;

/** The kinds of the agent chart that carry its identity and permissions. */
const rbacKinds = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Secret'];

export interface AgentRbacCluster {
  sim: ApiServerSimulator;
  rendered: Rendered;
  /** kubectl as the agent's service account (the identity the chart's RBAC binds). */
  agent: KubectlRunner;
  stop(): Promise<void>;
}

/**
 * A simulated cluster holding only the rendered agent RBAC (no other grant for the agent), with a
 * bearer token authenticating as the agent's service account, as the service-account token would.
 */
export async function startAgentRbacCluster(values: Record<string, unknown>): Promise<AgentRbacCluster> {
  const rendered = await render(
    'tether-agent',
    { ...baseAgentValues, ...values },
    {
      name: AGENT_RELEASE,
      namespace: AGENT_NAMESPACE,
    },
  );
  const sim = await ApiServerSimulator.start({
    clusterName: 'dev-east',
    tokens: [
      {
        token: AGENT_TOKEN,
        username: AGENT_USER,
        uid: 'uid-agent',
        groups: ['system:serviceaccounts', `system:serviceaccounts:${AGENT_NAMESPACE}`],
      },
    ],
    manifests: [clusterManifests, rendered.yamlOf(rbacKinds)],
  });
  const agent = new KubectlRunner(sim.kubeconfig({ token: AGENT_TOKEN }));
  return {
    sim,
    rendered,
    agent,
    async stop() {
      agent.dispose();
      await sim.close();
    },
  };
}
