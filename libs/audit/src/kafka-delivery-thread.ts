// The sink's side of the delivery worker (kafka-delivery-worker.ts): batches go to the worker packed
// in one transferred buffer, replies come back per request. A worker that dies fails what was in
// flight (the sink retries it from the spool) and a new one is started on the next send.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TracingSettings } from '@tether/telemetry';
import type { KafkaBatchProducerSettings, KafkajsLogLine } from './kafka-batch-producer';

export type DeliveryRequest =
  | { id: number; op: 'send'; data: Uint8Array; ends: Uint32Array }
  | { id: number; op: 'reset' }
  | { id: number; op: 'close' };

/** What a worker starts with: the producer's settings and, when the process exports traces, its own tracing. */
export interface DeliveryWorkerData {
  producer: KafkaBatchProducerSettings;
  tracing?: TracingSettings;
}

export type DeliveryReply =
  | { id: number; ok: true }
  | { id: number; ok: false; name: string; message: string }
  | { log: KafkajsLogLine };

/** What the delivery loop needs of a producer, wherever it runs. */
export interface BatchSender {
  send(records: readonly Buffer[]): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** A delivery failure: reported by the worker (keeping kafkajs' error name), or the worker's death. */
export class KafkaDeliveryError extends Error {
  readonly code = 'AUDIT_KAFKA_DELIVERY_FAILED';

  constructor(
    readonly kafkaErrorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'KafkaDeliveryError';
  }
}

/** How to start the worker: its file, and the Node options it needs. */
export interface DeliveryWorkerEntry {
  file: string;
  execArgv: string[];
}

/**
 * The compiled worker beside this file (dist/, as the broker runs from its build and its image); from
 * the sources (tsx, vitest) the TypeScript one, loaded through tsx, a dev dependency of the source
 * tree. Undefined when neither can run: the sink then keeps kafkajs on its own thread.
 */
export function deliveryWorkerEntry(dir = __dirname): DeliveryWorkerEntry | undefined {
  const compiled = join(dir, 'kafka-delivery-worker.js');
  if (existsSync(compiled)) return { file: compiled, execArgv: [] };
  const source = join(dir, 'kafka-delivery-worker.ts');
  if (!existsSync(source)) return undefined;
  try {
    // 'source': the other libs it loads (@tether/telemetry) from their TypeScript too, not a stale dist/.
    return {
      file: source,
      execArgv: ['--conditions=source', '--require', createRequire(source).resolve('tsx/cjs')],
    };
  } catch {
    return undefined;
  }
}

/** One started worker and the requests it has not answered. */
interface Running {
  worker: Worker;
  waiting: Map<number, { resolve: () => void; reject: (error: Error) => void }>;
  dead: boolean;
}

export class KafkaDeliveryThread implements BatchSender {
  private running?: Running;
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly workerData: DeliveryWorkerData,
    private readonly onLog: (line: KafkajsLogLine) => void,
    private readonly entry: DeliveryWorkerEntry,
    /** Told of every worker started (tests kill one mid-send with it). */
    private readonly onStart?: (worker: Worker) => void,
  ) {}

  send(records: readonly Buffer[]): Promise<void> {
    let total = 0;
    for (const record of records) total += record.length;
    // Its own ArrayBuffer (not Node's shared pool), so it can be transferred rather than copied again.
    const data = Buffer.allocUnsafeSlow(total);
    const ends = new Uint32Array(records.length);
    let offset = 0;
    records.forEach((record, i) => {
      record.copy(data, offset);
      offset += record.length;
      ends[i] = offset;
    });
    return this.request({ id: 0, op: 'send', data, ends }, [data.buffer as ArrayBuffer, ends.buffer]);
  }

  /** Drops the worker's producer (the next send starts a fresh one); nothing to do without a worker. */
  reset(): Promise<void> {
    if (!this.running || this.closed) return Promise.resolve();
    return this.request({ id: 0, op: 'reset' }, []);
  }

  /**
   * Disconnects the producer and flushes the worker's spans if it answers within 2 s, then ends the
   * worker either way.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const running = this.running;
    if (running)
      await Promise.race([
        this.request({ id: 0, op: 'close' }, []).catch(() => undefined),
        new Promise((r) => setTimeout(r, 2_000)),
      ]);
    this.closed = true;
    this.running = undefined;
    if (running) await running.worker.terminate();
  }

  private request(request: DeliveryRequest, transfer: ArrayBuffer[]): Promise<void> {
    if (this.closed)
      return Promise.reject(new KafkaDeliveryError('Closed', 'the audit delivery thread is closed'));
    const running = this.running ?? this.start();
    const id = ++this.nextId;
    return new Promise<void>((resolve, reject) => {
      running.waiting.set(id, { resolve, reject });
      // Kept alive while it owes answers; idle, it does not hold the process open.
      if (running.waiting.size === 1) running.worker.ref();
      running.worker.postMessage({ ...request, id }, transfer);
    });
  }

  private start(): Running {
    const worker = new Worker(this.entry.file, {
      workerData: this.workerData,
      execArgv: this.entry.execArgv,
    });
    const running: Running = { worker, waiting: new Map(), dead: false };
    worker.on('message', (reply: DeliveryReply) => {
      if ('log' in reply) {
        this.onLog(reply.log);
        return;
      }
      const waiter = running.waiting.get(reply.id);
      running.waiting.delete(reply.id);
      if (running.waiting.size === 0) worker.unref();
      if (reply.ok) waiter?.resolve();
      else waiter?.reject(new KafkaDeliveryError(reply.name, reply.message));
    });
    // Only this worker's requests fail: a replacement may already be running others.
    const die = (error: Error) => {
      if (running.dead) return;
      running.dead = true;
      if (this.running === running) this.running = undefined;
      for (const waiter of running.waiting.values()) waiter.reject(error);
      running.waiting.clear();
    };
    worker.on('error', (error) =>
      die(new KafkaDeliveryError('WorkerError', `the audit delivery worker failed: ${error.message}`)),
    );
    worker.on('exit', (code) =>
      die(new KafkaDeliveryError('WorkerExit', `the audit delivery worker exited (code ${code})`)),
    );
    worker.unref();
    this.running = running;
    this.onStart?.(worker);
    return running;
  }
}
