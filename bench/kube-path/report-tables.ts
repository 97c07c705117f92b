/** The benchmark's two tables: results against the bars, and CPU spent per request in each process. */
import { markdownTable, ms, percent, percentile, rate, signedMs } from './latency-stats';
import { ways } from './paired-runner';
import type { ScenarioResult, Way, WayTotals } from './paired-runner';

export interface KubePathResults {
  getSerial: ScenarioResult;
  getParallel: ScenarioResult;
  list: ScenarioResult;
  concurrency: number;
  listMiB: number;
  listItems: number;
}

/** Bars from the issue, against plain direct: added p50 at concurrency 1 ≤ 2 ms; concurrency 32 ≥ 40% of direct. */
export const bars = { addedP50Ms: 2, parallelThroughputRatio: 0.4 };

const p = (totals: WayTotals, q: number) => percentile(totals.latenciesMs, q);
const perSecond = (totals: WayTotals) => totals.latenciesMs.length / (totals.elapsedMs / 1000);
const met = (ok: boolean) => (ok ? 'yes' : '**no**');

type Row = [
  scenario: string,
  result: Record<Way, WayTotals>,
  show: (totals: WayTotals) => string,
  compare: Comparison,
];
type Comparison =
  | { kind: 'added'; measure: (totals: WayTotals) => number }
  | { kind: 'ratio'; measure: (totals: WayTotals) => number };

function compared(result: Record<Way, WayTotals>, comparison: Comparison, baseline: WayTotals): string {
  const tether = comparison.measure(result.tether);
  const base = comparison.measure(baseline);
  return comparison.kind === 'added' ? signedMs(tether - base) : percent(tether / base);
}

export function resultsTable(results: KubePathResults): { table: string; barsMet: boolean } {
  const serial = results.getSerial.byWay;
  const parallel = results.getParallel.byWay;
  const list = results.list.byWay;
  const c = results.concurrency;
  const addedP50 = p(serial.tether, 50) - p(serial.direct, 50);
  const throughputRatio = perSecond(parallel.tether) / perSecond(parallel.direct);
  const listMiBs = (totals: WayTotals) => results.listMiB / (p(totals, 50) / 1000);
  const latency = (q: number): Comparison => ({ kind: 'added', measure: (totals) => p(totals, q) });
  const throughput: Comparison = { kind: 'ratio', measure: perSecond };
  const get = 'GET configmap';
  const listLabel = `LIST ${results.listItems} configmaps (${results.listMiB.toFixed(1)} MiB)`;
  const rows: Array<[...Row, string, string]> = [
    [
      `${get}, c=1: p50`,
      serial,
      (t) => ms(p(t, 50)),
      latency(50),
      `added ≤ ${bars.addedP50Ms} ms`,
      met(addedP50 <= bars.addedP50Ms),
    ],
    [`${get}, c=1: p90`, serial, (t) => ms(p(t, 90)), latency(90), '—', '—'],
    [`${get}, c=1: p99`, serial, (t) => ms(p(t, 99)), latency(99), '—', '—'],
    [`${get}, c=1: throughput`, serial, (t) => rate(perSecond(t), 'req/s'), throughput, '—', '—'],
    [
      `${get}, c=${c}: throughput`,
      parallel,
      (t) => rate(perSecond(t), 'req/s'),
      throughput,
      `≥ ${percent(bars.parallelThroughputRatio)} of direct`,
      met(throughputRatio >= bars.parallelThroughputRatio),
    ],
    [`${get}, c=${c}: p50`, parallel, (t) => ms(p(t, 50)), latency(50), '—', '—'],
    [`${get}, c=${c}: p99`, parallel, (t) => ms(p(t, 99)), latency(99), '—', '—'],
    [`${listLabel}, c=1: p50`, list, (t) => ms(p(t, 50)), latency(50), '—', '—'],
    [
      `${listLabel}, c=1: MiB/s at p50`,
      list,
      (t) => rate(listMiBs(t), 'MiB/s'),
      { kind: 'ratio', measure: listMiBs },
      '—',
      '—',
    ],
  ];
  const table = markdownTable(
    [
      'scenario',
      'direct',
      'direct, impersonating (as the agent)',
      'through Tether',
      'ratio / added latency (vs direct)',
      '(vs impersonating)',
      'bar',
      'met?',
    ],
    rows.map(([scenario, result, show, comparison, bar, ok]) => [
      scenario,
      show(result.direct),
      show(result.impersonated),
      show(result.tether),
      compared(result, comparison, result.direct),
      compared(result, comparison, result.impersonated),
      bar,
      ok,
    ]),
  );
  return {
    table,
    barsMet: addedP50 <= bars.addedP50Ms && throughputRatio >= bars.parallelThroughputRatio,
  };
}

const wayLabels = { direct: 'direct', impersonated: 'imp.', tether: 'Tether' } as const;

/** CPU per request in every process, so the added latency can be attributed to a hop. */
export function cpuTable(results: KubePathResults): string {
  const scenarios: Array<[string, ScenarioResult, 'µs' | 'ms']> = [
    ['GET c=1', results.getSerial, 'µs'],
    [`GET c=${results.concurrency}`, results.getParallel, 'µs'],
    ['LIST', results.list, 'ms'],
  ];
  const columns = scenarios.flatMap(([label, result, unit]) =>
    ways.map((way) => [`${label} ${wayLabels[way]}`, result.byWay[way], unit] as const),
  );
  const processes = [
    ['client', 'load generator'],
    ['stack', 'simulator (stack process)'],
    ['broker', 'broker'],
    ['agent', 'agent'],
  ];
  const perRequest = (totals: WayTotals, name: string | undefined, unit: 'µs' | 'ms') => {
    const used = name
      ? (totals.cpuMs[name] ?? 0)
      : processes.reduce((sum, [process]) => sum + (totals.cpuMs[process as string] ?? 0), 0);
    const value = used / totals.latenciesMs.length;
    return unit === 'µs' ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(1)} ms`;
  };
  const rows = [
    ...processes.map(([name, label]) => [
      label as string,
      ...columns.map(([, totals, unit]) => perRequest(totals, name, unit)),
    ]),
    ['**total**', ...columns.map(([, totals, unit]) => perRequest(totals, undefined, unit))],
    [
      'other processes on the machine (cores busy)',
      ...columns.map(([, totals]) => ((totals.cpuMs.others ?? 0) / totals.elapsedMs).toFixed(2)),
    ],
  ];
  return markdownTable(['CPU per request', ...columns.map(([label]) => label)], rows);
}
