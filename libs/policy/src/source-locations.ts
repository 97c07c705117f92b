/** Finds where a value lives in the YAML source, so every problem is reported with its line and column. */
import { isMap, isNode, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import type { PolicyIssue } from './policy-error.js';

export type IssuePath = readonly PropertyKey[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `rules[2].allow.verb`, `claims["https://example.com/team"]`; the root is `(policy)`. */
export function formatPath(path: IssuePath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(policy)' : text;
}

export class SourceLocations {
  constructor(
    private readonly document: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The closest node that exists on `path` (an issue may point inside a shorthand the YAML does not spell out). */
  private nodeAt(path: IssuePath): Node | undefined {
    for (let length = path.length; length >= 0; length--) {
      const node: unknown =
        length === 0 ? this.document.contents : this.document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) return node;
    }
    return undefined;
  }

  /** The key node of `key` in the mapping at `path`, for "unknown key" problems. */
  private keyAt(path: IssuePath, key: string): Node | undefined {
    const map = path.length === 0 ? this.document.contents : this.document.getIn(path, true);
    if (!isMap(map)) return undefined;
    for (const item of map.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === key) return item.key;
    }
    return undefined;
  }

  issue(path: IssuePath, message: string, unknownKey?: string): PolicyIssue {
    const node = (unknownKey === undefined ? undefined : this.keyAt(path, unknownKey)) ?? this.nodeAt(path);
    const fullPath = unknownKey === undefined ? path : [...path, unknownKey];
    return { path: formatPath(fullPath), ...this.position(node?.range?.[0] ?? 0), message };
  }

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}
