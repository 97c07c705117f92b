// The delivery worker thread: runs the kafkajs producer off the broker's event loop, so encoding and
// sending audit batches does not compete with request handling and publish. Driven by
// KafkaDeliveryThread, one request at a time.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type { Tracing, TracingSettings } from '@tether/telemetry';
import { KafkaBatchProducer } from './kafka-batch-producer';
import type { DeliveryReply, DeliveryRequest, DeliveryWorkerData } from './kafka-delivery-thread';

const port = parentPort!;
const startup = workerData as DeliveryWorkerData;
// A thread has OpenTelemetry globals and require hooks of its own: the main thread's tracing does not
// reach kafkajs here, so the worker traces (and exports) for itself when the process does.
const tracing = startup.tracing ? startTracing(startup.tracing) : undefined;
const producer = new KafkaBatchProducer(startup.producer, (log) => {
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
  if (request.op === 'reset' || request.op === 'close') {
    await producer.reset();
    if (request.op === 'close') await tracing?.shutdown();
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

// Loaded only when asked for, so an untraced worker loads no OpenTelemetry at all.
function startTracing(settings: TracingSettings): Tracing {
  const telemetry = createRequire(__filename)('@tether/telemetry') as typeof import('@tether/telemetry');
  return telemetry.setupTracing(settings);
}
