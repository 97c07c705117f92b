import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { IdpError } from './idp-error.js';

export interface BrowserResponse {
  status: number;
  /** The redirect target, resolved against the request URL. */
  location?: URL;
  body: string;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

const MAX_PAGE_BYTES = 256 * 1024;

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/**
 * The browser of a script that signs in at the dev IdP: one origin, a cookie jar, no redirect following
 * (the caller decides where to go). oidc-provider ties each sign-in to cookies, so a headless sign-in needs
 * exactly this much of a browser. Plain node:http(s) rather than fetch, so a private CA can be trusted.
 */
export class DevBrowser {
  private readonly cookies = new Map<string, StoredCookie>();

  constructor(
    readonly origin: string,
    private readonly caPem?: string,
  ) {}

  async get(url: URL): Promise<BrowserResponse> {
    return this.send('GET', url);
  }

  async postForm(url: URL, form: Record<string, string>): Promise<BrowserResponse> {
    return this.send('POST', url, new URLSearchParams(form).toString());
  }

  private send(method: string, url: URL, body?: string): Promise<BrowserResponse> {
    if (url.origin !== this.origin) {
      return Promise.reject(
        new IdpError('IDP_FOREIGN_URL', `refusing to send dev IdP cookies to ${url.origin}`),
      );
    }
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = this.cookieHeader(url.pathname);
    if (cookie) headers['cookie'] = cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, ...(this.caPem ? { ca: this.caPem } : {}) }, (res) => {
        this.store(res.headers['set-cookie'] ?? []);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_PAGE_BYTES) chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => {
          const location = res.headers.location;
          resolve({
            status: res.statusCode ?? 0,
            ...(location ? { location: new URL(location, url) } : {}),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private cookieHeader(pathname: string): string {
    return [...this.cookies.values()]
      .filter((cookie) => pathMatches(cookie.path, pathname))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: StoredCookie = { name: pair.slice(0, eq), value: pair.slice(eq + 1), path: '/' };
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=', 2);
        const name = key.toLowerCase();
        if (name === 'path' && value.startsWith('/')) cookie.path = value;
        if (name === 'max-age' && Number(value) <= 0) expired = true;
        if (name === 'expires' && Date.parse(value) <= Date.now()) expired = true;
      }
      const key = `${cookie.name};${cookie.path}`;
      if (expired || cookie.value === '') this.cookies.delete(key);
      else this.cookies.set(key, cookie);
    }
  }
}
