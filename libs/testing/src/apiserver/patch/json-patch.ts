import { isJsonObject } from '../kube-object.js';

/** RFC 6902 JSON patch. Failures throw `JsonPatchError` (malformed: 400, failed operation: 422). */

export class JsonPatchError extends Error {
  constructor(
    readonly code: 'MalformedPatch' | 'OperationFailed',
    message: string,
  ) {
    super(message);
  }
}

type Container = Record<string, unknown> | unknown[];

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) {
    throw new JsonPatchError('MalformedPatch', `invalid JSON pointer ${JSON.stringify(pointer)}`);
  }
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function walk(document: unknown, tokens: string[]): { parent: Container; key: string } {
  let current: unknown = document;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)];
    else if (isJsonObject(current)) current = current[token];
    else current = undefined;
    if (current === undefined)
      throw new JsonPatchError('OperationFailed', `doc is missing path: "/${tokens.join('/')}"`);
  }
  if (!Array.isArray(current) && !isJsonObject(current)) {
    throw new JsonPatchError('OperationFailed', `doc is missing path: "/${tokens.join('/')}"`);
  }
  return { parent: current, key: tokens[tokens.length - 1] ?? '' };
}

function read(document: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return document;
  const { parent, key } = walk(document, tokens);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined)
    throw new JsonPatchError('OperationFailed', `doc is missing key: /${tokens.join('/')}`);
  return value;
}

function arrayIndex(parent: unknown[], key: string, forInsert: boolean): number {
  if (forInsert && key === '-') return parent.length;
  const index = Number(key);
  const limit = forInsert ? parent.length : parent.length - 1;
  if (!/^\d+$/.test(key) || index > limit)
    throw new JsonPatchError('OperationFailed', `index out of range: ${key}`);
  return index;
}

function add(document: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = walk(document, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else parent[key] = value;
  return document;
}

function remove(document: unknown, tokens: string[]): unknown {
  const { parent, key } = walk(document, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (key in parent) delete parent[key];
  else throw new JsonPatchError('OperationFailed', `unable to remove nonexistent key: ${key}: missing value`);
  return document;
}

export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw new JsonPatchError(
      'MalformedPatch',
      'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
    );
  let document = structuredClone(target);
  for (const operation of patch) {
    if (!isJsonObject(operation)) throw new JsonPatchError('MalformedPatch', 'invalid JSON patch operation');
    const path = parsePointer(operation.path);
    switch (operation.op) {
      case 'add':
        document = add(document, path, structuredClone(operation.value));
        break;
      case 'remove':
        document = remove(document, path);
        break;
      case 'replace':
        read(document, path);
        document =
          path.length === 0
            ? structuredClone(operation.value)
            : add(remove(document, path), path, structuredClone(operation.value));
        break;
      case 'move': {
        const from = parsePointer(operation.from);
        const value = read(document, from);
        document = add(remove(document, from), path, value);
        break;
      }
      case 'copy':
        document = add(document, path, structuredClone(read(document, parsePointer(operation.from))));
        break;
      case 'test':
        if (JSON.stringify(read(document, path)) !== JSON.stringify(operation.value)) {
          throw new JsonPatchError('OperationFailed', `testing value /${path.join('/')} failed: test failed`);
        }
        break;
      default:
        throw new JsonPatchError('MalformedPatch', `Unexpected kind: ${String(operation.op)}`);
    }
  }
  return document;
}
