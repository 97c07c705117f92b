// Splits a shell command line into words, operators and redirections, with quoting, for the
// simulated container's `sh`. Words keep their $VAR references so they expand when the command
// runs (`false; echo $?` prints 1). A deliberately small subset of POSIX sh.

export type ShellOperator = ';' | '&&' | '||' | '|' | '&' | '<';

export type WordPart = { literal: string } | { variable: string };

export type ShellToken =
  | { kind: 'word'; parts: WordPart[]; quoted: boolean }
  | { kind: 'op'; value: ShellOperator }
  | { kind: 'redirect'; fd: 1 | 2; target: string };

export class ShellSyntaxError extends Error {
  readonly code = 'SHELL_SYNTAX';
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** The word's text after expansion; null when an unquoted expansion left nothing (no word, as in sh). */
export function expandWord(
  token: Extract<ShellToken, { kind: 'word' }>,
  lookup: (name: string) => string,
): string | null {
  const value = token.parts
    .map((part) => ('literal' in part ? part.literal : lookup(part.variable)))
    .join('');
  return value === '' && !token.quoted ? null : value;
}

export function tokenizeShell(text: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let index = 0;
  let parts: WordPart[] | null = null;
  let quoted = false;

  const add = (part: WordPart) => {
    parts ??= [];
    parts.push(part);
  };
  const flush = () => {
    if (parts !== null) tokens.push({ kind: 'word', parts, quoted });
    parts = null;
    quoted = false;
  };

  // index points just past '$'
  const variable = (): WordPart => {
    const next = text[index];
    if (next === '{') {
      const close = text.indexOf('}', index);
      if (close < 0) throw new ShellSyntaxError('syntax error: bad substitution');
      const name = text.slice(index + 1, close);
      index = close + 1;
      return { variable: name };
    }
    if (next !== undefined && /[?$#0-9]/.test(next)) {
      index++;
      return { variable: next };
    }
    if (next !== undefined && NAME_START.test(next)) {
      let end = index;
      while (end < text.length && NAME_CHAR.test(text[end])) end++;
      const name = text.slice(index, end);
      index = end;
      return { variable: name };
    }
    return { literal: '$' };
  };

  while (index < text.length) {
    const char = text[index];
    if (char === ' ' || char === '\t' || char === '\r') {
      flush();
      index++;
    } else if (char === '#' && parts === null) {
      while (index < text.length && text[index] !== '\n') index++;
    } else if (char === '\n') {
      flush();
      tokens.push({ kind: 'op', value: ';' });
      index++;
    } else if (char === ';' || char === '&' || char === '|' || char === '<') {
      flush();
      const pair = text.slice(index, index + 2);
      if (pair === '&&' || pair === '||') {
        tokens.push({ kind: 'op', value: pair });
        index += 2;
      } else {
        tokens.push({ kind: 'op', value: char });
        index++;
      }
    } else if (
      char === '>' ||
      ((char === '1' || char === '2') && text[index + 1] === '>' && parts === null)
    ) {
      flush();
      tokens.push(redirect());
    } else if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
      add({ literal: text.slice(index + 1, close) });
      quoted = true;
      index = close + 1;
    } else if (char === '"') {
      index++;
      quoted = true;
      add({ literal: '' });
      for (;;) {
        if (index >= text.length) throw new ShellSyntaxError('syntax error: unterminated quoted string');
        const inner = text[index];
        if (inner === '"') {
          index++;
          break;
        }
        if (inner === '\\' && /["\\$`\n]/.test(text[index + 1] ?? '')) {
          add({ literal: text[index + 1] });
          index += 2;
        } else if (inner === '$') {
          index++;
          add(variable());
        } else {
          add({ literal: inner });
          index++;
        }
      }
    } else if (char === '\\') {
      const escaped = text[index + 1];
      index += 2;
      if (escaped !== undefined && escaped !== '\n') {
        add({ literal: escaped });
        quoted = true;
      }
    } else if (char === '$') {
      index++;
      add(variable());
    } else {
      add({ literal: char });
      index++;
    }
  }
  flush();
  return tokens;

  function redirect(): ShellToken {
    const fd: 1 | 2 = text[index] === '2' ? 2 : 1;
    index += text[index] === '>' ? 1 : 2;
    if (text[index] === '>') index++;
    while (text[index] === ' ') index++;
    let target = '';
    if (text[index] === '&') {
      target = '&';
      index++;
      while (index < text.length && /[0-9]/.test(text[index])) target += text[index++];
    } else {
      while (index < text.length && !/[\s;&|<>]/.test(text[index])) target += text[index++];
    }
    if (target === '' || target === '&') throw new ShellSyntaxError('syntax error: unexpected redirection');
    return { kind: 'redirect', fd, target };
  }
}
