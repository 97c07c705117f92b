/**
 * The broker replicas from DNS (TETHER_AGENT_BROKER_PEERS_DNS): every address of a headless Service, as
 * `https://<address>:<port>`, looked up again every interval. A failed lookup keeps the last set.
 */
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';

export interface DnsReplicaSourceOptions {
  /** `host` or `host:port`. */
  name: string;
  /** Used when `name` has no port: BROKER_URL's. */
  defaultPort: string;
  /** The path of BROKER_URL, kept on every replica URL. */
  path: string;
  intervalMs: number;
  onReplicas: (urls: string[]) => void;
  logger: Logger;
  resolve?: (host: string) => Promise<string[]>;
}

export class DnsReplicaSource {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private readonly host: string;
  private readonly port: string;
  private readonly resolve: (host: string) => Promise<string[]>;

  constructor(private readonly options: DnsReplicaSourceOptions) {
    const [host, port] = options.name.split(':') as [string, string | undefined];
    this.host = host;
    this.port = port ?? options.defaultPort;
    this.resolve =
      options.resolve ??
      (async (name) => (await lookup(name, { all: true })).map((address) => address.address));
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    let addresses: string[];
    try {
      addresses = await this.resolve(this.host);
    } catch (error) {
      if (!this.failing)
        this.options.logger.warn(
          { name: this.host, err: (error as Error).message },
          'could not look up the broker replicas in DNS; keeping the ones known',
        );
      this.failing = true;
      return;
    }
    this.failing = false;
    const path = this.options.path.replace(/\/+$/, '');
    const urls = [...new Set(addresses)]
      .sort()
      .map((address) => `https://${address.includes(':') ? `[${address}]` : address}:${this.port}${path}`);
    if (urls.length > 0) this.options.onReplicas(urls);
  }
}
