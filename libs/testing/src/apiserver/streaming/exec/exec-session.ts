import type { Readable, Writable } from 'node:stream';
import type { PodStreamContext } from '../pod-view.js';
import { runAttachedMainProcess } from '../process/attach-main-process.js';
import { containerEnvironment } from '../process/container-environment.js';
import { InputSource } from '../process/input-source.js';
import { LineReader } from '../process/line-reader.js';
import { OutputSink } from '../process/output-sink.js';
import type { ProcessIo, ProcessOutcome } from '../process/process-io.js';
import { runExecCommand } from '../process/run-exec-command.js';
import type { ExecOptions } from './exec-options.js';

/** The exit status a process gets when its pod is deleted under it (SIGKILL). */
const KILLED_EXIT_CODE = 137;

export interface ExecStreams {
  stdin: Readable | null;
  stdout: Writable | null;
  stderr: Writable | null;
}

/**
 * Runs the exec'd command or the attached main process over transport-neutral streams. Resolves
 * with the outcome to report, or null when the client left and nobody is listening.
 */
export async function runExecSession(
  kind: 'exec' | 'attach',
  ctx: PodStreamContext,
  options: ExecOptions,
  streams: ExecStreams,
  clientGone: AbortSignal,
): Promise<ProcessOutcome | null> {
  const signal = AbortSignal.any([ctx.podGone, clientGone]);
  const container = ctx.pod.containers.find((candidate) => candidate.name === ctx.container) ?? {
    name: ctx.container,
  };
  const stdout = new OutputSink(streams.stdout, options.tty);
  const stdin = streams.stdin === null ? null : new InputSource(streams.stdin, signal);
  const io: ProcessIo = {
    stdin,
    lines: stdin === null ? null : new LineReader(stdin, stdout, options.tty),
    stdout,
    stderr: options.tty ? stdout : new OutputSink(streams.stderr),
    tty: options.tty,
    env: containerEnvironment(ctx.pod, container),
    pod: ctx.pod,
    container,
    signal,
    logIntervalMs: ctx.logIntervalMs,
  };

  const run = kind === 'exec' ? runExecCommand(options.command, io) : runAttachedMainProcess(io);
  const outcome = await Promise.race([
    run.catch((error: unknown): ProcessOutcome => ({ type: 'runtime-error', message: String(error) })),
    new Promise<null>((resolve) => {
      if (signal.aborted) resolve(null);
      else signal.addEventListener('abort', () => resolve(null), { once: true });
    }),
  ]);
  if (clientGone.aborted) return null;
  if (ctx.podGone.aborted) return { type: 'exit', code: KILLED_EXIT_CODE };
  return outcome;
}
