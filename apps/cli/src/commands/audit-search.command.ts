import { auditQuery, type AuditFilterOptions } from '../audit/audit-filters.js';
import type { AuditEventView } from '../broker/audit-api.js';
import { CliError } from '../errors/cli-error.js';
import { AuditTable, auditEventRow } from '../output/audit-event-text.js';
import { auditApiFor } from './audit-session.js';
import type { CommandContext } from './command-context.js';

export interface AuditSearchOptions extends AuditFilterOptions {
  broker?: string;
  output?: string;
  limit?: string;
  all?: boolean;
}

/** The API's largest page. */
const maxPageSize = 1000;
export const defaultSearchLimit = 50;

/**
 * `tether audit search`: events matching the filters, newest first, printed page by page as they
 * arrive, following the API's cursors until `--limit` events are printed (or, with `--all`, to the end).
 */
export async function auditSearchCommand(ctx: CommandContext, options: AuditSearchOptions): Promise<void> {
  const limit = limitOf(options);
  const query = auditQuery(options, ctx.now());
  const api = await auditApiFor(ctx, options.broker);
  const printer = printerFor(ctx, options.output ?? 'table');
  let printed = 0;
  let cursor: string | undefined;
  let more = false;
  for (;;) {
    const page = await api.page(query, Math.min(maxPageSize, limit - printed), cursor);
    const items = page.items.slice(0, limit - printed);
    printer.write(items);
    printed += items.length;
    // A cursor that does not move (or an empty page with a cursor) would loop for ever.
    const next = items.length > 0 && page.nextCursor !== cursor ? page.nextCursor : undefined;
    if (next === undefined) break;
    if (printed >= limit) {
      more = true;
      break;
    }
    cursor = next;
  }
  printer.end();
  if (printed === 0) ctx.io.err('No audit events match.\n');
  else if (more && (options.output ?? 'table') === 'table')
    ctx.io.err(`The newest ${printed} shown; more match (--limit N, or --all).\n`);
}

function limitOf(options: AuditSearchOptions): number {
  if (options.all) {
    if (options.limit !== undefined) throw new CliError('usage', '--limit and --all do not go together');
    return Number.POSITIVE_INFINITY;
  }
  if (options.limit === undefined) return defaultSearchLimit;
  if (!/^\d+$/.test(options.limit) || Number(options.limit) < 1)
    throw new CliError('usage', `--limit must be a whole number above 0, not "${options.limit}"`);
  return Number(options.limit);
}

interface Printer {
  write(events: AuditEventView[]): void;
  end(): void;
}

function printerFor(ctx: CommandContext, output: string): Printer {
  switch (output) {
    case 'json': {
      // One array, written as pages arrive so --all never holds the whole log in memory.
      let first = true;
      return {
        write: (events) => {
          for (const event of events) {
            ctx.io.out(`${first ? '[\n' : ',\n'}${JSON.stringify(event)}`);
            first = false;
          }
        },
        end: () => ctx.io.out(first ? '[]\n' : '\n]\n'),
      };
    }
    case 'jsonl':
      return {
        write: (events) => {
          if (events.length > 0) ctx.io.out(`${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
        },
        end: () => undefined,
      };
    default: {
      let table: AuditTable | undefined;
      return {
        write: (events) => {
          const rows = events.map(auditEventRow);
          table ??= AuditTable.fittedTo(rows);
          ctx.io.out(table.lines(rows));
        },
        end: () => undefined,
      };
    }
  }
}
