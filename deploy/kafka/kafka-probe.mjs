// Readiness probe for kafka.mjs: a real Kafka protocol round trip (ApiVersions v0, then Metadata v12),
// encoded by hand so the script needs no npm packages. Wire format: https://kafka.apache.org/protocol
import { connect } from 'node:net';

const API_VERSIONS = 18;
const METADATA = 3;
const METADATA_VERSION = 12; // flexible (compact) encoding; Kafka 3.1 and later serve it
const CLIENT_ID = Buffer.from('tether-kafka-probe');

/** Thrown when the broker answers but does not serve the request version this probe speaks. */
export class ProbeUnsupportedError extends Error {
  code = 'KAFKA_PROBE_UNSUPPORTED';
}

/** A size-prefixed request: header v1 (v2 when flexible: plus an empty tagged-field section) and body. */
function requestFrame(apiKey, apiVersion, correlationId, flexible, body) {
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(CLIENT_ID.length, 8);
  const parts = [header, CLIENT_ID, ...(flexible ? [Buffer.from([0])] : []), body];
  const size = Buffer.alloc(4);
  size.writeInt32BE(parts.reduce((sum, part) => sum + part.length, 0));
  return Buffer.concat([size, ...parts]);
}

class Reader {
  offset = 0;
  constructor(buffer) {
    this.buffer = buffer;
  }
  int16() {
    this.offset += 2;
    return this.buffer.readInt16BE(this.offset - 2);
  }
  int32() {
    this.offset += 4;
    return this.buffer.readInt32BE(this.offset - 4);
  }
  uvarint() {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.buffer.readUInt8(this.offset++);
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new RangeError('malformed varint');
  }
  compactString() {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    this.offset += length;
    return this.buffer.toString('utf8', this.offset - length, this.offset);
  }
  skipTaggedFields() {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint();
      this.offset += this.uvarint();
    }
  }
}

/** Sends one request on a fresh connection and resolves with the response (after its size prefix). */
function roundTrip(host, port, frame, timeoutMs) {
  return new Promise((ok, fail) => {
    const socket = connect({ host, port });
    let pending = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the broker answered')));
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        socket.destroy();
        ok(pending.subarray(4, 4 + pending.readInt32BE(0)));
      }
    });
  });
}

async function metadataVersions(host, port, timeoutMs) {
  const reader = new Reader(
    await roundTrip(host, port, requestFrame(API_VERSIONS, 0, 1, false, Buffer.alloc(0)), timeoutMs),
  );
  reader.int32(); // correlation id
  const errorCode = reader.int16();
  if (errorCode !== 0) throw new Error(`ApiVersions failed with error code ${errorCode}`);
  for (let count = reader.int32(); count > 0; count--) {
    const [key, min, max] = [reader.int16(), reader.int16(), reader.int16()];
    if (key === METADATA) return { min, max };
  }
  return { min: -1, max: -1 };
}

/**
 * Asks the broker at host:port for cluster metadata. Resolves with the cluster id and the brokers it lists;
 * a KRaft broker lists only unfenced brokers, so seeing itself there means it serves clients.
 */
export async function probeBroker(host, port, timeoutMs = 2_000) {
  const { min, max } = await metadataVersions(host, port, timeoutMs);
  if (METADATA_VERSION < min || METADATA_VERSION > max) {
    throw new ProbeUnsupportedError(
      `the broker serves Metadata v${min}..v${max}, this probe speaks v${METADATA_VERSION}: update kafka-probe.mjs`,
    );
  }
  // topics: empty compact array (no topics); allow auto-create: false; topic ACL ops: false; no tagged fields
  const body = Buffer.from([1, 0, 0, 0]);
  const reader = new Reader(
    await roundTrip(host, port, requestFrame(METADATA, METADATA_VERSION, 2, true, body), timeoutMs),
  );
  reader.int32(); // correlation id
  reader.skipTaggedFields(); // response header v1
  reader.int32(); // throttle time
  const brokers = [];
  for (let count = reader.uvarint() - 1; count > 0; count--) {
    const broker = { nodeId: reader.int32(), host: reader.compactString(), port: reader.int32() };
    reader.compactString(); // rack
    reader.skipTaggedFields();
    brokers.push(broker);
  }
  return { clusterId: reader.compactString(), brokers };
}
