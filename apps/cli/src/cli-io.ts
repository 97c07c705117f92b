/** Where a command writes: results to `out` (stdout), logs, prompts and URLs to `err` (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** A promise while stdout holds more than it wants (a slow pipe), for commands that stream for long. */
  outBacklog?(): Promise<void> | undefined;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  outBacklog: () =>
    process.stdout.writableNeedDrain
      ? new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()))
      : undefined,
};
