import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionDetails } from 'oidc-provider';
import type { AccountStore } from './account-store.js';
import { escapeHtml, htmlPage } from './html-page.js';
import { loginPage } from './login-page.js';
import { readBody, sendHtml } from './request-body.js';

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

/** An oidc-provider error (session not found, expired interaction...) carries an HTTP status and a description. */
interface OidcError {
  statusCode?: number;
  error_description?: string;
}

/**
 * The dev IdP's sign-in pages under `/interaction/<uid>`: a login form for the demo users and consent
 * granted on the user's behalf, since every registered client is a first-party dev client.
 *
 *   GET  /interaction/<uid>        login form (or, when already signed in, consent granted at once)
 *   POST /interaction/<uid>/login  username + password (the demo password) → back to oidc-provider
 *   POST /interaction/<uid>/abort  the client receives `access_denied`
 */
export class InteractionRouter {
  constructor(
    private readonly provider: Provider,
    private readonly accounts: AccountStore,
    private readonly password: string,
  ) {}

  static handles(pathname: string): boolean {
    return pathname.startsWith('/interaction/');
  }

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const match = INTERACTION_PATH.exec(pathname);
    if (!match) return sendHtml(res, 404, htmlPage('Not found', '<p>There is no such sign-in page.</p>'));
    const uid = match[1];
    const action = match[2];
    try {
      const details = await this.provider.interactionDetails(req, res);
      if (details.uid !== uid) {
        return this.fail(res, 400, 'This sign-in page belongs to another sign-in attempt. Start again.');
      }
      if (action === undefined && req.method === 'GET') return await this.show(req, res, details);
      if (action === 'login' && req.method === 'POST') return await this.login(req, res, details);
      if (action === 'abort' && (req.method === 'POST' || req.method === 'GET'))
        return await this.abort(req, res);
      return this.fail(res, 405, 'That action is not supported here.');
    } catch (error) {
      const { statusCode, error_description: description } = error as OidcError;
      if (statusCode !== undefined && statusCode < 500 && description) {
        return this.fail(
          res,
          statusCode,
          `The sign-in attempt cannot continue: ${description}. Start again.`,
        );
      }
      throw error;
    }
  }

  private async show(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    if (details.prompt.name === 'login' || !details.session) {
      return sendHtml(res, 200, this.page(details));
    }
    await this.finish(req, res, details, details.session.accountId, false);
  }

  private async login(req: IncomingMessage, res: ServerResponse, details: InteractionDetails): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return this.fail(res, 413, 'The form was too large.');
    const form = new URLSearchParams(body);
    const username = form.get('username') ?? '';
    const user = this.accounts.findByLogin(username);
    if (!user || form.get('password') !== this.password) {
      const page = this.page(details, username, 'Unknown user or wrong password.');
      return sendHtml(res, 401, page);
    }
    await this.finish(req, res, details, user.sub, true);
  }

  private async abort(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
    await this.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  // Login and consent end together: the grant covers every scope the client asked for.
  private async finish(
    req: IncomingMessage,
    res: ServerResponse,
    details: InteractionDetails,
    accountId: string,
    withLogin: boolean,
  ): Promise<void> {
    const clientId = String(details.params['client_id']);
    const existing = details.grantId ? await this.provider.Grant.find(details.grantId) : undefined;
    const grant =
      existing?.accountId === accountId ? existing : new this.provider.Grant({ accountId, clientId });
    const scope = details.params['scope'];
    if (typeof scope === 'string') grant.addOIDCScope(scope);
    const consent = { grantId: await grant.save() };
    const result = withLogin ? { login: { accountId }, consent } : { consent };
    await this.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  }

  private page(details: InteractionDetails, selectedUsername?: string, error?: string): string {
    const scope = details.params['scope'];
    return loginPage({
      uid: details.uid,
      clientId: String(details.params['client_id']),
      scope: typeof scope === 'string' ? scope : '',
      users: this.accounts.users,
      selectedUsername,
      error,
    });
  }

  private fail(res: ServerResponse, status: number, message: string): void {
    sendHtml(
      res,
      status,
      htmlPage('Sign-in failed', `<p class="error" role="alert">${escapeHtml(message)}</p>`),
    );
  }
}
