/**
 * CPU profiles of broker, agent and simulator under the benchmark's Tether load, one process at a
 * time, summarised as tables; the raw .cpuprofile files (open in Chrome DevTools) go to --out.
 *   npx tsx --conditions=source bench/kube-path/profile-path.ts [--scenario get|list] [--concurrency 32]
 *     [--seconds 8] [--way tether|direct|impersonated] [--out /tmp/kube-path-profiles]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LoadClient } from './closed-loop-load';
import { startProfiling } from './inspector-profiler';
import { summarizeProfile } from './profile-summary';
import { benchNamespace, startStackProcess } from './stack-endpoints';

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'get' },
      concurrency: { type: 'string', default: '32' },
      seconds: { type: 'string', default: '8' },
      way: { type: 'string', default: 'tether' },
      processes: { type: 'string', default: 'broker,agent,stack' },
      out: { type: 'string', default: '/tmp/kube-path-profiles' },
    },
  });
  return {
    path:
      values.scenario === 'list'
        ? `/api/v1/namespaces/${benchNamespace}/configmaps`
        : '/api/v1/namespaces/web/configmaps/frontend-config',
    concurrency: Number(values.concurrency),
    durationMs: Number(values.seconds) * 1000,
    way: values.way as 'tether' | 'direct' | 'impersonated',
    processes: values.processes.split(',') as Array<'broker' | 'agent' | 'stack'>,
    out: values.out,
    label: `${values.scenario}-c${values.concurrency}-${values.way}`,
  };
}

async function main(): Promise<void> {
  const settings = options();
  mkdirSync(settings.out, { recursive: true });
  const stack = await startStackProcess();
  const client = new LoadClient(stack.endpoints[settings.way], settings.concurrency);
  const load = { path: settings.path, concurrency: settings.concurrency };
  const check = (status: number) => (status === 200 ? undefined : `HTTP ${status}`);
  try {
    await client.run({ ...load, durationMs: 3000, check });
    for (const name of settings.processes) {
      const profiling = await startProfiling(stack.endpoints.pids[name]);
      const result = await client.run({ ...load, durationMs: settings.durationMs, check });
      const profile = await profiling.stop();
      if (result.errors.length > 0)
        throw new Error(`${result.errors.length} requests failed: ${result.errors[0]}`);
      const file = join(settings.out, `${settings.label}-${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\n## ${name} (${settings.label}), ${file}\n`);
      console.log(summarizeProfile(profile, result.latenciesMs.length));
    }
  } finally {
    client.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
