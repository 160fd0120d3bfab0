import { Worker } from 'node:worker_threads';
import type { StatsRequest } from './stats-requests.js';

export interface StatsJob {
  id: number;
  request: StatsRequest;
}

export type StatsReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; name: string; message: string; code: unknown };

/** Threads that read figures: two, so a long read does not hold every other one back. */
const STATS_THREADS = 2;

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
}

/**
 * Figure reads of the embedded store run by worker threads (stats-worker.ts), each with its own
 * connection: the event loop sends a request and gets back only its answer (one page of apps,
 * the busiest apps of a summary), never the rows it was computed from. Threads start on first
 * use; a job goes to the thread with the fewest waiting.
 */
export class StatsThreads {
  private readonly threads: (Thread | undefined)[] = Array.from({ length: STATS_THREADS }, () => undefined);
  private nextId = 1;
  private closed = false;

  constructor(private readonly path: string) {}

  run<T>(request: StatsRequest): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the embedded log store is closed'));
    const thread = this.pick();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      thread.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      // A thread waited on keeps the process alive; an idle one does not.
      thread.worker.ref();
      thread.worker.postMessage({ id, request } satisfies StatsJob);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const running = this.threads.filter((t): t is Thread => t !== undefined);
    this.threads.fill(undefined);
    await Promise.all(running.map((t) => t.worker.terminate()));
  }

  private pick(): Thread {
    let best: Thread | undefined;
    for (let i = 0; i < this.threads.length; i++) {
      const thread = this.threads[i] ?? this.start(i);
      if (thread.pending.size === 0) return thread;
      if (!best || thread.pending.size < best.pending.size) best = thread;
    }
    return best!;
  }

  private start(index: number): Thread {
    const source = import.meta.url.endsWith('.ts');
    const entry = new URL(`./stats-worker.${source ? 'ts' : 'js'}`, import.meta.url);
    const workerData = { path: this.path };
    // From source (tsx: development, tests), tsx's loader is registered in the thread first, as
    // for the ingest thread: loader flags do not reach worker threads. tsx is resolved here: an
    // eval thread would resolve it from the working directory, which may be any folder.
    const worker = source
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    worker.unref();
    const thread: Thread = { worker, pending: new Map() };
    worker.on('message', (reply: StatsReply) => {
      const waiting = thread.pending.get(reply.id);
      if (!waiting) return;
      thread.pending.delete(reply.id);
      if (thread.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(rebuildError(reply));
    });
    const failAll = (error: Error) => {
      for (const waiting of thread.pending.values()) waiting.reject(error);
      thread.pending.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.threads[index] === thread) this.threads[index] = undefined;
      failAll(new Error(`a stats thread exited (code ${code})`));
    });
    this.threads[index] = thread;
    return thread;
  }
}

/** The thread's error as the caller would have seen it in-process (RangeError stays one; SQLite codes kept). */
function rebuildError(reply: Extract<StatsReply, { ok: false }>): Error {
  const error = reply.name === 'RangeError' ? new RangeError(reply.message) : new Error(reply.message);
  if (reply.name !== 'RangeError' && reply.name !== 'Error') error.name = reply.name;
  if (reply.code !== undefined) (error as Error & { code: unknown }).code = reply.code;
  return error;
}
