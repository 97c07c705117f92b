import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequestStatus, type Status } from '@tether/kube';
import { abortableDelay } from '../abortable-delay.js';
import type { PodStreamContext } from '../pod-view.js';
import { waitForDrain } from '../process/output-sink.js';
import { ContainerLog, type LogLine } from './container-log.js';
import { parseLogOptions, type LogOptions } from './log-options.js';

/**
 * GET .../pods/P/log: the container's simulated output (see ContainerLog) as text/plain, chunked.
 * With follow=true each new line is written as it appears until the client leaves or the pod is
 * deleted; then the response ends cleanly, as when a container stops.
 */
export function serveLogs(ctx: PodStreamContext, _req: IncomingMessage, res: ServerResponse): void {
  const parsed = parseLogOptions(ctx.query);
  if (!parsed.ok) return writeStatus(res, badRequestStatus(parsed.message));
  if (parsed.options.previous) {
    const message = `previous terminated container "${ctx.container}" in pod "${ctx.pod.name}" not found`;
    return writeStatus(res, badRequestStatus(message));
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  const clientGone = new AbortController();
  res.on('close', () => clientGone.abort());
  const stop = AbortSignal.any([ctx.podGone, clientGone.signal]);
  streamLog(ctx, parsed.options, res, stop).then(
    () => {
      if (!res.destroyed) res.end();
    },
    () => res.destroy(),
  );
}

async function streamLog(ctx: PodStreamContext, options: LogOptions, res: ServerResponse, stop: AbortSignal) {
  const log = new ContainerLog(ctx.pod, ctx.container, ctx.logIntervalMs);
  const writer = new LogWriter(res, options);
  const now = Date.now();
  const last = log.lastIndexAt(now);
  let first = log.firstIndexAt(now);
  if (options.since !== undefined) while (first <= last && log.timeOf(first) < options.since) first++;
  if (options.tailLines !== undefined) first = Math.max(first, last - options.tailLines + 1);

  for (let index = first; index <= last && !writer.full && !stop.aborted; index++)
    await writer.write(log.line(index));
  if (!options.follow) return;
  for (let next = last + 1; !writer.full && !stop.aborted; next++) {
    await abortableDelay(log.timeOf(next) - Date.now(), stop);
    if (!stop.aborted) await writer.write(log.line(next));
  }
}

/** Formats lines like the kubelet and stops at limitBytes, cutting the last line if it must. */
class LogWriter {
  private remaining: number;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: LogOptions,
  ) {
    this.remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  get full(): boolean {
    return this.remaining <= 0 || this.res.destroyed;
  }

  async write(line: LogLine): Promise<void> {
    const prefix = this.options.timestamps ? `${rfc3339NanoFixed(line.time)} ` : '';
    let bytes = Buffer.from(`${prefix}${line.text}\n`, 'utf8');
    if (bytes.length > this.remaining) bytes = bytes.subarray(0, this.remaining);
    this.remaining -= bytes.length;
    if (!this.res.write(bytes)) await waitForDrain(this.res);
  }
}

/** The kubelet's --timestamps format: RFC 3339 with exactly nine fractional digits. */
function rfc3339NanoFixed(time: number): string {
  return new Date(time).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function writeStatus(res: ServerResponse, status: Status): void {
  const body = JSON.stringify(status);
  res.writeHead(status.code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
