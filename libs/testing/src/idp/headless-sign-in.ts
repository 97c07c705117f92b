import { type BrowserResponse, DevBrowser } from './dev-browser.js';
import { DEMO_PASSWORD } from './demo-users.js';
import { IdpError } from './idp-error.js';

export interface HeadlessSignInOptions {
  /** Defaults to the demo password. */
  password?: string;
  /** The CA that signed the dev IdP's certificate, when it serves HTTPS. */
  caPem?: string;
}

const MAX_STEPS = 12;
const LOGIN_PAGE = /^\/interaction\/([A-Za-z0-9_-]+)$/;

interface Stopped {
  stoppedAt: URL;
  page: BrowserResponse;
}

type WalkEnd = { left: URL } | Stopped;

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

// The visible text of an IdP page, for error messages only: no decision depends on it.
function excerpt(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/**
 * Follows the dev IdP's pages as a person would: redirects within the IdP, the login form (answered for
 * `username`), consent (granted by the IdP itself). Ends when a redirect leaves the IdP — towards the
 * client's redirect_uri — or when a page is not a redirect or the login form.
 */
async function walk(
  browser: DevBrowser,
  first: Promise<BrowserResponse>,
  from: URL,
  login: Record<string, string>,
): Promise<WalkEnd> {
  let response = await first;
  let url = from;
  let submittedLogin = false;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (response.location) {
      if (response.location.origin !== browser.origin) return { left: response.location };
      url = response.location;
      response = await browser.get(url);
      continue;
    }
    const loginPage = LOGIN_PAGE.exec(url.pathname);
    if (response.status === 200 && loginPage && !submittedLogin) {
      submittedLogin = true;
      url = new URL(`${url.pathname}/login`, browser.origin);
      response = await browser.postForm(url, login);
      continue;
    }
    return { stoppedAt: url, page: response };
  }
  throw new IdpError('IDP_LOGIN_FAILED', `dev IdP sign-in did not finish within ${MAX_STEPS} pages`);
}

function stopped(end: Stopped, code: 'IDP_LOGIN_FAILED' | 'IDP_DEVICE_APPROVAL_FAILED') {
  const { page, stoppedAt } = end;
  if (page.status === 401 && stoppedAt.pathname.endsWith('/login')) {
    return new IdpError('IDP_LOGIN_REJECTED', 'dev IdP rejected the login: unknown user or wrong password');
  }
  return new IdpError(
    code,
    `dev IdP stopped at ${stoppedAt.pathname} with HTTP ${page.status}: ${excerpt(page.body)}`,
  );
}

/**
 * Signs `username` in through a real authorization request, without a browser: `authorizationUrl` is what
 * a client would open (`/auth?client_id=...&code_challenge=...`). Resolves to the URL the IdP sends the
 * browser back to — the client's redirect_uri with `code` and `state`, or with `error`.
 */
export async function completeDevLogin(
  authorizationUrl: string | URL,
  username: string,
  options: HeadlessSignInOptions = {},
): Promise<URL> {
  const start = new URL(authorizationUrl);
  const browser = new DevBrowser(start.origin, options.caPem);
  const login = { username, password: options.password ?? DEMO_PASSWORD };
  const end = await walk(browser, browser.get(start), start, login);
  if ('left' in end) return end.left;
  throw stopped(end, 'IDP_LOGIN_FAILED');
}

/**
 * Approves a device authorization (RFC 8628) as `username`: enters `userCode` on the IdP's verification
 * page, confirms it, and signs in. The device's next token poll then receives tokens for that user.
 */
export async function approveDevLogin(
  issuer: string | URL,
  userCode: string,
  username: string,
  options: HeadlessSignInOptions = {},
): Promise<void> {
  const origin = new URL(issuer).origin;
  const browser = new DevBrowser(origin, options.caPem);
  const verification = new URL('/device', origin);
  verification.searchParams.set('user_code', userCode);
  const form = await browser.get(verification);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form.body)?.[1];
  if (form.status !== 200 || !xsrf) {
    throw new IdpError(
      'IDP_DEVICE_APPROVAL_FAILED',
      `dev IdP verification page answered HTTP ${form.status}`,
    );
  }
  const confirm = new URL('/device', origin);
  const submitted = browser.postForm(confirm, { xsrf, user_code: userCode, confirm: 'yes' });
  const login = { username, password: options.password ?? DEMO_PASSWORD };
  const end = await walk(browser, submitted, confirm, login);
  if ('left' in end) {
    throw new IdpError(
      'IDP_DEVICE_APPROVAL_FAILED',
      `dev IdP sent the device approval to ${end.left.origin}`,
    );
  }
  // The device flow ends on the IdP's own success page at /device/<uid>; a refused code re-renders /device.
  if (end.page.status === 200 && end.stoppedAt.pathname.startsWith('/device/')) return;
  throw stopped(end, 'IDP_DEVICE_APPROVAL_FAILED');
}
