import type { ContainerView, PodView } from '../pod-view.js';
import type { InputSource } from './input-source.js';
import type { LineReader } from './line-reader.js';
import type { OutputSink } from './output-sink.js';

/** What a simulated process sees: its streams, its environment, and a signal that kills it. */
export interface ProcessIo {
  /** Null when the client did not attach stdin. */
  stdin: InputSource | null;
  /** Line-at-a-time view of the same stdin (with the TTY line discipline when `tty`). */
  lines: LineReader | null;
  stdout: OutputSink;
  /** With a TTY this is the terminal too, like a real pty. */
  stderr: OutputSink;
  tty: boolean;
  env: Map<string, string>;
  pod: PodView;
  container: ContainerView;
  /** Aborts when the client leaves or the pod is deleted. */
  signal: AbortSignal;
  logIntervalMs: number;
}

/** How a process ended: an exit code, or a runtime failure before it could start. */
export type ProcessOutcome = { type: 'exit'; code: number } | { type: 'runtime-error'; message: string };

export type SimulatedCommand = (args: string[], io: ProcessIo) => Promise<number>;
