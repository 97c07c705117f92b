import { CliError } from '../errors/cli-error.js';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The canonical form of a broker URL, used as its key everywhere (config, token file name, kubeconfig):
 * origin plus path without a trailing slash. HTTPS only, except plain HTTP on this machine for local testing.
 */
export function normalizeBrokerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.includes('://') ? input : `https://${input}`);
  } catch {
    throw new CliError(
      'usage',
      `not a valid broker URL: ${input}`,
      'Example: --broker https://tether.example.com',
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHosts.has(url.hostname))) {
    throw new CliError('usage', `the broker URL must use https: ${input}`);
  }
  if (url.search || url.hash || url.username) {
    throw new CliError('usage', `the broker URL must not carry credentials, a query or a fragment: ${input}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** `tether-<host>[-<port>]`: the kubeconfig user entry for one broker. */
export function brokerEntryName(brokerUrl: string): string {
  const url = new URL(brokerUrl);
  const path = url.pathname.replace(/^\/+/, '').replace(/\//g, '-');
  return ['tether', url.hostname.replace(/[[\]]/g, ''), url.port, path].filter(Boolean).join('-');
}
