// What the HA end-to-end tests read from the running processes: Prometheus text, JSON over HTTPS on a
// fresh connection each time (httpCall: the load balancer places every request anew), and polling.
export { httpCall as call } from '@tether/testing';

export async function scrape(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return res.text();
}

/** The sum of every series of `name` whose labels include `labels`; 0 when there is none. */
export function total(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]),
    );
    if (Object.entries(labels).every(([key, value]) => pairs[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 45_000,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Asks `probe` until it answers something `done` accepts, starting no try later than `deadlineMs` after
 * `since`; returns every answer seen, the accepted one last, or throws with the last refusal. For "reaches
 * the other replicas within a second": the deadline is the requirement itself, not a guess at CI speed.
 */
export async function within<T>(
  since: number,
  deadlineMs: number,
  probe: () => Promise<T>,
  done: (answer: T) => boolean,
  what: string,
): Promise<T[]> {
  const seen: T[] = [];
  for (;;) {
    const startedMs = Date.now() - since;
    if (startedMs > deadlineMs)
      throw new Error(
        `${what} not within ${deadlineMs} ms (${seen.length} tries): last answer ${JSON.stringify(seen.at(-1))}`,
      );
    const answer = await probe();
    seen.push(answer);
    if (done(answer)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
