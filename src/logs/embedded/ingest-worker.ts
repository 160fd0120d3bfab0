import { createHash, type Hash } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../config/config.js';
import { storageFailureCode } from '../../db/storage-failure.js';
import { IngestBodyError, ingestBody } from '../ndjson/ingest-body.js';
import { ingestBulkBody } from '../protocols/es-bulk/bulk-body.js';
import { bulkResponse, filterPath } from '../protocols/es-bulk/bulk-response.js';
import { ingestOtlpBody } from '../protocols/otlp/otlp-body.js';
import { EmbeddedLogStore, IdempotencyKeyReusedError } from './embedded-log-store.js';
import type { IngestFormat, IngestMessage, IngestReply } from './ingest-thread.js';

/**
 * The ingest worker thread: owns a write connection to the embedded store and collects, parses,
 * maps and stores POST /ingest bodies there, so that the service's event loop never waits on
 * them (SQLite WAL lets the main thread's connection keep reading meanwhile). A body is held as
 * it arrived (at most INGEST_MAX_BYTES on the wire) until it ends, then decompressed, split and
 * stored piece by piece; the store runs these ingests one after another.
 */
const config = (workerData as { config: Config }).config;
const store = EmbeddedLogStore.open(config);

/**
 * Ingest is background work: when it and the event loop both want a CPU (two cores, a busy
 * machine), the event loop should win. On Linux a nice value belongs to a thread, so this lowers
 * the priority of this thread only; elsewhere it would lower the whole process, so it is left alone.
 */
const INGEST_THREAD_NICE = 10;
if (process.platform === 'linux') {
  try {
    setPriority(INGEST_THREAD_NICE);
  } catch {
    // Not allowed here (a sandbox): the thread runs at the process's priority.
  }
}

interface Job {
  gzip: boolean;
  maxBytes: number;
  maxLines: number;
  idempotencyKey: string | undefined;
  format: IngestFormat;
  defaultIndex: string | undefined;
  filterPath: string | undefined;
  /** When the job began (performance.now()): a bulk answer's `took`. */
  started: number;
  chunks: Buffer[];
  digest: Hash | undefined;
}
const jobs = new Map<number, Job>();

parentPort?.on('message', (message: IngestMessage) => {
  switch (message.type) {
    case 'start':
      jobs.set(message.id, {
        gzip: message.gzip,
        maxBytes: message.maxBytes,
        maxLines: message.maxLines,
        idempotencyKey: message.idempotencyKey,
        format: message.format ?? { protocol: 'ndjson' },
        defaultIndex: message.defaultIndex,
        filterPath: message.filterPath,
        started: performance.now(),
        chunks: [],
        digest: message.idempotencyKey === undefined ? undefined : createHash('sha256'),
      });
      return;
    case 'chunk': {
      const job = jobs.get(message.id);
      if (!job) return;
      const bytes = Buffer.from(message.bytes, 0, message.length);
      job.chunks.push(bytes);
      job.digest?.update(bytes);
      return;
    }
    case 'abort':
      jobs.delete(message.id);
      return;
    case 'end': {
      const job = jobs.get(message.id);
      jobs.delete(message.id);
      if (job) void run(message.id, job).then((reply) => parentPort?.postMessage(reply));
      return;
    }
  }
});

async function run(id: number, job: Job): Promise<IngestReply> {
  try {
    const idempotency =
      job.idempotencyKey === undefined || !job.digest
        ? undefined
        : { key: job.idempotencyKey, bodySha256: job.digest.digest('hex') };
    // The chunks are handed over (not joined): each is freed once decompressed and split.
    const { gzip, maxBytes, maxLines } = job;
    switch (job.format.protocol) {
      case 'es-bulk': {
        const options = { gzip, maxBytes, maxLines, idempotency, defaultIndex: job.defaultIndex };
        const { result, items } = await ingestBulkBody(store, job.chunks, options);
        const answer = JSON.stringify(filterPath(bulkResponse(items, performance.now() - job.started), job.filterPath));
        return { id, ok: true, result: { ...result, bulk: { actions: items.length, answer } } };
      }
      case 'otlp': {
        const result = await ingestOtlpBody(store, job.chunks, {
          format: job.format,
          gzip,
          maxBytes,
          maxItems: maxLines,
          fields: config.fields,
          spanKinds: config.otlpSpanKinds,
          idempotency,
        });
        return { id, ok: true, result };
      }
      default: {
        const result = await ingestBody(store, job.chunks, { gzip, maxBytes, maxLines, idempotency });
        return { id, ok: true, result };
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof IngestBodyError) return { id, ok: false, kind: 'body', code: error.code, message };
    if (error instanceof IdempotencyKeyReusedError) return { id, ok: false, kind: 'key_reused', message };
    return { id, ok: false, kind: 'other', storageCode: storageFailureCode(error), message };
  }
}
