/** Waits until other work on the machine has calmed down, so a measurement does not share cores with it. */
import { setTimeout as sleep } from 'node:timers/promises';
import { CpuMeter } from './process-cpu';

/** Cores the rest of the machine keeps busy, sampled over `sampleMs` while `pids` stay idle. */
async function otherCoresBusy(pids: Record<string, number>, sampleMs: number): Promise<number> {
  const meter = new CpuMeter(pids);
  meter.start();
  await sleep(sampleMs);
  return (meter.stop().others ?? 0) / sampleMs;
}

/** Resolves with the last sample once other processes use less than `maxCores`, or after `maxWaitMs`. */
export async function waitForQuietMachine(
  pids: Record<string, number>,
  maxCores: number,
  maxWaitMs: number,
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await otherCoresBusy(pids, 2000);
  while (busy > maxCores && Date.now() < deadline) {
    console.error(`other processes keep ${busy.toFixed(2)} cores busy; waiting for a quieter machine ...`);
    busy = await otherCoresBusy(pids, 5000);
  }
  return busy;
}
