// The simulated container's /bin/sh: `sh -c SCRIPT`, a script on stdin, or an interactive prompt.
// Supports ; && || and newlines, quoting, $VAR / ${VAR} / $?, NAME=value, export, exit, cd, and the
// redirections >&2, 2>&1 and >/dev/null. Pipes and input redirection are not simulated.
import { INTERRUPT } from './line-reader.js';
import { OutputSink } from './output-sink.js';
import type { ProcessIo, SimulatedCommand } from './process-io.js';
import { expandWord, ShellSyntaxError, tokenizeShell, type ShellToken } from './shell-words.js';

export type CommandResolver = (name: string) => SimulatedCommand | undefined;

const PROMPT = '/ # ';
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

export async function runShell(args: string[], io: ProcessIo, resolve: CommandResolver): Promise<number> {
  let index = 0;
  while (index < args.length && args[index].startsWith('-') && args[index] !== '-c') index++;
  if (args[index] === '-c') {
    const script = args[index + 1];
    if (script === undefined) {
      await io.stderr.write('sh: -c requires an argument\n');
      return 2;
    }
    return new MiniShell(io, resolve, args.slice(index + 2)).runScript(script);
  }
  if (args[index] !== undefined) {
    await io.stderr.write(`sh: can't open '${args[index]}': No such file or directory\n`);
    return 2;
  }
  return new MiniShell(io, resolve, []).interactive();
}

class MiniShell {
  private readonly vars: Map<string, string>;
  private status = 0;
  private exitCode: number | undefined;

  constructor(
    private readonly io: ProcessIo,
    private readonly resolve: CommandResolver,
    private readonly positional: string[],
  ) {
    this.vars = new Map(io.env);
  }

  async interactive(): Promise<number> {
    const lines = this.io.lines;
    if (lines === null) return 0;
    for (;;) {
      if (this.io.tty) await this.io.stderr.write(PROMPT);
      const line = await lines.readLine();
      if (line === null || this.io.signal.aborted) return this.status;
      if (line === INTERRUPT) continue;
      await this.runScript(line);
      if (this.exitCode !== undefined) return this.exitCode;
    }
  }

  async runScript(script: string): Promise<number> {
    let tokens: ShellToken[];
    try {
      tokens = tokenizeShell(script);
    } catch (error) {
      if (!(error instanceof ShellSyntaxError)) throw error;
      await this.io.stderr.write(`sh: ${error.message}\n`);
      this.status = 2;
      return this.status;
    }
    let command: ShellToken[] = [];
    let skip = false;
    for (const token of [...tokens, { kind: 'op', value: ';' } as const]) {
      if (token.kind !== 'op') {
        command.push(token);
        continue;
      }
      if (token.value === '|' || token.value === '<') {
        await this.io.stderr.write(`sh: '${token.value}' is not supported by the simulated container\n`);
        this.status = 2;
        return this.status;
      }
      if (command.length > 0 && !skip) this.status = await this.runCommand(command);
      if (this.exitCode !== undefined || this.io.signal.aborted) return this.exitCode ?? this.status;
      command = [];
      skip = (token.value === '&&' && this.status !== 0) || (token.value === '||' && this.status === 0);
    }
    return this.exitCode ?? this.status;
  }

  private lookup = (name: string): string => {
    if (name === '?') return String(this.status);
    if (name === '$') return '1';
    if (name === '#') return String(this.positional.length);
    if (name === '0') return 'sh';
    if (/^[1-9]$/.test(name)) return this.positional[Number(name) - 1] ?? '';
    return this.vars.get(name) ?? '';
  };

  private async runCommand(tokens: ShellToken[]): Promise<number> {
    const words: string[] = [];
    let stdout = this.io.stdout;
    let stderr = this.io.stderr;
    const redirects: Array<{ fd: 1 | 2; target: string }> = [];
    for (const token of tokens) {
      if (token.kind === 'word') {
        const word = expandWord(token, this.lookup);
        if (word !== null) words.push(word);
      } else if (token.kind === 'redirect') redirects.push(token);
    }
    for (const { fd, target } of redirects) {
      const sink =
        target === '&1'
          ? this.io.stdout
          : target === '&2'
            ? this.io.stderr
            : target === '/dev/null'
              ? OutputSink.discard()
              : null;
      if (sink === null) {
        await this.io.stderr.write(`sh: can't create ${target}: Read-only file system\n`);
        return 1;
      }
      if (fd === 1) stdout = sink;
      else stderr = sink;
    }

    const env = new Map(this.vars);
    while (words.length > 0 && ASSIGNMENT.test(words[0])) {
      const [, name, value] = ASSIGNMENT.exec(words.shift()!)!;
      env.set(name, value);
    }
    if (words.length === 0) {
      for (const [name, value] of env) this.vars.set(name, value);
      return 0;
    }

    const [name, ...args] = words;
    switch (name) {
      case 'exit': {
        const code = args[0] === undefined ? this.status : Number(args[0]);
        this.exitCode = Number.isInteger(code) ? ((code % 256) + 256) % 256 : 2;
        return this.exitCode;
      }
      case 'export':
        for (const arg of args) {
          const match = ASSIGNMENT.exec(arg);
          if (match !== null) this.vars.set(match[1], match[2]);
        }
        return 0;
      case 'unset':
        for (const arg of args) this.vars.delete(arg);
        return 0;
      case 'cd':
      case ':':
        return 0;
    }
    const command = this.resolve(name);
    if (command === undefined) {
      await stderr.write(`sh: ${name}: not found\n`);
      return 127;
    }
    return command(args, { ...this.io, stdout, stderr, env });
  }
}
