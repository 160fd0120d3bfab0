import { Worker } from 'node:worker_threads';
import type { Config } from '../../config/config.js';
import { IngestBodyError } from '../ndjson/ingest-body.js';
import type { IngestResult } from '../ndjson/ndjson-line.js';
import type { OtlpFormat } from '../protocols/otlp/otlp-body.js';
import { IdempotencyKeyReusedError } from './embedded-log-store.js';

/** What the event loop sends the ingest thread: a job opens, its body comes in chunks, then it ends (or is dropped). */
export type IngestMessage =
  | ({ id: number; type: 'start' } & IngestStreamOptions)
  | { id: number; type: 'chunk'; bytes: ArrayBuffer; length: number }
  | { id: number; type: 'end' }
  | { id: number; type: 'abort' };

export type IngestReply =
  | { id: number; ok: true; result: IngestedBody }
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

export interface IngestStreamOptions {
  /** The body must be gzip (Content-Encoding: gzip); otherwise gzip is detected. */
  gzip: boolean;
  /** Limit on the bytes received and, after decompression, on the NDJSON. */
  maxBytes: number;
  /** Limit on the NDJSON's lines after decompression. */
  maxLines: number;
  /** Idempotency-Key: the thread hashes the body and records the key with the logs. */
  idempotencyKey?: string;
  /** How the body is read: NDJSON log documents (default), an Elasticsearch bulk body or an OTLP export. */
  format?: IngestFormat;
  /** es-bulk: the index named in the URL. */
  defaultIndex?: string;
  /** es-bulk: the filter_path applied to the answer. */
  filterPath?: string;
}

/** What a body holds: NDJSON (POST /ingest, the default), an Elasticsearch bulk body or an OTLP export request. */
export type IngestFormat = { protocol: 'ndjson' } | { protocol: 'es-bulk' } | ({ protocol: 'otlp' } & OtlpFormat);

/**
 * The thread's answer: the counts, and for a bulk body its answer already serialised (the
 * event loop neither builds nor serialises an item per action) with the number of actions.
 */
export type IngestedBody = IngestResult & { bulk?: { actions: number; answer: string } };

/**
 * POST /ingest bodies stored by a worker thread (ingest-worker.ts) that holds its own write
 * connection. The body goes to the thread piece by piece as it arrives from the socket: socket
 * chunks are copied into pieces of up to PIECE_BYTES, each transferred (not cloned) once full,
 * so the event loop that answers /health, runs scans and delivers alerts never holds, joins,
 * copies, hashes, parses or stores a whole 32 MiB body, and a small body costs one message.
 * Jobs are answered in order; the thread starts on first use.
 */
export class IngestThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: IngestedBody) => void; reject: (e: Error) => void }>();

  constructor(private readonly config: Config) {}

  /** Streams a body to the thread; rejects with IngestBodyError('payload_too_large') past maxBytes. */
  async ingest(
    body: AsyncIterable<Buffer | string> | Iterable<Buffer>,
    options: IngestStreamOptions,
  ): Promise<IngestedBody> {
    const worker = this.start();
    const id = this.nextId++;
    const answer = new Promise<IngestedBody>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Settled by the thread or by failAll; a body that fails first drops the job instead.
    answer.catch(() => undefined);
    this.post(worker, { id, type: 'start', ...options });
    let received = 0;
    // The piece being filled: a copy the thread owns (a socket chunk may share its memory with
    // the socket's other reads).
    let piece: Uint8Array | undefined;
    let filled = 0;
    const send = () => {
      if (!piece) return;
      const bytes = piece.buffer as ArrayBuffer;
      worker.postMessage({ id, type: 'chunk', bytes, length: filled } satisfies IngestMessage, [bytes]);
      piece = undefined;
      filled = 0;
    };
    try {
      for await (const chunk of body) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        received += bytes.length;
        if (received > options.maxBytes) throw tooLarge(options.maxBytes);
        for (let offset = 0; offset < bytes.length; ) {
          piece ??= new Uint8Array(PIECE_BYTES);
          const taken = Math.min(bytes.length - offset, PIECE_BYTES - filled);
          piece.set(bytes.subarray(offset, offset + taken), filled);
          filled += taken;
          offset += taken;
          if (filled === PIECE_BYTES) send();
        }
      }
    } catch (error) {
      this.pending.delete(id);
      this.post(worker, { id, type: 'abort' });
      throw error;
    }
    send();
    this.post(worker, { id, type: 'end' });
    return answer;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private post(worker: Worker, message: IngestMessage): void {
    worker.postMessage(message);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const source = import.meta.url.endsWith('.ts');
    const entry = new URL(`./ingest-worker.${source ? 'ts' : 'js'}`, import.meta.url);
    const workerData = { config: this.config };
    // Built: the compiled worker. From source (tsx: development, tests): register tsx's loader
    // in the thread first, since loader flags do not reach worker threads. tsx is resolved here: an
    // eval thread would resolve it from the working directory, which may be any folder.
    const worker = source
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`,
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

/** Bytes per message to the thread: a 1,000-line body is one message, a 32 MiB one 128. */
const PIECE_BYTES = 256 * 1024;

const tooLarge = (maxBytes: number) =>
  new IngestBodyError('payload_too_large', `the request body is larger than ${maxBytes} bytes (INGEST_MAX_BYTES)`);
