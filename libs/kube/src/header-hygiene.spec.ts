import { HeaderRejectedError, type HeaderLine, sanitizeClientHeaders } from './header-hygiene.js';
import { encodeExtraKey, impersonationHeaders } from './impersonation-headers.js';

const names = (lines: HeaderLine[]) => lines.map(([name]) => name.toLowerCase());

function rejectionCode(lines: HeaderLine[]): string {
  try {
    sanitizeClientHeaders(lines);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(HeaderRejectedError);
    return (error as HeaderRejectedError).code;
  }
}

describe('sanitizeClientHeaders', () => {
  it('keeps ordinary request headers in order', () => {
    const { headers } = sanitizeClientHeaders([
      ['Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json'],
      ['User-Agent', 'kubectl/v1.34.5'],
      ['Content-Type', 'application/json'],
    ]);
    expect(headers).toEqual([
      ['Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json'],
      ['User-Agent', 'kubectl/v1.34.5'],
      ['Content-Type', 'application/json'],
    ]);
  });

  it.each([
    'Authorization',
    'authorization',
    'AUTHORIZATION',
    'Proxy-Authorization',
    'Cookie',
    'Impersonate-User',
    'impersonate-group',
    'IMPERSONATE-UID',
    'Impersonate-Extra-scopes',
    'impersonate-extra-acme.com%2Fproject',
    'X-Remote-User',
    'X-Remote-Group',
    'X-Remote-Extra-Foo',
    'Audit-ID',
    'X-Forwarded-For',
    'Forwarded',
    'X-Tether-Decision',
    'Host',
  ])('removes a client-supplied %s header, however it is spelled', (name) => {
    const { headers } = sanitizeClientHeaders([
      [name, 'system:masters'],
      [name, 'second line'],
      ['Accept', 'application/json'],
    ]);
    expect(names(headers)).toEqual(['accept']);
  });

  it('removes hop-by-hop headers and any header the Connection header names', () => {
    const { headers } = sanitizeClientHeaders([
      ['Connection', 'keep-alive, X-Custom-Hop'],
      ['Keep-Alive', 'timeout=5'],
      ['TE', 'trailers'],
      ['Transfer-Encoding', 'chunked'],
      ['Proxy-Connection', 'keep-alive'],
      ['X-Custom-Hop', '1'],
      ['Accept', '*/*'],
    ]);
    expect(names(headers)).toEqual(['accept']);
  });

  it.each([
    'Impersonate-User',
    'authorization',
    'Impersonate-Group, keep-alive',
    'X-Forwarded-For',
    'Audit-Id',
    'host',
  ])('refuses a Connection header naming %s instead of obeying it', (value) => {
    expect(rejectionCode([['Connection', value]])).toBe('HEADER_CONNECTION_NAMES_SECURITY_HEADER');
  });

  it.each([
    ['CR LF in a value', ['X-Note', 'a\r\nImpersonate-User: admin'] as HeaderLine],
    ['NUL in a value', ['X-Note', 'a\0b'] as HeaderLine],
    ['LF in a name', ['X-\nNote', 'a'] as HeaderLine],
  ])('refuses %s', (_label, line) => {
    expect(rejectionCode([line])).toBe('HEADER_UNSAFE_VALUE');
  });

  it('keeps exactly the upgrade handshake headers for a WebSocket exec', () => {
    const result = sanitizeClientHeaders([
      ['Connection', 'Upgrade'],
      ['Upgrade', 'websocket'],
      ['Sec-WebSocket-Key', 'abc=='],
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Protocol', 'v5.channel.k8s.io'],
      ['Impersonate-User', 'admin'],
    ]);
    expect(result.upgrade).toBe('websocket');
    expect(names(result.headers).sort()).toEqual(
      [
        'connection',
        'sec-websocket-key',
        'sec-websocket-protocol',
        'sec-websocket-version',
        'upgrade',
      ].sort(),
    );
  });

  it('keeps SPDY stream protocol versions for a SPDY upgrade', () => {
    const result = sanitizeClientHeaders([
      ['Connection', 'Upgrade'],
      ['Upgrade', 'SPDY/3.1'],
      ['X-Stream-Protocol-Version', 'v4.channel.k8s.io'],
      ['X-Stream-Protocol-Version', 'v3.channel.k8s.io'],
    ]);
    expect(result.upgrade).toBe('spdy/3.1');
    expect(result.headers.filter(([n]) => n === 'X-Stream-Protocol-Version')).toHaveLength(2);
  });

  it('refuses upgrades to anything but WebSocket and SPDY/3.1', () => {
    expect(
      rejectionCode([
        ['Connection', 'Upgrade'],
        ['Upgrade', 'h2c'],
      ]),
    ).toBe('HEADER_UPGRADE_NOT_ALLOWED');
  });

  it('drops upgrade-only headers from a request that is not an upgrade', () => {
    const { headers, upgrade } = sanitizeClientHeaders([
      ['Upgrade', 'websocket'],
      ['Sec-WebSocket-Key', 'abc=='],
      ['Accept', '*/*'],
    ]);
    expect(upgrade).toBeUndefined();
    expect(names(headers)).toEqual(['accept']);
  });
});

describe('impersonationHeaders', () => {
  it('writes one line per group and per extra value, with extra keys percent-encoded like client-go', () => {
    expect(
      impersonationHeaders({
        user: 'bob@example.com',
        groups: ['developers', 'a,b'],
        uid: 'u-1',
        extra: { 'tether.dev/request-id': ['r-1'], scopes: ['view', 'edit'] },
      }),
    ).toEqual([
      ['Impersonate-User', 'bob@example.com'],
      ['Impersonate-Group', 'developers'],
      ['Impersonate-Group', 'a,b'],
      ['Impersonate-Uid', 'u-1'],
      ['Impersonate-Extra-tether.dev%2Frequest-id', 'r-1'],
      ['Impersonate-Extra-scopes', 'view'],
      ['Impersonate-Extra-scopes', 'edit'],
    ]);
  });

  it('encodes percent signs and non-ASCII so decoding gives back the original key', () => {
    const key = 'acme.com/100%ü';
    const encoded = encodeExtraKey(key);
    expect(encoded).toBe('acme.com%2F100%25%C3%BC');
    expect(decodeURIComponent(encoded)).toBe(key);
  });
});
