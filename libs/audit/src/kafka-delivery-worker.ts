// The delivery worker thread: runs the kafkajs producer off the broker's event loop, so encoding and
// sending audit batches does not compete with request handling and publish. Driven by
// KafkaDeliveryThread, one request at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { KafkaBatchProducer, type KafkaBatchProducerSettings } from './kafka-batch-producer';
import type { DeliveryReply, DeliveryRequest } from './kafka-delivery-thread';

const port = parentPort!;
const producer = new KafkaBatchProducer(workerData as KafkaBatchProducerSettings, (log) => {
  port.postMessage({ log } satisfies DeliveryReply);
});

port.on('message', (request: DeliveryRequest) => {
  void handle(request).then(
    () => port.postMessage({ id: request.id, ok: true } satisfies DeliveryReply),
    (error: unknown) => {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      port.postMessage({ id: request.id, ok: false, name, message } satisfies DeliveryReply);
    },
  );
});

async function handle(request: DeliveryRequest): Promise<void> {
  if (request.op === 'reset') {
    await producer.reset();
    return;
  }
  const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.byteLength);
  const records: Buffer[] = [];
  let start = 0;
  for (const end of request.ends) {
    records.push(data.subarray(start, end));
    start = end;
  }
  await producer.send(records);
}
