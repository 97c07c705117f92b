/**
 * What `tether kube credential` adds to every kubectl call when the token is cached: the built CLI spawned
 * N times against a warm token cache, against `node -e 0` (bare Node start-up) in the same run, interleaved.
 * Bar (issue 6): the cached path adds under 150 ms. Exits non-zero only when a run failed, never on a bar.
 *   npx tsc -b apps/cli
 *   npx tsx bench/cli/credential.bench.ts [--runs 30] [--warmup 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { seedWarmCache } from './warm-cache';
import { timeRun } from './timed-spawn';

const bars = { addedMs: 150 };
const cliMain = resolve(__dirname, '..', '..', 'apps', 'cli', 'dist', 'main.js');
const broker = 'https://tether.bench.invalid';

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '30' }, warmup: { type: 'string', default: '3' } },
  });
  const runs = Number(values.runs);
  const configDir = mkdtempSync(join(tmpdir(), 'tether-bench-cli-'));
  try {
    seedWarmCache(configDir, broker);
    const env = { PATH: process.env.PATH ?? '', HOME: configDir, TETHER_CONFIG_DIR: configDir };
    const baseline = { args: ['-e', '0'], env };
    const credential = { args: [cliMain, 'kube', 'credential', 'dev-east', '--broker', broker], env };
    for (let i = 0; i < Number(values.warmup); i++) {
      await timeRun(baseline);
      await timeRun(credential, true);
    }
    const base: number[] = [];
    const cli: number[] = [];
    const added: number[] = [];
    for (let i = 0; i < runs; i++) {
      const b = await timeRun(baseline);
      const c = await timeRun(credential, true);
      base.push(b);
      cli.push(c);
      added.push(c - b);
    }
    const row = (label: string, samples: number[]) =>
      `| ${label} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 90))} |`;
    const addedP50 = percentile(cli, 50) - percentile(base, 50);
    const addedP90 = percentile(cli, 90) - percentile(base, 90);
    console.log(`\n### tether kube credential, warm cache (${runs} runs each, Node ${process.version})\n`);
    console.log('| run | p50 | p90 |');
    console.log('| --- | --- | --- |');
    console.log(row('`node -e 0` (baseline)', base));
    console.log(row('`node apps/cli/dist/main.js kube credential`', cli));
    console.log(row('added (paired difference per run)', added));
    console.log(`| **added (p50 − p50, p90 − p90)** | **${ms(addedP50)}** | **${ms(addedP90)}** |`);
    const met = addedP90 < bars.addedMs;
    console.log(
      `\nBar: the cached path adds < ${bars.addedMs} ms → ${met ? 'met' : '**not met**'} (p90 added ${ms(addedP90)}).`,
    );
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
