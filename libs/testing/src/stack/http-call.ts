import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpReply {
  status: number;
  location?: string;
  text: string;
  /** The body as JSON; empty for redirects and other bodies that are not JSON. */
  json: Record<string, unknown>;
}

export interface HttpCallOptions {
  /** The CA an https:// URL's certificate must chain to (the stack's private CA). */
  caPem?: string;
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as a bearer token. */
  token?: string;
}

/**
 * One HTTP(S) request on a connection of its own (behind a load balancer each is placed anew), never
 * following redirects; rejects only when no HTTP answer came at all.
 */
export function httpCall(url: string, options: HttpCallOptions = {}): Promise<HttpReply> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        ...(options.caPem ? { ca: options.caPem } : {}),
        agent: false,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('error', reject);
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // redirects and plain-text or HTML answers carry no JSON
          }
          resolve({
            status: res.statusCode ?? 0,
            ...(res.headers.location ? { location: res.headers.location } : {}),
            text,
            json,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
