import { TunnelClient, type TunnelClientOptions } from '@tether/tunnel';

export type BrokerTunnelOptions = Omit<TunnelClientOptions, 'url' | 'tlsServerName'>;

/**
 * A tunnel client to one broker at `url` (https://, any replica's address), which must present the
 * certificate of `brokerUrl`'s host name: the agent sends its credential to no one else.
 */
export function brokerTunnelClient(
  url: string,
  brokerUrl: string,
  options: BrokerTunnelOptions,
): TunnelClient {
  return new TunnelClient({
    ...options,
    url: tunnelUrl(url),
    tlsServerName: new URL(brokerUrl).hostname.replace(/^\[(.*)\]$/, '$1'),
  });
}

/** `https://host/prefix` → `wss://host/prefix/tunnel/v1`. */
export function tunnelUrl(brokerUrl: string): string {
  const url = new URL(brokerUrl);
  url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/tunnel/v1`;
  return url.toString();
}
