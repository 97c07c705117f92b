import { Writable } from 'node:stream';
import { createLogger } from './create-logger.js';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('stamps every line with the service and version', () => {
    const out = capture();
    createLogger({ service: 'broker', version: '1.2.3', destination: out.stream }).info('hello');
    expect(out.lines()[0]).toMatchObject({
      service: 'broker',
      version: '1.2.3',
      level: 'info',
      msg: 'hello',
    });
  });

  it('never writes bearer tokens, cookies or secrets from request headers and credential fields', () => {
    const out = capture();
    const logger = createLogger({ service: 'broker', destination: out.stream });
    logger.info(
      { req: { headers: { authorization: 'Bearer SECRET-1', cookie: 'sid=SECRET-2' } } },
      'request',
    );
    logger.info(
      { session: { refreshToken: 'SECRET-3', user: 'bob' }, oidc: { clientSecret: 'SECRET-4' } },
      'x',
    );
    const written = JSON.stringify(out.lines());
    expect(written).not.toMatch(/SECRET-\d/);
    expect(written).toContain('bob');
    expect(written).toContain('[redacted]');
  });
});
