import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusFailure, type Status } from '@tether/kube';
import { parse as parseYaml } from 'yaml';
import { ApiError } from './api-error.js';
import { decodeKubeProtobuf } from './protobuf/kube-protobuf.js';
import { ProtobufError } from './protobuf/protobuf-reader.js';

/** Reading request bodies and writing JSON and Status responses. */

const maxBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(
          new ApiError(
            statusFailure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parses a JSON request body into an object, with the API server's 400 texts. */
export function parseJsonObject(body: Buffer, what: string): Record<string, unknown> {
  if (body.length === 0) throw ApiError.badRequest(`the body of the request was empty`);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw ApiError.badRequest(
      `${what}: couldn't get version/kind; json parse error: ${(error as Error).message}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw ApiError.badRequest(
      `${what}: couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`,
    );
  }
  return value as Record<string, unknown>;
}

export function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Reads an object body sent as JSON or YAML; other media types get the API server's 415. */
export async function readObjectBody(req: IncomingMessage, what: string): Promise<Record<string, unknown>> {
  const mediaType = mediaTypeOf(req);
  const body = await readBody(req);
  if (mediaType === 'application/yaml') {
    let value: unknown;
    try {
      value = parseYaml(body.toString('utf8'));
    } catch (error) {
      throw ApiError.badRequest(`error converting YAML to JSON: ${(error as Error).message}`);
    }
    return parseJsonObject(Buffer.from(JSON.stringify(value ?? null)), what);
  }
  if (mediaType === 'application/vnd.kubernetes.protobuf') return protobufObject(body);
  if (mediaType !== 'application/json' && mediaType !== '') {
    throw new ApiError(
      statusFailure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
      ),
    );
  }
  return parseJsonObject(body, what);
}

/** kubectl's typed clients write some kinds as protobuf; the rest of the kinds are refused with 415. */
function protobufObject(body: Buffer): Record<string, unknown> {
  let decoded: Record<string, unknown> | undefined;
  try {
    decoded = decodeKubeProtobuf(body);
  } catch (error) {
    if (error instanceof ProtobufError)
      throw ApiError.badRequest(`unable to decode protobuf body: ${error.message}`);
    throw error;
  }
  if (!decoded) {
    throw new ApiError(
      statusFailure(
        415,
        'UnsupportedMediaType',
        'the simulator decodes protobuf only for reviews, namespaces, config maps, secrets, service accounts and RBAC objects: send application/json',
      ),
    );
  }
  return decoded;
}

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: Status): void {
  sendJson(res, status.code, status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
