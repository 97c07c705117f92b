import type { HeaderLine } from './header-hygiene.js';

export interface ImpersonatedIdentity {
  user: string;
  groups: readonly string[];
  uid?: string;
  extra?: Readonly<Record<string, readonly string[]>>;
}

// RFC 7230 token characters; everything else in an extra key is percent-encoded, as client-go does,
// and '%' itself too so the API server's percent-decoding gives back the original key.
const tokenCharacter = /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/;

export function encodeExtraKey(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded +=
      byte < 0x80 && tokenCharacter.test(char)
        ? char
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** The impersonation headers for the last hop: one line per group and per extra value. */
export function impersonationHeaders(identity: ImpersonatedIdentity): HeaderLine[] {
  const lines: HeaderLine[] = [['Impersonate-User', identity.user]];
  for (const group of identity.groups) lines.push(['Impersonate-Group', group]);
  if (identity.uid !== undefined) lines.push(['Impersonate-Uid', identity.uid]);
  for (const [key, values] of Object.entries(identity.extra ?? {})) {
    for (const value of values) lines.push([`Impersonate-Extra-${encodeExtraKey(key)}`, value]);
  }
  return lines;
}
