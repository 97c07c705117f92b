import { AuthError } from './auth.errors';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The CLI's callback (RFC 8252 §7.3): plain http on a loopback address, any port, path /callback only. */
export function checkLoopbackRedirect(value: string | undefined): URL {
  let url: URL;
  try {
    url = new URL(value ?? '');
  } catch {
    throw new AuthError('invalid_request', 'redirect_uri must be an absolute URL');
  }
  const ok =
    url.protocol === 'http:' &&
    loopbackHosts.has(url.hostname) &&
    url.port !== '' &&
    url.pathname === '/callback' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  if (!ok) throw new AuthError('invalid_request', 'redirect_uri must be http://127.0.0.1:<port>/callback');
  return url;
}
