/** Protocol buffers wire format, read by a small schema: just enough for the request bodies kubectl sends as protobuf. */

export class ProtobufError extends Error {
  readonly code = 'MALFORMED_PROTOBUF';
}

export type FieldSpec =
  | { name: string; type: 'string' | 'bytes' | 'bool' | 'varint' }
  | { name: string; type: 'repeated-string' }
  /** map<string, string>, or map<string, bytes> with base64 values as in JSON. */
  | { name: string; type: 'string-map' | 'bytes-map' }
  | { name: string; type: 'repeated-message'; schema: MessageSchema }
  | { name: string; type: 'message'; schema: MessageSchema }
  /** map<string, message> encoded as repeated entries {1: key, 2: value}. */
  | { name: string; type: 'map'; schema: MessageSchema };

export type MessageSchema = Record<number, FieldSpec>;

interface RawField {
  number: number;
  wireType: number;
  varint?: bigint;
  bytes?: Buffer;
}

function readVarint(buffer: Buffer, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let index = offset; index < buffer.length && shift < 70n; index += 1) {
    const byte = buffer[index] ?? 0;
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: index + 1 };
    shift += 7n;
  }
  throw new ProtobufError('truncated varint');
}

export function readFields(buffer: Buffer): RawField[] {
  const fields: RawField[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const key = readVarint(buffer, offset);
    offset = key.next;
    const number = Number(key.value >> 3n);
    const wireType = Number(key.value & 7n);
    if (wireType === 0) {
      const value = readVarint(buffer, offset);
      offset = value.next;
      fields.push({ number, wireType, varint: value.value });
    } else if (wireType === 2) {
      const length = readVarint(buffer, offset);
      const end = length.next + Number(length.value);
      if (end > buffer.length) throw new ProtobufError('truncated length-delimited field');
      fields.push({ number, wireType, bytes: buffer.subarray(length.next, end) });
      offset = end;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new ProtobufError(`unsupported wire type ${wireType}`);
  }
  return fields;
}

/** Decodes a message into plain JSON using the given schema; unknown fields are skipped. */
export function decodeMessage(buffer: Buffer, schema: MessageSchema): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of readFields(buffer)) {
    const spec = schema[field.number];
    if (!spec) continue;
    const bytes = field.bytes ?? Buffer.alloc(0);
    switch (spec.type) {
      case 'string':
        result[spec.name] = bytes.toString('utf8');
        break;
      case 'bytes':
        result[spec.name] = bytes;
        break;
      case 'bool':
        result[spec.name] = (field.varint ?? 0n) !== 0n;
        break;
      case 'varint':
        result[spec.name] = Number(field.varint ?? 0n);
        break;
      case 'repeated-string':
        result[spec.name] = [...((result[spec.name] as string[] | undefined) ?? []), bytes.toString('utf8')];
        break;
      case 'message':
        result[spec.name] = decodeMessage(bytes, spec.schema);
        break;
      case 'repeated-message':
        result[spec.name] = [
          ...((result[spec.name] as unknown[] | undefined) ?? []),
          decodeMessage(bytes, spec.schema),
        ];
        break;
      case 'string-map':
      case 'bytes-map': {
        const entry = decodeMessage(bytes, {
          1: { name: 'key', type: 'string' },
          2: { name: 'value', type: 'bytes' },
        });
        const map = (result[spec.name] as Record<string, string> | undefined) ?? {};
        const value = (entry.value as Buffer | undefined) ?? Buffer.alloc(0);
        map[String(entry.key ?? '')] =
          spec.type === 'bytes-map' ? value.toString('base64') : value.toString('utf8');
        result[spec.name] = map;
        break;
      }
      case 'map': {
        const entry = decodeMessage(bytes, {
          1: { name: 'key', type: 'string' },
          2: { name: 'value', type: 'message', schema: spec.schema },
        });
        const map = (result[spec.name] as Record<string, unknown> | undefined) ?? {};
        map[String(entry.key ?? '')] = entry.value ?? {};
        result[spec.name] = map;
        break;
      }
    }
  }
  return result;
}
