import { Client, type ClientConfig } from 'pg';
import {
  checkChannelName,
  type NotificationHandlers,
  type NotificationSubscription,
} from './sql-notifications';

export interface PgListenerOptions {
  /** How often the idle listening connection is checked, so a silently dead one is noticed. */
  pingIntervalMs?: number;
  /** First delay before reconnecting; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to other queries). When that
 * connection fails, or stops answering its periodic ping, it is replaced with backoff, and the
 * subscriber hears `onResume` once it listens again.
 */
export class PgNotificationListener implements NotificationSubscription {
  private client: Client | undefined;
  private closed = false;
  private retryMs: number;
  private readonly ping: NodeJS.Timeout;
  private reconnect: NodeJS.Timeout | undefined;

  private constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly handlers: NotificationHandlers,
    private readonly options: Required<PgListenerOptions>,
  ) {
    this.retryMs = options.retryMs;
    this.ping = setInterval(() => this.checkAlive(), options.pingIntervalMs);
    this.ping.unref();
  }

  /** Resolves once listening; rejects (and retries nothing) when the first connection fails. */
  static async start(
    config: ClientConfig,
    channel: string,
    handlers: NotificationHandlers,
    options: PgListenerOptions = {},
  ): Promise<PgNotificationListener> {
    const listener = new PgNotificationListener(config, checkChannelName(channel), handlers, {
      pingIntervalMs: options.pingIntervalMs ?? 5_000,
      retryMs: options.retryMs ?? 100,
      maxRetryMs: options.maxRetryMs ?? 5_000,
    });
    try {
      await listener.connect();
    } catch (error) {
      await listener.close();
      throw error;
    }
    return listener;
  }

  /** The backend pid of the listening connection (tests terminate it to simulate a network loss). */
  async backendPid(): Promise<number | undefined> {
    const rows = await this.client?.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return rows?.rows[0]?.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.ping);
    clearTimeout(this.reconnect);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    // Named after its channel, so an operator (or a test) can tell listeners apart in pg_stat_activity.
    const client = new Client({
      application_name: `listen ${this.channel}`.slice(0, 63),
      ...this.config,
      keepAlive: true,
      query_timeout: 10_000,
    });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.handlers.onNotify(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private checkAlive(): void {
    const client = this.client;
    client?.query('SELECT 1').catch((error: unknown) => this.lost(client, error as Error));
  }

  private lost(client: Client, error: Error): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.handlers.onError?.(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.reconnect = setTimeout(() => {
      this.connect().then(
        () => {
          if (this.closed) return;
          this.retryMs = this.options.retryMs;
          this.handlers.onResume?.();
        },
        (error: unknown) => {
          this.handlers.onError?.(error as Error);
          this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs);
          this.scheduleReconnect();
        },
      );
    }, this.retryMs);
    this.reconnect.unref();
  }
}
