import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/**
 * The bytes of an input, decompressed when it starts with the gzip magic bytes (whatever its
 * name). `onRead` receives the size of every chunk read from the source itself (compressed).
 */
export interface DecodeOptions {
  onRead?: (bytes: number) => void;
}

export async function* decodedChunks(source: Readable, options: DecodeOptions = {}): AsyncGenerator<Buffer> {
  try {
    yield* decode(source, options);
  } finally {
    // Releases the file when the consumer stops early or decoding failed.
    if (!source.readableEnded) source.destroy();
  }
}

async function* decode(source: Readable, { onRead }: DecodeOptions): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    onRead?.(chunk.length);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const first = Buffer.concat(head);
  async function* raw(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      onRead?.(chunk.length);
      yield chunk;
    }
  }
  if (!isGzip(first)) {
    yield* raw();
    return;
  }
  const gunzip = createGunzip();
  // pipeline destroys both ends when either fails or the consumer stops early.
  pipeline(Readable.from(raw(), { objectMode: false }), gunzip, () => {});
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    gunzip.destroy();
  }
}
