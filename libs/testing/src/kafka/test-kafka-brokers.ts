import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '../kubectl/kubectl-binary.js';

/**
 * The real Kafka the tests and benchmarks use: TETHER_TEST_KAFKA_BROKERS, else the one
 * `npm run kafka:start` (and `npm test`) started, as its state file records it.
 */
export function testKafkaBrokers(): string[] {
  const fromEnv = process.env.TETHER_TEST_KAFKA_BROKERS;
  if (fromEnv) return fromEnv.split(',');
  const stateFile = join(findRepoRoot(__dirname), '.kafka', 'state.json');
  try {
    return [(JSON.parse(readFileSync(stateFile, 'utf8')) as { bootstrap: string }).bootstrap];
  } catch {
    throw new Error('no Kafka: run `npm run kafka:start` or the whole `npm test`');
  }
}
