import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccountStore } from './account-store.js';
import { approveDevLogin, completeDevLogin, type HeadlessSignInOptions } from './headless-sign-in.js';
import { IdpError } from './idp-error.js';
import { readBody, sendJson } from './request-body.js';

type Json = Record<string, unknown>;

/**
 * Sign-in for scripts, the server side of the CLI's `--dev-user NAME` (which uses it only against a broker
 * in dev mode). The IdP walks its own pages for the named demo user, so the real authorization-code and
 * device flows run; only the person typing is replaced. JSON in, JSON out:
 *
 *   POST /dev/login   {"authorization_url": "<this issuer>/auth?...", "username": "bob"}
 *                     → 200 {"redirect_to": "<redirect_uri>?code=...&state=..."}
 *   POST /dev/device  {"user_code": "BCDF-GHJK", "username": "carol"}
 *                     → 200 {"approved": true}
 *
 * Errors: 400, 404 or 405 {"error": "<code>", "error_description": "..."}.
 */
export class DevLoginEndpoint {
  constructor(
    private readonly issuer: string,
    private readonly accounts: AccountStore,
    private readonly signIn: HeadlessSignInOptions,
  ) {}

  static handles(pathname: string): boolean {
    return pathname === '/dev/login' || pathname === '/dev/device';
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, problem('method_not_allowed', 'use POST'));
    const input = await this.readJson(req);
    if (typeof input === 'string') return sendJson(res, 400, problem('invalid_request', input));
    const username = input['username'];
    if (typeof username !== 'string' || !this.accounts.findByLogin(username)) {
      return sendJson(res, 404, problem('unknown_user', `no demo user ${JSON.stringify(username)}`));
    }
    try {
      if (pathname === '/dev/login') return await this.login(res, input, username);
      return await this.approveDevice(res, input, username);
    } catch (error) {
      if (error instanceof IdpError) return sendJson(res, 400, problem(error.code, error.message));
      throw error;
    }
  }

  private async login(res: ServerResponse, input: Json, username: string): Promise<void> {
    const raw = input['authorization_url'];
    const url = typeof raw === 'string' ? URL.parse(raw) : null;
    if (!url || url.origin !== new URL(this.issuer).origin) {
      return sendJson(
        res,
        400,
        problem('invalid_request', `authorization_url must be a URL of ${this.issuer}`),
      );
    }
    const redirectTo = await completeDevLogin(url, username, this.signIn);
    sendJson(res, 200, { redirect_to: redirectTo.href });
  }

  private async approveDevice(res: ServerResponse, input: Json, username: string): Promise<void> {
    const userCode = input['user_code'];
    if (typeof userCode !== 'string' || userCode === '') {
      return sendJson(res, 400, problem('invalid_request', 'user_code is required'));
    }
    await approveDevLogin(this.issuer, userCode, username, this.signIn);
    sendJson(res, 200, { approved: true });
  }

  private async readJson(req: IncomingMessage): Promise<Json | string> {
    const body = await readBody(req);
    if (body === undefined) return 'body too large';
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
    } catch {
      // reported below, as for any other body that is not a JSON object
    }
    return 'body must be a JSON object';
  }
}

function problem(error: string, description: string): Json {
  return { error, error_description: description };
}
