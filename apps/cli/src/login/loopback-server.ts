import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from '../errors/cli-error.js';

export interface LoopbackReceiver {
  /** `http://127.0.0.1:<port>/callback` (RFC 8252 §7.3). */
  redirectUri: string;
  /** The authorization code, once a callback with the right `state` arrived. */
  code: Promise<string>;
  close(): void;
}

/**
 * Listens on 127.0.0.1 at a free port for the one redirect that ends sign-in. Callbacks with a wrong or
 * missing `state` are answered 400 and ignored, so another local page cannot end or hijack the login.
 */
export async function startLoopbackReceiver(
  expectedState: string,
  timeoutMs = 180_000,
): Promise<LoopbackReceiver> {
  let settle!: { resolve: (code: string) => void; reject: (error: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  code.catch(() => undefined); // the caller may close before awaiting
  const server = createServer((request, response) => {
    const outcome = handleCallback(request, expectedState);
    page(response, outcome.status, outcome.title, outcome.text);
    if (outcome.code !== undefined) settle.resolve(outcome.code);
    if (outcome.error) settle.reject(outcome.error);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const timer = setTimeout(
    () =>
      settle.reject(
        new CliError(
          'login_timeout',
          `sign-in did not finish within ${Math.round(timeoutMs / 1000)} s`,
          'Run tether login again, or use tether login --device on a machine without a browser.',
        ),
      ),
    timeoutMs,
  );
  // Stops listening; the answer already being written still goes out (it says `connection: close`).
  const close = () => {
    clearTimeout(timer);
    server.close();
    server.closeIdleConnections();
    server.unref();
  };
  void code.then(close, close);
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}/callback`, code, close };
}

interface CallbackOutcome {
  status: number;
  title: string;
  text: string;
  code?: string;
  error?: Error;
}

function handleCallback(request: IncomingMessage, expectedState: string): CallbackOutcome {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (request.method !== 'GET' || url.pathname !== '/callback') {
    return {
      status: 404,
      title: 'Not found',
      text: 'This address only receives the Tether sign-in redirect.',
    };
  }
  const params = url.searchParams;
  if (!sameState(params.get('state'), expectedState)) {
    return {
      status: 400,
      title: 'Sign-in not accepted',
      text: 'This answer does not belong to the running tether login.',
    };
  }
  const error = params.get('error');
  if (error) {
    const description = params.get('error_description');
    const text = description ? `${error}: ${description}` : error;
    return {
      status: 400,
      title: 'Sign-in failed',
      text,
      error: new CliError('idp_error', `sign-in failed: ${text}`),
    };
  }
  const code = params.get('code');
  if (!code) return { status: 400, title: 'Sign-in not accepted', text: 'The answer carries no code.' };
  return {
    status: 200,
    title: 'Signed in',
    text: 'You are signed in to Tether. You can close this tab.',
    code,
  };
}

function sameState(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function page(response: ServerResponse, status: number, title: string, text: string): void {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
    connection: 'close',
  });
  response.end(
    `<!doctype html><title>${escape(title)}</title><h1>${escape(title)}</h1><p>${escape(text)}</p>\n`,
  );
}
