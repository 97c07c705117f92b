// Proves the test Kafka is a real broker: an idempotent acks=all producer and a consumer group round-trip
// keyed messages in order. The broker comes from deploy/kafka/kafka.mjs (`npm test` starts it).
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { Admin, Consumer, KafkaMessage, Producer, logCreator } from 'kafkajs';

function brokersFromEnv(): string[] {
  const brokers = (process.env.TETHER_TEST_KAFKA_BROKERS ?? '')
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'TETHER_TEST_KAFKA_BROKERS is not set. Start a broker with `npm run kafka:start` and set it to the ' +
        'printed KAFKA_BROKERS address, or run the whole pipeline with `npm test`.',
    );
  }
  return brokers;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** kafkajs logs retried coordinator-loading errors at ERROR level; keep its log and show it only on failure. */
function capturedLog(): { lines: string[]; logCreator: logCreator } {
  const lines: string[] = [];
  const logCreator: logCreator =
    () =>
    ({ namespace, label, log }) => {
      const { message, timestamp, logger: _logger, stack: _stack, ...extra } = log;
      lines.push(`${timestamp} ${label} [${namespace}] ${message} ${JSON.stringify(extra)}`);
      if (lines.length > 300) lines.shift();
    };
  return { lines, logCreator };
}

describe('the test Kafka broker', () => {
  const runId = randomUUID().slice(0, 8);
  const topic = `tether.smoke.${Date.now()}.${runId}`;
  const groupId = `tether-smoke-${runId}`;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    if (admin) {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('delivers keyed messages from an idempotent acks=all producer to a consumer group, in order', async ({
    onTestFailed,
  }) => {
    const kafkaLog = capturedLog();
    onTestFailed(() => {
      if (kafkaLog.lines.length > 0) console.error(`kafkajs log:\n${kafkaLog.lines.join('\n')}`);
    });
    const kafka = new Kafka({
      clientId: 'tether-kafka-smoke',
      brokers: brokersFromEnv(),
      logLevel: logLevel.INFO,
      logCreator: kafkaLog.logCreator,
      connectionTimeout: 3_000,
    });
    admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(
      true,
    );

    const sent = [
      { key: 'dev-east', value: '{"seq":1,"verb":"get","resource":"pods"}' },
      { key: 'dev-west', value: '{"seq":2,"verb":"list","resource":"secrets"}' },
      { key: 'dev-east', value: '{"seq":3,"verb":"create","resource":"pods/exec"}' },
      { key: 'dev-east', value: 'ünïcødé ✓ payload' },
    ];
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const [record] = await producer.send({ topic, acks: -1, messages: sent });
    expect(record).toMatchObject({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' });

    const received: KafkaMessage[] = [];
    let allReceived!: () => void;
    let crashed!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => ((allReceived = resolve), (crashed = reject)));
    consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) crashed(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push(message);
        if (received.length >= sent.length) allReceived();
      },
    });
    await withTimeout(done, 20_000, `receiving ${sent.length} messages on ${topic}`);

    expect(
      received.map((message) => ({ key: message.key?.toString(), value: message.value?.toString() })),
    ).toEqual(sent);
    expect(received.map((message) => message.offset)).toEqual(['0', '1', '2', '3']);
  });
});
