import type { IncomingHttpHeaders } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { BrokerHttpError, CliError } from '../errors/cli-error.js';
import type { CookieJar } from '../login/cookie-jar.js';
import { explainNetworkError } from './network-errors.js';

export interface BrokerClientOptions {
  /** Private CA (PEM) to trust instead of the system roots. */
  caPem?: string;
  timeoutMs?: number;
  /** Who answers, in error messages; defaults to "the broker". */
  label?: string;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** No broker answer the CLI reads is anywhere near this; a larger one is cut off rather than buffered. */
const maxResponseBytes = 4 * 1024 * 1024;

/** A clock more than this far from the broker's gets a warning (it breaks TLS checks sooner or later). */
const skewWarningMs = 60_000;

/** JSON over HTTPS to one broker, with the broker's errors turned into typed `CliError`s. */
export class BrokerClient {
  /** Broker clock minus local clock, from the last response's `Date` header. */
  clockSkewMs: number | undefined;

  constructor(
    readonly broker: string,
    private readonly options: BrokerClientOptions = {},
  ) {}

  getJson<T>(path: string, accessToken?: string): Promise<T> {
    return this.json<T>('GET', path, undefined, accessToken);
  }

  postJson<T>(path: string, body: unknown, accessToken?: string): Promise<T> {
    return this.json<T>('POST', path, body, accessToken);
  }

  deleteJson<T>(path: string, accessToken?: string): Promise<T> {
    return this.json<T>('DELETE', path, undefined, accessToken);
  }

  /** A warning line when this machine's clock is far from the broker's, else undefined. */
  clockSkewWarning(): string | undefined {
    if (this.clockSkewMs === undefined || Math.abs(this.clockSkewMs) < skewWarningMs) return undefined;
    const seconds = Math.round(this.clockSkewMs / 1000);
    return `this computer's clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'behind' : 'ahead of'} the broker's; fix it (enable NTP) before certificates and tokens start failing`;
  }

  private async json<T>(method: string, path: string, body: unknown, accessToken?: string): Promise<T> {
    const url = `${this.broker}${path}`;
    const response = await this.send(method, url, body, accessToken);
    const parsed = parseJson(response.body);
    if (response.status >= 200 && response.status < 300) {
      if (parsed === undefined)
        throw new CliError('broker_error', `${url} answered ${response.status} without JSON`);
      return parsed as T;
    }
    throw brokerError(this.options.label ?? 'the broker', url, response.status, parsed, response.body);
  }

  /** One request, no redirect following; `jar` sends and keeps cookies (the headless --dev-user sign-in). */
  send(
    method: string,
    url: string,
    body?: unknown,
    accessToken?: string,
    jar?: CookieJar,
  ): Promise<RawResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (accessToken) headers.authorization = `Bearer ${accessToken}`;
    const target = new URL(url);
    const cookie = jar?.header(target);
    if (cookie) headers.cookie = cookie;
    const transport = target.protocol === 'https:' ? https : http;
    const started = Date.now();
    return new Promise<RawResponse>((resolve, reject) => {
      const request = transport.request(
        target,
        { method, headers, ...(this.options.caPem ? { ca: this.options.caPem } : {}), agent: false },
        (response) => {
          jar?.store(target, response.headers['set-cookie']);
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxResponseBytes) {
              request.destroy();
              reject(new CliError('broker_error', `${url} sent more than ${maxResponseBytes} bytes`));
            } else chunks.push(chunk);
          });
          response.on('error', (error) => reject(explainNetworkError(error, url)));
          response.on('end', () => {
            this.noteClock(response.headers.date, started);
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
        },
      );
      request.setTimeout(this.options.timeoutMs ?? 10_000, () => {
        const error = Object.assign(new Error('no answer in time'), { code: 'ERR_TETHER_TIMEOUT' });
        request.destroy(error);
      });
      request.on('error', (error) => reject(explainNetworkError(error, url)));
      request.end(payload);
    });
  }

  private noteClock(date: string | undefined, started: number): void {
    const brokerMs = date ? Date.parse(date) : NaN;
    // The Date header has 1 s resolution; compare with the middle of the round trip.
    if (!Number.isNaN(brokerMs)) this.clockSkewMs = brokerMs + 500 - (started + Date.now()) / 2;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function brokerError(
  label: string,
  url: string,
  status: number,
  parsed: unknown,
  raw: string,
): BrokerHttpError {
  const body = (parsed ?? {}) as Record<string, unknown>;
  const oauthError = typeof body.error === 'string' ? body.error : undefined;
  const description =
    typeof body.error_description === 'string'
      ? body.error_description
      : typeof body.message === 'string'
        ? body.message
        : raw.slice(0, 200).trim();
  const text = [oauthError, description].filter(Boolean).join(': ') || `HTTP ${status}`;
  if (status === 401) {
    return new BrokerHttpError(
      'login_required',
      `${label} did not accept your sign-in (${text})`,
      status,
      oauthError,
      'Run: tether login',
    );
  }
  if (status >= 500 || status === 404 || status === 405) {
    return new BrokerHttpError(
      'broker_error',
      `${url} failed with HTTP ${status}: ${text}`,
      status,
      oauthError,
    );
  }
  return new BrokerHttpError('broker_error', `${label} refused: ${text}`, status, oauthError);
}
