// The programs a simulated container image ships (a busybox-like userland), keyed by name.
import { abortableDelay } from '../abortable-delay.js';
import { containerFile } from './container-files.js';
import { INTERRUPT } from './line-reader.js';
import type { ProcessIo, SimulatedCommand } from './process-io.js';

const echo: SimulatedCommand = async (args, io) => {
  let newline = true;
  let escapes = false;
  while (args[0] === '-n' || args[0] === '-e' || args[0] === '-ne' || args[0] === '-en') {
    const flag = args.shift()!;
    if (flag.includes('n')) newline = false;
    if (flag.includes('e')) escapes = true;
  }
  let text = args.join(' ');
  if (escapes) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  await io.stdout.write(newline ? `${text}\n` : text);
  return 0;
};

async function copyStdin(io: ProcessIo): Promise<number> {
  if (io.tty && io.lines !== null) {
    for (;;) {
      const line = await io.lines.readLine();
      if (line === null) return 0;
      if (line === INTERRUPT) return 130;
      await io.stdout.write(`${line}\n`);
    }
  }
  if (io.stdin === null) return 0;
  for (let chunk = await io.stdin.read(); chunk !== null; chunk = await io.stdin.read()) {
    await io.stdout.write(chunk);
  }
  return 0;
}

const cat: SimulatedCommand = async (args, io) => {
  if (args.length === 0) return copyStdin(io);
  let status = 0;
  for (const path of args) {
    if (path === '-') {
      status = Math.max(status, await copyStdin(io));
      continue;
    }
    const content = containerFile(io.pod, path);
    if (content === undefined) {
      await io.stderr.write(`cat: can't open '${path}': No such file or directory\n`);
      status = 1;
    } else {
      await io.stdout.write(content);
    }
  }
  return status;
};

const env: SimulatedCommand = async (_args, io) => {
  for (const [name, value] of io.env) await io.stdout.write(`${name}=${value}\n`);
  return 0;
};

const printenv: SimulatedCommand = async (args, io) => {
  if (args.length === 0) return env(args, io);
  let status = 0;
  for (const name of args) {
    const value = io.env.get(name);
    if (value === undefined) status = 1;
    else await io.stdout.write(`${value}\n`);
  }
  return status;
};

const sleep: SimulatedCommand = async (args, io) => {
  const seconds = Number(args[0]);
  if (args.length === 0 || !Number.isFinite(seconds) || seconds < 0) {
    await io.stderr.write(`sleep: invalid number '${args[0] ?? ''}'\n`);
    return 1;
  }
  await abortableDelay(seconds * 1000, io.signal);
  return 0;
};

function printing(text: (io: ProcessIo) => string): SimulatedCommand {
  return async (_args, io) => {
    await io.stdout.write(`${text(io)}\n`);
    return 0;
  };
}

function formatDate(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const time = date.toISOString().slice(11, 19);
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${day} ${time} UTC ${date.getUTCFullYear()}`;
}

export const BUILTIN_COMMANDS: ReadonlyMap<string, SimulatedCommand> = new Map<string, SimulatedCommand>([
  ['echo', echo],
  ['cat', cat],
  ['env', env],
  ['printenv', printenv],
  ['sleep', sleep],
  ['true', async () => 0],
  ['false', async () => 1],
  ['hostname', printing((io) => io.pod.name)],
  ['pwd', printing(() => '/')],
  ['whoami', printing(() => 'root')],
  ['id', printing(() => 'uid=0(root) gid=0(root) groups=0(root)')],
  ['uname', printing(() => 'Linux')],
  ['date', printing(() => formatDate(new Date()))],
]);
