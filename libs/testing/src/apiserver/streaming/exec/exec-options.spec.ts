import { parseExecOptions } from './exec-options.js';

describe('exec query options', () => {
  it('collects repeated command parameters in order and Go-style booleans', () => {
    const query = new URLSearchParams(
      'command=sh&command=-c&command=echo+a+b&stdin=true&stdout=1&stderr=True&container=c',
    );
    expect(parseExecOptions(query)).toEqual({
      command: ['sh', '-c', 'echo a b'],
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
  });

  it('merges stderr into the terminal when a TTY is requested', () => {
    expect(parseExecOptions(new URLSearchParams('stdout=true&stderr=true&tty=true'))).toMatchObject({
      stderr: false,
      tty: true,
    });
  });
});
