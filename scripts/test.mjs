// The one test command: lint, type-check, build, start a real Kafka, run every suite, stop Kafka.
// Each step says what failed; Kafka is stopped even when tests fail.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kafkaScript = join(root, 'deploy', 'kafka', 'kafka.mjs');
const extraArgs = process.argv.slice(2);

function run(label, command, args, env = process.env) {
  console.log(`\n▶ ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw new Error(`${label}: ${result.error.message}`);
  return result.status ?? 1;
}

function mustPass(label, command, args, env) {
  const status = run(label, command, args, env);
  if (status !== 0) {
    console.error(`\n✖ ${label} failed (exit ${status})`);
    process.exit(status);
  }
}

mustPass('install pinned kubectl and helm', 'node', ['scripts/install-tools.mjs']);
mustPass('lint', 'npx', ['eslint', '.']);
mustPass('format', 'npx', ['prettier', '--check', '.']);
mustPass('type-check', 'npx', ['tsc', '-p', 'tsconfig.json']);
mustPass('build', 'npx', ['tsc', '-b', 'tsconfig.build.json']);

mustPass('start Kafka', 'node', [kafkaScript, 'start']);
let status;
try {
  const state = JSON.parse(readFileSync(join(root, '.kafka', 'state.json'), 'utf8'));
  const env = { ...process.env, TETHER_TEST_KAFKA_BROKERS: state.bootstrap };
  const report = join(root, '.kafka', 'vitest-report.json');
  status = run(
    'tests',
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs],
    env,
  );
  printSummary(report);
} finally {
  run('stop Kafka', 'node', [kafkaScript, 'stop']);
}
process.exit(status);

// One plain closing line that any CI reads the same way.
function printSummary(reportFile) {
  try {
    const { numPassedTests, numFailedTests, numPendingTests } = JSON.parse(readFileSync(reportFile, 'utf8'));
    console.log(`\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped`);
  } catch {
    console.log('\ntest report missing: the test runner did not finish');
  }
}
