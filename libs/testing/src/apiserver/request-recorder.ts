import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './rbac/index.js';

/** What the simulator saw of one request, for tests that assert what reached the "cluster". */
export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  /** Every header line as received, in order: `[name, value]` with the name's original case. */
  headers: Array<[string, string]>;
  /** The user the bearer token belongs to (undefined when authentication failed). */
  authenticatedUser?: UserInfo;
  /** The user the request ran as after impersonation (equal to authenticatedUser without Impersonate-*). */
  effectiveUser?: UserInfo;
  /** Kubernetes verb for resource requests, lower-case method otherwise. */
  verb?: string;
  decision: 'allowed' | 'forbidden' | 'unauthenticated' | 'rejected';
  /** HTTP status sent (101 for a successful upgrade); 0 until the response is finished. */
  statusCode: number;
  receivedAt: string;
}

/** Records every request; `requests` is the live array tests read. */
export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];

  start(req: IncomingMessage): RecordedRequest {
    const headers: Array<[string, string]> = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
      headers.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      decision: 'rejected',
      statusCode: 0,
      receivedAt: new Date().toISOString(),
    };
    this.requests.push(record);
    return record;
  }

  /** Header values of one recorded request, by case-insensitive name, one entry per line. */
  static headerValues(record: RecordedRequest, name: string): string[] {
    const wanted = name.toLowerCase();
    return record.headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
  }

  clear(): void {
    this.requests.length = 0;
  }
}
