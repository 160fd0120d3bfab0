import { Worker } from 'node:worker_threads';
import type { Config } from '../../config/config.js';
import { IngestBodyError } from '../ndjson/ingest-body.js';
import type { IdempotentIngest } from '../ndjson/ledger-options.js';
import type { IngestResult } from '../ndjson/ndjson-line.js';
import { IdempotencyKeyReusedError } from './embedded-log-store.js';

export interface IngestJob {
  id: number;
  body: ArrayBuffer;
  gzip: boolean;
  maxBytes: number;
  idempotency?: IdempotentIngest;
}

export type IngestReply =
  | { id: number; ok: true; result: IngestResult }
  | {
      id: number;
      ok: false;
      kind: 'body';
      code: 'payload_too_large' | 'invalid_body';
      message: string;
    }
  | { id: number; ok: false; kind: 'key_reused'; message: string }
  | { id: number; ok: false; kind: 'other'; storageCode: string | undefined; message: string };

/** A store error from the worker, with the driver code the HTTP layer classifies (SQLITE_BUSY …). */
export class IngestThreadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'IngestThreadError';
  }
}

/**
 * POST /ingest bodies stored by a worker thread (ingest-worker.ts) that holds its own write
 * connection: parsing and inserting 32 MiB never blocks the event loop that answers /health,
 * runs scans and delivers alerts. Jobs are answered in order; the thread starts on first use.
 */
export class IngestThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: IngestResult) => void; reject: (e: Error) => void }>();

  constructor(private readonly config: Config) {}

  ingest(
    body: Buffer,
    options: { gzip: boolean; maxBytes: number; idempotency?: IdempotentIngest },
  ): Promise<IngestResult> {
    const worker = this.start();
    const id = this.nextId++;
    // A copy the worker owns (the request's buffer may be a slice of a pooled one).
    const copy = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const job: IngestJob = { id, body: copy, ...options };
      worker.postMessage(job, [copy]);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const source = import.meta.url.endsWith('.ts');
    const entry = new URL(`./ingest-worker.${source ? 'ts' : 'js'}`, import.meta.url);
    const workerData = { config: this.config };
    // Built: the compiled worker. From source (tsx: development, tests): register tsx's loader
    // in the thread first, since loader flags do not reach worker threads.
    const worker = source
      ? new Worker(
          `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    worker.unref();
    worker.on('message', (reply: IngestReply) => this.settle(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new IngestThreadError(`the ingest thread exited (code ${code})`, 'EIO'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: IngestReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else if (reply.kind === 'body') waiting.reject(new IngestBodyError(reply.code, reply.message));
    else if (reply.kind === 'key_reused') waiting.reject(new IdempotencyKeyReusedError());
    else waiting.reject(new IngestThreadError(reply.message, reply.storageCode));
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
