import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CliError } from '../errors/cli-error.js';
import { BrokerClient } from './broker-client.js';
import { EventStreamParser } from './event-stream-parser.js';
import { explainNetworkError } from './network-errors.js';

/**
 * The part of an audit event (`audit.k8s.io/v1` Event, see libs/audit/src/audit-event.ts) the CLI
 * reads for its table; `-o json`/`jsonl` print the events exactly as the API sent them.
 */
export interface AuditEventView {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    subresource?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number; message?: string };
  requestReceivedTimestamp: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
}

export interface AuditPageView {
  items: AuditEventView[];
  nextCursor?: string;
}

export interface AuditApiOptions {
  /** The broker's private CA, trusted for the auditor too. */
  caPem?: string;
  /** Set when the broker named an auditor; otherwise the broker serves the API itself. */
  auditUrl?: string;
  timeoutMs?: number;
}

export interface TailHandlers {
  signal: AbortSignal;
  /** A promise back means "wait": reading stops until it settles (stdout into a slow pipe). */
  onEvent: (event: AuditEventView) => void | Promise<void>;
  /** The stream answered 200 and is open. */
  onOpen?: () => void;
  onWarning?: (message: string) => void;
  /** Any bytes arrived, heartbeats included. */
  onData?: () => void;
  /** No byte (not even a heartbeat) for this long counts as a dropped connection. */
  idleMs: number;
}

/** Why one tail connection ended without an error: the server closed it, or Ctrl-C. */
export type TailEnd = 'closed' | 'aborted';

/** Longest error body read from a refused stream request. */
const maxErrorBody = 64 * 1024;

/**
 * The audit log's search and tail endpoints: on the auditor the broker names in `/auth/config`
 * (`auditUrl`), else on the broker. `accessToken` is asked before every request, so a long tail that
 * reconnects uses a refreshed token.
 */
export class AuditApi {
  readonly base: string;
  readonly label: string;
  private readonly client: BrokerClient;

  constructor(
    broker: string,
    private readonly accessToken: () => Promise<string>,
    private readonly options: AuditApiOptions = {},
  ) {
    this.base = options.auditUrl ?? broker;
    this.label = options.auditUrl ? `the auditor at ${options.auditUrl}` : `the broker at ${broker}`;
    this.client = new BrokerClient(this.base, {
      label: this.label,
      timeoutMs: options.timeoutMs ?? 30_000,
      ...(options.caPem ? { caPem: options.caPem } : {}),
    });
  }

  /** One page of events, newest first. */
  async page(query: URLSearchParams, limit: number, cursor?: string): Promise<AuditPageView> {
    const params = new URLSearchParams(query);
    params.set('limit', String(limit));
    if (cursor) params.set('cursor', cursor);
    const url = `${this.base}/api/audit/events?${params.toString()}`;
    const response = await this.client.send('GET', url, undefined, await this.accessToken());
    if (response.status !== 200) throw this.refusal(url, response.status, response.body);
    const body = parseJson(response.body) as Partial<AuditPageView> | undefined;
    if (!Array.isArray(body?.items))
      throw new CliError('broker_error', `${url} did not answer a page of audit events`);
    return {
      items: body.items,
      ...(typeof body.nextCursor === 'string' && body.nextCursor ? { nextCursor: body.nextCursor } : {}),
    };
  }

  /**
   * One live-tail connection: resolves when the server ends the stream or the signal aborts; rejects
   * with a CliError when it is refused (401, 403, 400: reconnecting will not help) or drops
   * (`broker_unreachable`, `broker_error`: it may).
   */
  async tail(query: URLSearchParams, handlers: TailHandlers): Promise<TailEnd> {
    if (handlers.signal.aborted) return 'aborted';
    const url = `${this.base}/api/audit/tail?${query.toString()}`;
    const token = await this.accessToken();
    const target = new URL(url);
    const transport = target.protocol === 'https:' ? https : http;
    return new Promise<TailEnd>((resolve, reject) => {
      let settled = false;
      let opened = false;
      // Before the answer a failure is about reaching the server; after it, about losing the stream.
      const failure = (error: unknown): CliError =>
        opened
          ? new CliError(
              'broker_unreachable',
              `lost the stream from ${this.label} (${error instanceof Error ? error.message : String(error)})`,
            )
          : explainNetworkError(error, url);
      const settle = (end: TailEnd | CliError) => {
        if (settled) return;
        settled = true;
        handlers.signal.removeEventListener('abort', onAbort);
        request.destroy();
        if (end instanceof CliError) reject(end);
        else resolve(end);
      };
      const onAbort = () => settle('aborted');
      const request = transport.request(
        target,
        {
          method: 'GET',
          headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
          agent: false,
          ...(this.options.caPem ? { ca: this.options.caPem } : {}),
        },
        (response) => {
          if (response.statusCode !== 200 || !isEventStream(response)) {
            const status = response.statusCode ?? 0;
            readBody(response).then(
              (body) =>
                settle(
                  status === 200
                    ? new CliError(
                        'broker_error',
                        `${url} answered ${response.headers['content-type'] ?? 'something'}, not an event stream`,
                      )
                    : this.refusal(url, status, body),
                ),
              (error: unknown) => settle(failure(error)),
            );
            return;
          }
          opened = true;
          handlers.onOpen?.();
          const parser = new EventStreamParser();
          // Events wait here while the reader is slow; reading pauses meanwhile, so the server holds
          // the tail back instead of this process buffering without bound.
          const queue: AuditEventView[] = [];
          let waiting = false;
          let ended = false;
          const pump = () => {
            while (queue.length > 0 && !waiting && !settled) {
              const pending = handlers.onEvent(queue.shift() as AuditEventView);
              if (!pending) continue;
              waiting = true;
              response.pause();
              request.setTimeout(0); // waiting for our reader is not the server's silence
              pending.then(
                () => {
                  waiting = false;
                  request.setTimeout(handlers.idleMs);
                  response.resume();
                  pump();
                },
                (error: unknown) => settle(new CliError('broker_error', `output failed: ${String(error)}`)),
              );
            }
            if (ended && queue.length === 0 && !waiting) settle('closed');
          };
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            handlers.onData?.();
            try {
              for (const message of parser.push(chunk)) {
                if (message.event !== 'audit') continue;
                const event = parseJson(message.data) as AuditEventView | undefined;
                if (typeof event?.auditID === 'string') queue.push(event);
                else
                  handlers.onWarning?.(
                    `skipped an event that is not an audit event: ${message.data.slice(0, 80)}`,
                  );
              }
            } catch (error) {
              settle(new CliError('broker_error', `${url}: ${(error as Error).message}`));
            }
            pump();
          });
          response.on('end', () => {
            ended = true;
            pump();
          });
          response.on('error', (error) => settle(failure(error)));
          response.on('close', () => {
            if (!response.complete) settle(failure(new Error('the connection closed mid-stream')));
          });
        },
      );
      request.setTimeout(handlers.idleMs, () => {
        const error = Object.assign(
          new Error(`nothing received for ${Math.round(handlers.idleMs / 1000)} s`),
          {
            code: 'ERR_TETHER_TIMEOUT',
          },
        );
        request.destroy(error);
      });
      request.on('error', (error) => settle(failure(error)));
      handlers.signal.addEventListener('abort', onAbort, { once: true });
      request.end();
    });
  }

  private refusal(url: string, status: number, raw: string): CliError {
    const body = (parseJson(raw) ?? {}) as {
      error?: unknown;
      error_description?: unknown;
      message?: unknown;
    };
    const description =
      typeof body.error_description === 'string'
        ? body.error_description
        : typeof body.message === 'string'
          ? body.message
          : raw.slice(0, 200).trim() || `HTTP ${status}`;
    switch (status) {
      case 401:
        return new CliError(
          'login_required',
          `${this.label} did not accept your sign-in (${description})`,
          'Run: tether login',
        );
      case 403:
        return new CliError(
          'forbidden',
          `${this.label} refused: ${description}`,
          'Your groups come from your identity provider when you sign in: once you are in the group, run tether login again.',
        );
      case 400:
        return new CliError('usage', `${this.label} refused the filters: ${description}`);
      case 404:
        return new CliError(
          'broker_error',
          `${url} answered 404: ${description}`,
          this.options.auditUrl
            ? 'The broker names this auditor in /auth/config (TETHER_BROKER_AUDITOR_URL); check that it is the auditor.'
            : 'This broker names no auditor (TETHER_BROKER_AUDITOR_URL) and serves no audit log itself; ask its operator.',
        );
      default:
        return new CliError('broker_error', `${url} failed with HTTP ${status}: ${description}`);
    }
  }
}

function isEventStream(response: IncomingMessage): boolean {
  return (response.headers['content-type'] ?? '').startsWith('text/event-stream');
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < maxErrorBody) body += chunk;
    });
    response.on('end', () => resolve(body));
    response.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
