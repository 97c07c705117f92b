import { randomUUID } from 'node:crypto';
import type { NotificationSubscription, SqlClient } from '@tether/sql';
import type { Logger } from 'pino';
import {
  type BrokerChange,
  type BrokerChangeType,
  decodeBrokerChange,
  encodeBrokerChange,
} from './broker-change';

type Handler<T extends BrokerChangeType> = (change: Extract<BrokerChange, { type: T }>) => void;

/**
 * The broker replicas' change feed: PostgreSQL LISTEN/NOTIFY on a channel per schema (PGlite's own
 * listen/notify when embedded). `publish` applies a change on this replica at once and tells the
 * others; handlers must be idempotent, since a replica also hears its own notifications. After the
 * listening connection was lost, `onResync` handlers run: whatever was missed meanwhile is unknown,
 * so they drop everything cached.
 */
export class ChangeFeed {
  readonly replicaId = randomUUID();
  private readonly handlers = new Map<BrokerChangeType, Array<(change: BrokerChange) => void>>();
  private readonly resyncHandlers: Array<() => void> = [];
  private subscription: NotificationSubscription | undefined;
  private channel = 'tether_changes';

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Logger,
  ) {}

  /** Listens on the channel of the current schema, so installations sharing a database stay apart. */
  async start(): Promise<void> {
    const [row] = await this.sql.query<{ schema: string }>('SELECT current_schema() AS schema');
    this.channel = channelFor(row?.schema ?? 'public');
    this.subscription = await this.sql.listen(this.channel, {
      onNotify: (payload) => this.receive(payload),
      onError: (error) =>
        this.logger.warn(
          { err: error.message, channel: this.channel },
          'lost the change feed; caches fall back to their expiry until it is back',
        ),
      onResume: () => {
        this.logger.info({ channel: this.channel }, 'change feed back; dropping every cached state');
        this.resync();
      },
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  on<T extends BrokerChangeType>(type: T, handler: Handler<T>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler as (change: BrokerChange) => void);
    this.handlers.set(type, list);
  }

  /** Called after a gap in the feed: treat everything as possibly changed. */
  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  /**
   * Applies the change here now and notifies every replica; never throws. If the notification cannot
   * be sent, the others catch up through their caches' expiry and periodic refreshes.
   */
  publish(change: BrokerChange): void {
    this.dispatch(change);
    let payload: string;
    try {
      payload = encodeBrokerChange(this.replicaId, change);
    } catch (error) {
      this.logger.error({ err: (error as Error).message, change: change.type }, 'cannot notify a change');
      return;
    }
    this.sql.notify(this.channel, payload).catch((error: unknown) => {
      this.logger.warn(
        { err: (error as Error).message, change: change.type },
        'could not notify the other replicas; they pick the change up when their caches expire',
      );
    });
  }

  private receive(payload: string): void {
    const decoded = decodeBrokerChange(payload);
    if (decoded === undefined) {
      this.logger.warn({ channel: this.channel }, 'ignored a change notification that is not one');
      return;
    }
    // Our own changes were applied when published.
    if (decoded.from !== this.replicaId) this.dispatch(decoded.change);
  }

  private dispatch(change: BrokerChange): void {
    for (const handler of this.handlers.get(change.type) ?? [])
      this.safely(() => handler(change), change.type);
  }

  private resync(): void {
    for (const handler of this.resyncHandlers) this.safely(handler, 'resync');
  }

  private safely(run: () => void, what: string): void {
    try {
      run();
    } catch (error) {
      this.logger.error({ err: error, change: what }, 'a change feed handler failed');
    }
  }
}

export function channelFor(schema: string): string {
  return `tether_changes_${schema.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}
