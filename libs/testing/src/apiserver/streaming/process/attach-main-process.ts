import { abortableDelay } from '../abortable-delay.js';
import { ContainerLog } from '../logs/container-log.js';
import { INTERRUPT } from './line-reader.js';
import type { ProcessIo, ProcessOutcome } from './process-io.js';

/**
 * The container's main process, as `kubectl attach` meets it. With stdin attached it echoes every
 * line back on stdout and exits 0 when stdin closes. Without stdin it keeps printing its log lines
 * as it writes them, until the client leaves or the pod goes away.
 */
export async function runAttachedMainProcess(io: ProcessIo): Promise<ProcessOutcome> {
  if (io.lines !== null) {
    for (;;) {
      const line = await io.lines.readLine();
      if (line === null) return { type: 'exit', code: 0 };
      if (line !== INTERRUPT) await io.stdout.write(`${line}\n`);
    }
  }
  const log = new ContainerLog(io.pod, io.container.name, io.logIntervalMs);
  let next = log.lastIndexAt(Date.now()) + 1;
  while (!io.signal.aborted) {
    await abortableDelay(log.timeOf(next) - Date.now(), io.signal);
    if (io.signal.aborted) break;
    await io.stdout.write(`${log.line(next).text}\n`);
    next++;
  }
  return { type: 'exit', code: 0 };
}
