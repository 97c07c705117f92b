/**
 * Coalesces reconcile requests per key and runs them on a later turn of the event loop, so clients see
 * the same ADDED-then-MODIFIED sequence a real controller produces.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopped = false;

  constructor(private readonly reconcile: (key: string) => void) {}

  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        this.reconcile(key);
      } catch {
        // The object changed underneath (deleted, namespace gone): the next change event retries.
      }
    }
  }
}

export function queueKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}

export function splitQueueKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
