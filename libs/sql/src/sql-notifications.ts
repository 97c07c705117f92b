/** What a listener on a notification channel is told. */
export interface NotificationHandlers {
  onNotify(payload: string): void;
  /**
   * The listening connection was lost and is listening again: notifications sent in between are lost,
   * so anything cached from them may be stale.
   */
  onResume?(): void;
  /** The listening connection failed (it is being re-established); for the log. */
  onError?(error: Error): void;
}

export interface NotificationSubscription {
  close(): Promise<void>;
}

/** Channel names stay plain lowercase identifiers: LISTEN folds case, pg_notify does not. */
export function checkChannelName(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel))
    throw new Error(`notification channel '${channel}' must be a lowercase identifier of at most 63 bytes`);
  return channel;
}
