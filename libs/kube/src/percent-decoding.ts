// Percent-decoding with Go's net/url rules: a bad escape is an error (not passed through as
// decodeURIComponent's URIError or URLSearchParams' silent replacement), and bytes must form UTF-8.

const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** Decodes `%XX` escapes (and `+` as space when `plusAsSpace`); `undefined` when malformed. */
export function percentDecode(input: string, plusAsSpace = false): string | undefined {
  if (!input.includes('%') && !(plusAsSpace && input.includes('+'))) return input;
  const bytes: number[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch === '%') {
      const hex = input.slice(i + 1, i + 3);
      if (!HEX_PAIR.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else if (ch === '+' && plusAsSpace) {
      bytes.push(0x20);
      i += 1;
    } else {
      const char = String.fromCodePoint(input.codePointAt(i) ?? 0);
      bytes.push(...encoder.encode(char));
      i += char.length;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** Every value of `key` in a raw query string, as Go's `url.ParseQuery` keeps them (bad pairs are skipped). */
export function queryValues(rawQuery: string, key: string): string[] {
  const values: string[] = [];
  for (const pair of rawQuery.split('&')) {
    // Go refuses `;` as a separator since 1.17 and drops the whole pair.
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    const decodedKey = percentDecode(rawKey, true);
    const decodedValue = percentDecode(rawValue, true);
    if (decodedKey === undefined || decodedValue === undefined) continue;
    if (decodedKey === key) values.push(decodedValue);
  }
  return values;
}
