import { ApiServerSimulator, demoClusterManifests, demoClusterTokens, KubectlRunner } from '@tether/testing';

/** One simulated cluster with the demo fixtures, and a kubectl per demo user; `stop()` cleans both up. */
export interface DemoCluster {
  sim: ApiServerSimulator;
  kubectl(
    token: 'admin-token' | 'alice-token' | 'bob-token' | 'agent-token',
    namespace?: string,
  ): KubectlRunner;
  stop(): Promise<void>;
}

export async function startDemoCluster(
  extra: Partial<Parameters<typeof ApiServerSimulator.start>[0]> = {},
): Promise<DemoCluster> {
  const sim = await ApiServerSimulator.start({
    clusterName: 'dev-east',
    tokens: demoClusterTokens,
    manifests: [demoClusterManifests],
    logIntervalMs: 100,
    ...extra,
  });
  const runners: KubectlRunner[] = [];
  return {
    sim,
    kubectl(token, namespace) {
      const runner = new KubectlRunner(sim.kubeconfig({ token, ...(namespace ? { namespace } : {}) }));
      runners.push(runner);
      return runner;
    },
    async stop() {
      for (const runner of runners) runner.dispose();
      await sim.close();
    },
  };
}
