/**
 * The kubectl path: the same requests sent straight to the simulator and through broker → tunnel →
 * agent → simulator, in the same run. Bars (issue 5): added p50 at concurrency 1 ≤ 2 ms; throughput at
 * concurrency 32 ≥ 40% of direct. A third way sends the requests straight to the simulator as the agent
 * does (its token plus Impersonate-*), separating the API server's impersonation cost from Tether's.
 * Exits non-zero only when a request failed, never on a missed bar.
 *   npx tsc -b apps/broker apps/agent
 *   npx tsx --conditions=source bench/kube-path/kube-path.bench.ts [--rounds 6] [--serial-requests 2000]
 *     [--parallel-seconds 10] [--concurrency 32] [--list-requests 20]
 *     [--quiet-cores 0.2] [--quiet-wait-seconds 300]
 * On a shared machine, a round during which other processes kept more than --quiet-cores busy is
 * discarded and measured again once they calm down (at most 2 × rounds times).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { AnswerCheck } from './closed-loop-load';
import { LoadClient } from './closed-loop-load';
import { runPaired, ways } from './paired-runner';
import type { Scenario, ScenarioResult } from './paired-runner';
import { waitForQuietMachine } from './quiet-machine';
import { cpuTable, resultsTable } from './report-tables';
import { benchNamespace, startStackProcess } from './stack-endpoints';
import type { StackEndpoints } from './stack-endpoints';

const MiB = 1024 * 1024;
const smallPath = '/api/v1/namespaces/web/configmaps/frontend-config';
const listPath = `/api/v1/namespaces/${benchNamespace}/configmaps`;

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      'serial-requests': { type: 'string', default: '2000' },
      'parallel-seconds': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      'list-requests': { type: 'string', default: '20' },
      'quiet-cores': { type: 'string', default: '0.2' },
      'quiet-wait-seconds': { type: 'string', default: '300' },
    },
  });
  return {
    rounds: Number(values.rounds),
    serialRequests: Number(values['serial-requests']),
    parallelSeconds: Number(values['parallel-seconds']),
    concurrency: Number(values.concurrency),
    listRequests: Number(values['list-requests']),
    quietCores: Number(values['quiet-cores']),
    quietWaitSeconds: Number(values['quiet-wait-seconds']),
  };
}

function failure(status: number, body: Buffer): string | undefined {
  if (status === 200) return undefined;
  return `HTTP ${status}: ${body.subarray(0, 300).toString()}`;
}

/** The small object, byte for byte as the simulator serves it. */
function configMapCheck(expected: Buffer): AnswerCheck {
  return (status, body) => {
    const failed = failure(status, body);
    if (failed) return failed;
    if (!body.equals(expected))
      return `configmap body differs (${body.length} bytes, expected ${expected.length})`;
    return undefined;
  };
}

/** The whole list: every item, every byte of its data. */
function listCheck(items: number, bytesPerItem: number, expectedBytes?: number): AnswerCheck {
  return (status, body) => {
    const failed = failure(status, body);
    if (failed) return failed;
    if (expectedBytes !== undefined && body.length !== expectedBytes)
      return `list has ${body.length} bytes, expected ${expectedBytes}`;
    const list = JSON.parse(body.toString()) as {
      kind?: string;
      items?: Array<{ data?: { blob?: string } }>;
    };
    // The namespace also holds kube-root-ca.crt, as in a real cluster.
    const blobs = (list.items ?? []).filter((item) => item.data?.blob !== undefined);
    if (list.kind !== 'ConfigMapList' || blobs.length !== items)
      return `list has ${blobs.length} of the ${items} configmaps`;
    if (!blobs.every((item) => item.data?.blob?.length === bytesPerItem)) return 'list item data truncated';
    return undefined;
  };
}

/** One direct GET whose body becomes the reference the timed answers are compared with. */
async function reference(endpoints: StackEndpoints, path: string, check: AnswerCheck): Promise<Buffer> {
  const client = new LoadClient(endpoints.direct, 1);
  let body: Buffer = Buffer.alloc(0);
  const result = await client.run({
    path,
    concurrency: 1,
    requests: 1,
    check: (status, answer) => {
      body = answer;
      return check(status, answer);
    },
  });
  client.close();
  if (result.errors.length > 0) throw new Error(`reference GET ${path} failed: ${result.errors[0]}`);
  return body;
}

function errorSummary(name: string, result: ScenarioResult): string[] {
  return ways.flatMap((way) => {
    const errors = result.byWay[way].errors;
    if (errors.length === 0) return [];
    const distinct = [...new Set(errors)].slice(0, 3).join('\n    ');
    return [`${name} ${way}: ${errors.length} failed requests, e.g.\n    ${distinct}`];
  });
}

async function main(): Promise<void> {
  const settings = options();
  const stack = await startStackProcess();
  try {
    const { endpoints } = stack;
    const { items, bytesPerItem } = endpoints.list;
    const small = await reference(endpoints, smallPath, failure);
    const listBody = await reference(endpoints, listPath, listCheck(items, bytesPerItem));
    const perRound = (total: number) => Math.max(1, Math.ceil(total / settings.rounds));
    const waitForQuiet = async () => {
      await waitForQuietMachine(
        { client: process.pid, ...endpoints.pids },
        settings.quietCores,
        settings.quietWaitSeconds * 1000,
      );
      await stack.refreshToken();
    };
    const measure = async (scenario: Scenario) => {
      await waitForQuiet();
      console.error(`${scenario.label} ${scenario.path} ...`);
      return runPaired(scenario, endpoints, {
        rounds: settings.rounds,
        maxOtherCores: settings.quietCores,
        maxDiscardedRounds: settings.rounds * 2,
        beforeRetry: waitForQuiet,
      });
    };

    const getSerial = await measure({
      label: 'GET c=1',
      path: smallPath,
      concurrency: 1,
      check: configMapCheck(small),
      round: { requests: perRound(settings.serialRequests) },
      warmup: { requests: 500 },
    });
    const getParallel = await measure({
      label: `GET c=${settings.concurrency}`,
      path: smallPath,
      concurrency: settings.concurrency,
      check: configMapCheck(small),
      round: { durationMs: (settings.parallelSeconds * 1000) / settings.rounds },
      warmup: { durationMs: 2000 },
    });
    const list = await measure({
      label: `LIST (${(listBody.length / MiB).toFixed(1)} MiB)`,
      path: listPath,
      concurrency: 1,
      check: listCheck(items, bytesPerItem, listBody.length),
      round: { requests: perRound(settings.listRequests) },
      warmup: { requests: 3 },
    });

    const results = {
      getSerial,
      getParallel,
      list,
      concurrency: settings.concurrency,
      listMiB: listBody.length / MiB,
      listItems: items,
    };
    const { table, barsMet } = resultsTable(results);
    const cpu = cpus();
    console.log(
      `\nkubectl path, ${settings.rounds} rotating rounds each way; ${cpu.length} × ${cpu[0]?.model ?? '?'}, ` +
        `Node ${process.version}; rounds discarded because other processes took more than ` +
        `${settings.quietCores} cores: ${[getSerial, getParallel, list].map((r) => r.discardedRounds).join(' / ')}\n`,
    );
    console.log(table);
    console.log('\nCPU per request in each process (user + system, /proc), timed rounds only\n');
    console.log(cpuTable(results));
    console.log(`\nbars ${barsMet ? 'met' : 'NOT met'}`);

    const problems = [
      ...errorSummary('GET c=1', getSerial),
      ...errorSummary(`GET c=${settings.concurrency}`, getParallel),
      ...errorSummary('LIST', list),
    ];
    if (problems.length > 0) {
      console.error(`\nFAILED REQUESTS: the numbers above are not valid.\n${problems.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
