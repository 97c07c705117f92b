import { PassThrough, Readable } from 'node:stream';
import type { PodStreamContext, PodView } from '../pod-view.js';
import { runExecSession } from './exec-session.js';

const pod: PodView = {
  namespace: 'web',
  name: 'api-1',
  uid: '3f0c-uid',
  creationTimestamp: new Date(Date.now() - 10_000).toISOString(),
  containers: [
    { name: 'api', env: [{ name: 'LOG_LEVEL', value: 'debug' }], ports: [{ containerPort: 8080 }] },
  ],
};

interface RunOptions {
  kind?: 'exec' | 'attach';
  /** Chunks written to stdin, which then closes; undefined = stdin not attached. */
  stdin?: Array<string | Buffer>;
  tty?: boolean;
  podGone?: AbortSignal;
  clientGone?: AbortSignal;
}

async function run(command: string[], options: RunOptions = {}) {
  const tty = options.tty ?? false;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const output = { stdout: '', stderr: '' };
  const stdoutBytes: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => {
    stdoutBytes.push(chunk);
    output.stdout += chunk.toString();
  });
  stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const stdin =
    options.stdin === undefined ? null : Readable.from(options.stdin.map((chunk) => Buffer.from(chunk)));
  const ctx: PodStreamContext = {
    pod,
    container: 'api',
    query: new URLSearchParams(),
    podGone: options.podGone ?? new AbortController().signal,
    logIntervalMs: 20,
  };
  const outcome = await runExecSession(
    options.kind ?? 'exec',
    ctx,
    { command, stdin: stdin !== null, stdout: true, stderr: !tty, tty },
    { stdin, stdout, stderr: tty ? null : stderr },
    options.clientGone ?? new AbortController().signal,
  );
  return { outcome, ...output, stdoutBytes: Buffer.concat(stdoutBytes) };
}

describe('simulated container commands', () => {
  it('echo prints its arguments joined by spaces', async () => {
    expect(await run(['echo', 'hello', 'world'])).toMatchObject({
      outcome: { type: 'exit', code: 0 },
      stdout: 'hello world\n',
      stderr: '',
    });
    expect((await run(['/bin/echo', '-n', 'x'])).stdout).toBe('x');
  });

  it('cat copies stdin byte for byte until stdin closes', async () => {
    const binary = Buffer.from([0, 255, 10, 13, 1]);
    const result = await run(['cat'], { stdin: ['line one\n', binary, 'tail'] });
    expect(result.outcome).toEqual({ type: 'exit', code: 0 });
    expect(result.stdoutBytes).toEqual(
      Buffer.concat([Buffer.from('line one\n'), binary, Buffer.from('tail')]),
    );
  });

  it('cat without stdin ends at once, and reads the few files a container has', async () => {
    expect((await run(['cat'])).outcome).toEqual({ type: 'exit', code: 0 });
    expect((await run(['cat', '/etc/hostname'])).stdout).toBe('api-1\n');
    const missing = await run(['cat', '/etc/shadow']);
    expect(missing.outcome).toEqual({ type: 'exit', code: 1 });
    expect(missing.stderr).toBe("cat: can't open '/etc/shadow': No such file or directory\n");
  });

  it('env shows the container env, the hostname and the in-cluster service variables', async () => {
    const lines = (await run(['env'])).stdout.split('\n');
    expect(lines).toContain('LOG_LEVEL=debug');
    expect(lines).toContain('HOSTNAME=api-1');
    expect(lines).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
    expect(lines).toContain('KUBERNETES_SERVICE_PORT=443');
    expect((await run(['hostname'])).stdout).toBe('api-1\n');
  });

  it('sh -c exits with the status the script asks for', async () => {
    expect((await run(['sh', '-c', 'exit 3'])).outcome).toEqual({ type: 'exit', code: 3 });
    const both = await run(['sh', '-c', 'echo x; exit 4']);
    expect(both).toMatchObject({ outcome: { type: 'exit', code: 4 }, stdout: 'x\n' });
    expect((await run(['/bin/sh', '-c', 'true'])).outcome).toEqual({ type: 'exit', code: 0 });
    expect((await run(['false'])).outcome).toEqual({ type: 'exit', code: 1 });
  });

  it('sh supports &&, ||, $?, variables and redirection to stderr', async () => {
    expect((await run(['sh', '-c', 'false; echo $?'])).stdout).toBe('1\n');
    expect((await run(['sh', '-c', 'echo a && false || echo b'])).stdout).toBe('a\nb\n');
    expect((await run(['sh', '-c', 'X=1; export Y="two words"; echo "$X ${Y}" $LOG_LEVEL'])).stdout).toBe(
      '1 two words debug\n',
    );
    const redirected = await run(['sh', '-c', 'echo oops >&2; echo fine']);
    expect(redirected).toMatchObject({ stdout: 'fine\n', stderr: 'oops\n' });
    expect((await run(['sh', '-c', "echo 'unterminated"])).outcome).toEqual({ type: 'exit', code: 2 });
  });

  it('sh reports programs it cannot find with status 127', async () => {
    const result = await run(['sh', '-c', 'nosuch --flag']);
    expect(result).toMatchObject({ outcome: { type: 'exit', code: 127 }, stderr: 'sh: nosuch: not found\n' });
  });

  it('an unknown program fails to start with the runtime error containerd gives', async () => {
    const { outcome, stdout } = await run(['nosuch']);
    expect(stdout).toBe('');
    expect(outcome).toMatchObject({ type: 'runtime-error' });
    expect(outcome).toMatchObject({
      message: expect.stringMatching(
        /^failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in \$PATH: unknown$/,
      ),
    });
    expect((await run(['/opt/app/run'])).outcome).toMatchObject({
      message: expect.stringContaining('exec: "/opt/app/run": stat /opt/app/run: no such file or directory'),
    });
  });

  it('sh without -c runs the script it reads on stdin, and stops at exit', async () => {
    const result = await run(['sh'], { stdin: ['echo one\nexi', 't 7\necho never\n'] });
    expect(result).toMatchObject({ outcome: { type: 'exit', code: 7 }, stdout: 'one\n' });
  });

  it('a command run by sh reads the rest of the same stdin', async () => {
    const result = await run(['sh'], { stdin: ['cat\nrest of input\n'] });
    expect(result.stdout).toBe('rest of input\n');
  });

  it('with a TTY, sh prompts, echoes keystrokes, honours backspace and writes CRLF', async () => {
    const result = await run(['sh'], { tty: true, stdin: ['ecx\x7fho hi\r', 'exit 5\r'] });
    expect(result.outcome).toEqual({ type: 'exit', code: 5 });
    expect(result.stdout).toBe('/ # ecx\b \bho hi\r\nhi\r\n/ # exit 5\r\n');
  });

  it('with a TTY, Ctrl-C interrupts cat and Ctrl-D ends input', async () => {
    expect((await run(['cat'], { tty: true, stdin: ['abc\r', '\x03'] })).outcome).toEqual({
      type: 'exit',
      code: 130,
    });
    const eof = await run(['cat'], { tty: true, stdin: ['abc\r\x04'] });
    expect(eof).toMatchObject({ outcome: { type: 'exit', code: 0 }, stdout: 'abc\r\nabc\r\n' });
  });

  it('attach with stdin echoes each line back and ends when stdin closes', async () => {
    const result = await run([], { kind: 'attach', stdin: ['hello\nwor', 'ld\n'] });
    expect(result).toMatchObject({ outcome: { type: 'exit', code: 0 }, stdout: 'hello\nworld\n' });
  });

  it('attach without stdin shows the log lines the container writes until the pod is deleted', async () => {
    const podGone = new AbortController();
    setTimeout(() => podGone.abort(), 150);
    const result = await run([], { kind: 'attach', podGone: podGone.signal });
    expect(result.outcome).toEqual({ type: 'exit', code: 137 });
    const lines = result.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toMatch(/^\S+Z pod web\/api-1 container api: line \d+$/);
  });

  it('a process killed by pod deletion ends with 137; one whose client left reports nothing', async () => {
    const podGone = new AbortController();
    setTimeout(() => podGone.abort(), 20);
    expect((await run(['sleep', '100'], { podGone: podGone.signal })).outcome).toEqual({
      type: 'exit',
      code: 137,
    });
    const clientGone = new AbortController();
    setTimeout(() => clientGone.abort(), 20);
    expect((await run(['sleep', '100'], { clientGone: clientGone.signal })).outcome).toBeNull();
  });

  it('cat stops pulling stdin while nobody reads its stdout, so nothing piles up in memory', async () => {
    let pulled = 0;
    const chunk = Buffer.alloc(16 * 1024, 'z');
    const stdin = new Readable({
      read() {
        pulled++;
        this.push(pulled <= 200 ? chunk : null);
      },
    });
    const stdout = new PassThrough({ highWaterMark: 16 * 1024 });
    const ctx: PodStreamContext = {
      pod,
      container: 'api',
      query: new URLSearchParams(),
      podGone: new AbortController().signal,
      logIntervalMs: 20,
    };
    const session = runExecSession(
      'exec',
      ctx,
      { command: ['cat'], stdin: true, stdout: true, stderr: false, tty: false },
      { stdin, stdout, stderr: null },
      new AbortController().signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulled).toBeLessThan(20);
    let received = 0;
    stdout.on('data', (data: Buffer) => (received += data.length));
    expect(await session).toEqual({ type: 'exit', code: 0 });
    expect(received).toBe(200 * chunk.length);
  });
});
