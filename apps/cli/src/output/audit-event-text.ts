import type { AuditEventView } from '../broker/audit-api.js';

// Annotation keys Tether adds to audit events (tetherAnnotations in libs/audit/src/audit-event.ts;
// a spec checks they match). The CLI does not load that library: it would bring zod and SQL types.
export const auditAnnotations = {
  cluster: 'tether.dev/cluster',
  decision: 'tether.dev/decision',
  rule: 'tether.dev/rule',
  reason: 'tether.dev/reason',
  jitRequestId: 'tether.dev/jit-request-id',
} as const;

export const auditTableHeaders = [
  'TIME',
  'CLUSTER',
  'USER',
  'VERB',
  'RESOURCE',
  'DECISION',
  'CODE',
  'JIT / RULE / REASON',
];

const gap = '  ';
const lineWidth = 120;
/** Widths for a live tail, which cannot look at its rows first: typical events fit, the rest is cut. */
const tailWidths = [14, 10, 17, 6, 28, 8, 4, 19];
/**
 * How a table too wide for 120 columns gives way, in order: [column, narrowest it gets in this step].
 * The resource path and the last column (JIT, rule, reason) first, then the cluster, and the user
 * last: who did it is what an auditor reads the table for. The JIT id prefix comes first in its
 * column, so it is the last thing cut there.
 */
const shrinkSteps: [number, number][] = [
  [4, 24],
  [7, 28],
  [1, 12],
  [4, 20],
  [7, 19],
  [3, 6],
  [2, 16],
];

/** Local time as `MM-DD HH:MM:SS`: short enough for the table, the year is rarely in doubt. */
export function compactLocalTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso.slice(0, 14);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `namespace/resource/name/subresource` of a resource request (parts present only), else the URI path. */
export function auditResource(event: AuditEventView): string {
  const ref = event.objectRef;
  if (ref?.resource) {
    return [ref.namespace, ref.resource, ref.name, ref.subresource].filter((p) => p).join('/');
  }
  return event.requestURI.split('?')[0] || '-';
}

/** The JIT requests whose grants were active (id prefixes), the rule that allowed it, why it was refused. */
export function auditWhy(event: AuditEventView): string {
  const annotations = event.annotations ?? {};
  const jit = (annotations[auditAnnotations.jitRequestId] ?? '')
    .split(',')
    .filter((id) => id)
    .map((id) => id.slice(0, 8));
  const parts = [
    jit.length > 0 ? `jit:${jit.join(',')}` : undefined,
    annotations[auditAnnotations.rule],
    annotations[auditAnnotations.reason],
  ].filter((p): p is string => Boolean(p));
  return parts.join('  ') || '-';
}

export function auditEventRow(event: AuditEventView): string[] {
  const annotations = event.annotations ?? {};
  const code = event.responseStatus?.code;
  return [
    compactLocalTime(event.requestReceivedTimestamp),
    annotations[auditAnnotations.cluster] || '-',
    event.user?.username || '-',
    event.verb || '-',
    auditResource(event),
    annotations[auditAnnotations.decision] || '-',
    code === undefined ? '-' : String(code),
    auditWhy(event),
  ];
}

/**
 * Fixed-width audit rows within 120 columns: `search` fits the widths to its first page, `tail` uses
 * typical widths; longer cells end in `…`. The header is written once, before the first row.
 */
export class AuditTable {
  private headerWritten = false;

  private constructor(private readonly widths: number[]) {}

  static forTail(): AuditTable {
    return new AuditTable(tailWidths);
  }

  /** Each column as wide as its widest cell, narrowed by `shrinkSteps` until the line fits. */
  static fittedTo(rows: readonly string[][]): AuditTable {
    const widths = auditTableHeaders.map((header, i) =>
      Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
    );
    let excess = widths.reduce((sum, w) => sum + w, 0) + gap.length * (widths.length - 1) - lineWidth;
    for (const [column, floor] of shrinkSteps) {
      if (excess <= 0) break;
      const take = Math.min(excess, Math.max(0, (widths[column] as number) - floor));
      widths[column] = (widths[column] as number) - take;
      excess -= take;
    }
    return new AuditTable(widths);
  }

  /** The lines for these rows, preceded by the header the first time. */
  lines(rows: readonly string[][]): string {
    if (rows.length === 0) return '';
    const out = rows.map((row) => this.line(row));
    if (!this.headerWritten) {
      this.headerWritten = true;
      out.unshift(this.line(auditTableHeaders));
    }
    return `${out.join('\n')}\n`;
  }

  private line(cells: readonly string[]): string {
    return cells
      .map((cell, i) => {
        const width = this.widths[i] as number;
        const fitted = cell.length <= width ? cell : `${cell.slice(0, width - 1)}…`;
        return i === cells.length - 1 ? fitted : fitted.padEnd(width);
      })
      .join(gap)
      .trimEnd();
  }
}
