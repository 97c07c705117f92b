// The part of apimachinery's fields.ParseSelector + RequiresExactMatch that requestinfo.go needs:
// `fieldSelector=metadata.name=x` turns a list into a request for the named object.

const OPERATORS = ['!=', '==', '='] as const;

/** The exact `metadata.name` a field selector requires; `undefined` if none or the selector is invalid. */
export function exactNameFromFieldSelector(selector: string): string | undefined {
  const terms = parseTerms(selector);
  if (terms === undefined) return undefined;
  const term = terms.find((t) => t.field === 'metadata.name' && t.op !== '!=');
  return term?.value;
}

interface Term {
  field: string;
  op: (typeof OPERATORS)[number];
  value: string;
}

function parseTerms(selector: string): Term[] | undefined {
  const terms: Term[] = [];
  // Go sorts the raw terms before matching, so the first exact match is the smallest term.
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue;
    const term = splitTerm(part);
    if (term === undefined) return undefined;
    const value = unescapeValue(term.value);
    if (value === undefined) return undefined;
    terms.push({ ...term, value });
  }
  return terms;
}

function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

function splitTerm(term: string): Term | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(raw: string): string | undefined {
  let out = '';
  let inSlash = false;
  for (const c of raw) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') return undefined;
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') return undefined;
    else out += c;
  }
  return inSlash ? undefined : out;
}
