import { auditQuery, type AuditFilterOptions } from '../audit/audit-filters.js';
import type { TailEnd } from '../broker/audit-api.js';
import { CliError, type CliErrorCode } from '../errors/cli-error.js';
import { AuditTable, auditEventRow } from '../output/audit-event-text.js';
import { auditApiFor } from './audit-session.js';
import type { CommandContext } from './command-context.js';

export interface AuditTailOptions extends Omit<AuditFilterOptions, 'since' | 'until'> {
  broker?: string;
  output?: string;
}

/** The server sends a heartbeat every 15 s: three missed ones mean the connection is gone. */
const idleMs = 45_000;
const firstRetryMs = 1000;
const maxRetryMs = 30_000;
const stableMs = 30_000;
/** Dropped connections and server failures are worth retrying; refusals (401, 403, 400) are not. */
const retryable = new Set<CliErrorCode>(['broker_unreachable', 'broker_error']);

/**
 * `tether audit tail`: matching events as they are stored, until Ctrl-C (exit 0). A connection that
 * drops after it was open is made again with backoff, and stderr names the gap to search.
 */
export async function auditTailCommand(ctx: CommandContext, options: AuditTailOptions): Promise<void> {
  const query = auditQuery(options, ctx.now());
  const api = await auditApiFor(ctx, options.broker);
  const jsonl = options.output === 'jsonl';
  const table = AuditTable.forTail();
  const { signal, release } = interruption(ctx);
  let everOpen = false;
  let failures = 0;
  let openedAt = 0;
  // The last byte from the server: a silent connection is noticed only idleMs later, and what was
  // stored since that byte is what the reconnected tail cannot show.
  let lastHeard = 0;
  let lostAt: number | undefined;
  try {
    for (;;) {
      let why: string;
      try {
        const end: TailEnd = await api.tail(query, {
          signal,
          idleMs,
          onOpen: () => {
            if (lostAt !== undefined) {
              const since = new Date(lostAt).toISOString();
              ctx.io.err(
                `tether: audit tail: reconnected; events stored while disconnected are not replayed: tether audit search --since ${since}\n`,
              );
            } else ctx.io.err(`Following the audit log from ${api.label}; Ctrl-C stops.\n`);
            everOpen = true;
            openedAt = lastHeard = ctx.now();
            lostAt = undefined;
          },
          onData: () => (lastHeard = ctx.now()),
          onEvent: (event) => {
            ctx.io.out(jsonl ? `${JSON.stringify(event)}\n` : table.lines([auditEventRow(event)]));
            return ctx.io.outBacklog?.();
          },
          onWarning: (message) => ctx.io.err(`tether: audit tail: ${message}\n`),
        });
        if (end === 'aborted') return;
        why = `${api.label} closed the stream`;
      } catch (error) {
        // Before the first answer a failure is the person's to fix (URL, network, sign-in): no retry.
        if (!(error instanceof CliError) || !retryable.has(error.code) || !everOpen) throw error;
        why = error.message;
      }
      lostAt ??= lastHeard;
      // Only a connection that stayed up a while resets the backoff: one that opens and drops at
      // once (a proxy, a crashing auditor) must not be hammered every second.
      if (openedAt > 0 && ctx.now() - openedAt >= stableMs) failures = 0;
      openedAt = 0;
      const delay = backoffMs(failures++);
      ctx.io.err(`tether: audit tail: ${why}; reconnecting in ${Math.round(delay / 100) / 10} s\n`);
      if (!(await pause(delay, signal))) return;
    }
  } finally {
    release();
  }
}

/** 1 s, 2 s, 4 s … up to 30 s, each less up to a fifth at random so many tails do not return in step. */
export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(maxRetryMs, firstRetryMs * 2 ** Math.min(failures, 15));
  return Math.round(base * (1 - random() * 0.2));
}

function interruption(ctx: CommandContext): { signal: AbortSignal; release: () => void } {
  if (ctx.interrupt) return { signal: ctx.interrupt, release: () => undefined };
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}

/** Waits `ms`; false when the signal aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
