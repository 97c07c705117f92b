/** The PodExecOptions / PodAttachOptions query of an exec or attach request. */
export interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  /** False with a TTY: the terminal carries both outputs. */
  stderr: boolean;
  tty: boolean;
}

const TRUE_VALUES = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

export function parseExecOptions(query: URLSearchParams): ExecOptions {
  const flag = (name: string) => TRUE_VALUES.has(query.get(name) ?? '');
  const tty = flag('tty');
  return {
    command: query.getAll('command'),
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr') && !tty,
    tty,
  };
}
