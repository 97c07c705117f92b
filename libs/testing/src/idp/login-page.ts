import type { DemoUser } from './demo-users.js';
import { escapeHtml, htmlPage } from './html-page.js';

export interface LoginPageModel {
  uid: string;
  clientId: string;
  scope: string;
  users: readonly DemoUser[];
  selectedUsername?: string;
  error?: string;
}

/** The form people see at the dev IdP: pick a demo user, type the demo password. */
export function loginPage(model: LoginPageModel): string {
  const base = `/interaction/${encodeURIComponent(model.uid)}`;
  const options = model.users
    .map((user) => {
      const selected = user.username === model.selectedUsername ? ' selected' : '';
      const label = `${user.username} (${user.groups.join(', ') || 'no groups'})`;
      return `<option value="${escapeHtml(user.username)}"${selected}>${escapeHtml(label)}</option>`;
    })
    .join('');
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return htmlPage(
    'Tether dev sign-in',
    `<p><strong>${escapeHtml(model.clientId)}</strong> asks for: ${escapeHtml(model.scope || 'openid')}</p>${error}` +
      `<form method="post" action="${base}/login" autocomplete="off">` +
      `<label for="username">User</label><select id="username" name="username">${options}</select>` +
      `<label for="password">Password</label><input id="password" name="password" type="password" required autofocus>` +
      `<p class="hint">Development identity provider: every demo user's password is <code>tether</code>.</p>` +
      `<button type="submit">Sign in</button></form>` +
      `<form method="post" action="${base}/abort"><button type="submit">Cancel</button></form>`,
  );
}
