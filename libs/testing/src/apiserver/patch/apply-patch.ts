import { parse as parseYaml } from 'yaml';
import { ApiError } from '../api-error.js';
import { isJsonObject, type JsonObject } from '../kube-object.js';
import { applyJsonMergePatch } from './json-merge-patch.js';
import { applyJsonPatch, JsonPatchError } from './json-patch.js';
import { applyStrategicMergePatch } from './strategic-merge-patch.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const type = patchTypes[mediaType];
  if (!type) throw ApiError.unsupportedMediaType(mediaType);
  return type;
}

/** Decodes a patch body; server-side apply bodies are YAML (JSON is YAML too). */
export function decodePatch(type: PatchType, body: Buffer): unknown {
  try {
    return type === 'apply' ? parseYaml(body.toString('utf8')) : JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw ApiError.badRequest(`error decoding patch: ${(error as Error).message}`);
  }
}

/** Applies a decoded patch to the current object; errors become the Status the API server sends. */
export function applyPatch(type: PatchType, current: JsonObject, patch: unknown): JsonObject {
  if (type === 'json') {
    try {
      const result = applyJsonPatch(current, patch);
      if (!isJsonObject(result)) throw new JsonPatchError('OperationFailed', 'patch result is not an object');
      return result;
    } catch (error) {
      if (!(error instanceof JsonPatchError)) throw error;
      if (error.code === 'MalformedPatch') throw ApiError.badRequest(error.message);
      throw ApiError.invalid('', '', '', [
        {
          reason: 'FieldValueInvalid',
          field: '',
          message: `the server rejected our request due to an error in our request: ${error.message}`,
        },
      ]);
    }
  }
  if (!isJsonObject(patch))
    throw ApiError.badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  if (type === 'merge') {
    const result = applyJsonMergePatch(current, patch);
    return isJsonObject(result) ? result : {};
  }
  return applyStrategicMergePatch(current, patch);
}
