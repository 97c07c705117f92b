// One Kafka message as the spool keeps it: 2-byte key length, the key (the event's cluster), the value
// (the event's JSON). Keeping the key beside the JSON spares parsing every event again on delivery.

export const MAX_KEY_BYTES = 0xffff;

export interface SpooledMessage {
  key: Buffer;
  value: Buffer;
}

/** Bytes the record of `key` and `value` takes. */
export function spooledMessageLength(key: string, value: string): number {
  return 2 + Buffer.byteLength(key) + Buffer.byteLength(value);
}

/** Writes the record into `target`, exactly spooledMessageLength(key, value) bytes long. */
export function writeSpooledMessage(target: Buffer, key: string, value: string): void {
  const keyBytes = target.write(key, 2);
  if (keyBytes > MAX_KEY_BYTES) throw new RangeError(`a message key is at most ${MAX_KEY_BYTES} bytes`);
  target.writeUInt16BE(keyBytes, 0);
  target.write(value, 2 + keyBytes);
}

export function decodeSpooledMessage(record: Buffer): SpooledMessage {
  const keyBytes = record.readUInt16BE(0);
  return { key: record.subarray(2, 2 + keyBytes), value: record.subarray(2 + keyBytes) };
}
