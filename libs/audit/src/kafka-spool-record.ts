// One Kafka message as the spool keeps it: 2-byte key length, the key (the event's cluster), the value
// (the event's JSON). Keeping the key beside the JSON spares parsing every event again on delivery.

export const MAX_KEY_BYTES = 0xffff;

export interface SpooledMessage {
  key: Buffer;
  value: Buffer;
}

export function encodeSpooledMessage(key: string, value: string): Buffer {
  const keyBytes = Buffer.byteLength(key);
  if (keyBytes > MAX_KEY_BYTES) throw new RangeError(`a message key is at most ${MAX_KEY_BYTES} bytes`);
  const valueBytes = Buffer.byteLength(value);
  const record = Buffer.allocUnsafe(2 + keyBytes + valueBytes);
  record.writeUInt16BE(keyBytes, 0);
  record.write(key, 2);
  record.write(value, 2 + keyBytes);
  return record;
}

export function decodeSpooledMessage(record: Buffer): SpooledMessage {
  const keyBytes = record.readUInt16BE(0);
  return { key: record.subarray(2, 2 + keyBytes), value: record.subarray(2 + keyBytes) };
}
