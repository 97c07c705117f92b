import type { ClientView, KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, htmlPage } from './html-page.js';

// The pages oidc-provider renders itself (errors, the device-code pages, sign-out), in the dev IdP's look.
// Each form argument is HTML oidc-provider built with its own escaping and an anti-forgery token.

interface ErrorOut {
  error?: string;
  error_description?: string;
}

function render(ctx: KoaContextWithOIDC, title: string, body: string): void {
  ctx.type = 'html';
  ctx.body = htmlPage(title, body);
}

function errorText(out: ErrorOut | undefined): string {
  return out?.error_description ?? out?.error ?? 'unknown error';
}

export const providerPages = {
  renderError(ctx: KoaContextWithOIDC, out: ErrorOut): void {
    render(ctx, 'Sign-in failed', `<p class="error" role="alert">${escapeHtml(errorText(out))}</p>`);
  },

  userCodeInputSource(ctx: KoaContextWithOIDC, form: string, out?: ErrorOut, err?: unknown): void {
    // oidc-provider answers a wrong or used code with 200; a client reading the status needs to see it failed.
    if (err) ctx.status = 400;
    const message = err ? `<p class="error" role="alert">${escapeHtml(errorText(out))}</p>` : '';
    render(
      ctx,
      'Connect a device',
      `${message}<p>Enter the code shown on your device.</p>${form}` +
        `<button type="submit" form="op.deviceInputForm">Continue</button>`,
    );
  },

  userCodeConfirmSource(
    ctx: KoaContextWithOIDC,
    form: string,
    client: ClientView,
    _deviceInfo: unknown,
    userCode: string,
  ): void {
    render(
      ctx,
      'Confirm the device',
      `<p><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> shows the code ` +
        `<code>${escapeHtml(userCode)}</code>. Continue only if your device shows the same code.</p>${form}` +
        `<button type="submit" form="op.deviceConfirmForm">Continue</button>` +
        `<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
    );
  },

  successSource(ctx: KoaContextWithOIDC): void {
    render(ctx, 'Device connected', '<p>You are signed in on your device and can close this page.</p>');
  },

  logoutSource(ctx: KoaContextWithOIDC, form: string): void {
    render(
      ctx,
      'Sign out',
      `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>` +
        `<button type="submit" form="op.logoutForm">Stay signed in</button>`,
    );
  },

  postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
    render(ctx, 'Signed out', '<p>You are signed out of the development identity provider.</p>');
  },
};
