import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../../config/config.js';
import { storageFailureCode } from '../../db/storage-failure.js';
import { IngestBodyError, ingestBody } from '../ndjson/ingest-body.js';
import { EmbeddedLogStore, IdempotencyKeyReusedError } from './embedded-log-store.js';
import type { IngestJob, IngestReply } from './ingest-thread.js';

/**
 * The ingest worker thread: owns a write connection to the embedded store and parses, maps and
 * stores POST /ingest bodies there, so that the service's event loop never waits on them
 * (SQLite WAL lets the main thread's connection keep reading meanwhile).
 */
const store = EmbeddedLogStore.open((workerData as { config: Config }).config);

parentPort?.on('message', async (job: IngestJob) => {
  let reply: IngestReply;
  try {
    const result = await ingestBody(store, Buffer.from(job.body), {
      gzip: job.gzip,
      maxBytes: job.maxBytes,
      idempotency: job.idempotency,
    });
    reply = { id: job.id, ok: true, result };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof IngestBodyError) {
      reply = { id: job.id, ok: false, kind: 'body', code: error.code, message };
    } else if (error instanceof IdempotencyKeyReusedError) {
      reply = { id: job.id, ok: false, kind: 'key_reused', message };
    } else {
      reply = { id: job.id, ok: false, kind: 'other', storageCode: storageFailureCode(error), message };
    }
  }
  parentPort?.postMessage(reply);
});
