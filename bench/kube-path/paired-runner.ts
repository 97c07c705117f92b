/**
 * Runs one scenario every way in the same run: a warm-up each way, then rounds that rotate which way
 * goes first, so drift on a shared machine (other processes, GC, CPU frequency) hits all alike.
 */
import { LoadClient } from './closed-loop-load';
import type { AnswerCheck, LoadResult } from './closed-loop-load';
import { CpuMeter } from './process-cpu';
import type { StackEndpoints } from './stack-endpoints';

/** Straight to the simulator as an admin; straight to it as the agent asks (impersonating); through Tether. */
export const ways = ['direct', 'impersonated', 'tether'] as const;
export type Way = (typeof ways)[number];

export interface Scenario {
  label: string;
  path: string;
  concurrency: number;
  check: AnswerCheck;
  /** What one round sends each way, and the untimed warm-up before the first round. */
  round: { requests?: number; durationMs?: number };
  warmup: { requests?: number; durationMs?: number };
}

export interface WayTotals {
  latenciesMs: number[];
  elapsedMs: number;
  bytes: number;
  errors: string[];
  /** CPU ms per process over the timed rounds. */
  cpuMs: Record<string, number>;
}

export interface ScenarioResult {
  byWay: Record<Way, WayTotals>;
  /** Rounds thrown away because other processes took CPU meanwhile (their failed requests still count). */
  discardedRounds: number;
}

export interface PairedOptions {
  rounds: number;
  /** A round during which other processes kept more cores than this busy is measured again. */
  maxOtherCores: number;
  maxDiscardedRounds: number;
  /** Called before a round is measured again, to wait for the machine to calm down. */
  beforeRetry: () => Promise<unknown>;
}

export async function runPaired(
  scenario: Scenario,
  endpoints: StackEndpoints,
  options: PairedOptions,
): Promise<ScenarioResult> {
  const clients = Object.fromEntries(
    ways.map((way) => [way, new LoadClient(endpoints[way], scenario.concurrency)]),
  ) as Record<Way, LoadClient>;
  const meter = new CpuMeter({ client: process.pid, ...endpoints.pids });
  const result: ScenarioResult = { byWay: byWay(emptyTotals), discardedRounds: 0 };
  const run = (way: Way, amount: Scenario['round']) =>
    clients[way].run({
      path: scenario.path,
      concurrency: scenario.concurrency,
      check: scenario.check,
      ...amount,
    });
  try {
    for (const way of ways) result.byWay[way].errors.push(...(await run(way, scenario.warmup)).errors);
    for (let round = 0; round < options.rounds;) {
      const measured = byWay(emptyTotals);
      for (const way of ways.map((_, i) => ways[(i + round) % ways.length] as Way)) {
        meter.start();
        const load = await run(way, scenario.round);
        addTo(measured[way], load, meter.stop());
      }
      const noisy = ways.some(
        (way) => (measured[way].cpuMs.others ?? 0) / measured[way].elapsedMs > options.maxOtherCores,
      );
      if (noisy && result.discardedRounds < options.maxDiscardedRounds) {
        result.discardedRounds++;
        for (const way of ways) result.byWay[way].errors.push(...measured[way].errors);
        await options.beforeRetry();
        continue;
      }
      for (const way of ways) addTo(result.byWay[way], measured[way]);
      round++;
    }
  } finally {
    for (const client of Object.values(clients)) client.close();
  }
  return result;
}

function byWay(make: () => WayTotals): Record<Way, WayTotals> {
  return Object.fromEntries(ways.map((way) => [way, make()])) as Record<Way, WayTotals>;
}

function emptyTotals(): WayTotals {
  return { latenciesMs: [], elapsedMs: 0, bytes: 0, errors: [], cpuMs: {} };
}

function addTo(totals: WayTotals, measured: LoadResult | WayTotals, cpuMs?: Record<string, number>): void {
  for (const latency of measured.latenciesMs) totals.latenciesMs.push(latency);
  totals.elapsedMs += measured.elapsedMs;
  totals.bytes += measured.bytes;
  totals.errors.push(...measured.errors);
  const used = cpuMs ?? ('cpuMs' in measured ? measured.cpuMs : {});
  for (const [name, spent] of Object.entries(used)) totals.cpuMs[name] = (totals.cpuMs[name] ?? 0) + spent;
}
