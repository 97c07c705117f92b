interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

/**
 * Cookies per host (host:port — the broker and the dev IdP often share 127.0.0.1), enough of a browser for
 * a sign-in that ties its steps together with cookies. Domain and Secure attributes are not needed there.
 */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, StoredCookie>>();

  header(url: URL): string | undefined {
    const cookies = [...(this.byHost.get(url.host)?.values() ?? [])]
      .filter((cookie) => pathMatches(cookie.path, url.pathname))
      .sort((a, b) => b.path.length - a.path.length);
    return cookies.length ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }

  store(url: URL, setCookie: string[] | undefined, nowMs = Date.now()): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const cookie: StoredCookie = {
        name: pair.slice(0, eq),
        value: pair.slice(eq + 1),
        path: defaultPath(url),
      };
      let expired = false;
      for (const attribute of attributes) {
        const eqAt = attribute.indexOf('=');
        const key = (eqAt < 0 ? attribute : attribute.slice(0, eqAt)).toLowerCase();
        const value = eqAt < 0 ? '' : attribute.slice(eqAt + 1);
        if (key === 'path' && value.startsWith('/')) cookie.path = value;
        if (key === 'max-age' && Number(value) <= 0) expired = true;
        if (key === 'expires' && Date.parse(value) <= nowMs) expired = true;
      }
      const hostCookies = this.byHost.get(url.host) ?? new Map<string, StoredCookie>();
      this.byHost.set(url.host, hostCookies);
      const key = `${cookie.name};${cookie.path}`;
      if (expired) hostCookies.delete(key);
      else hostCookies.set(key, cookie);
    }
  }
}

// RFC 6265 §5.1.4
function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function defaultPath(url: URL): string {
  const last = url.pathname.lastIndexOf('/');
  return last <= 0 ? '/' : url.pathname.slice(0, last);
}
