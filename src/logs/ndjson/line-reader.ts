import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { decodedChunks } from './input-stream.js';
import { DEFAULT_MAX_LINE_LENGTH, LineSplitter } from './line-splitter.js';
import type { NdjsonLine } from './ndjson-line.js';

export interface LineReaderOptions {
  maxLineLength?: number;
  /** Called with the size of every chunk read from the source (compressed bytes for gzip). */
  onRead?: (bytes: number) => void;
}

/**
 * Streams the numbered lines of an NDJSON input (plain or gzip, detected by its magic bytes),
 * yielding them in arrays, one per chunk read, never holding the whole input.
 */
export async function* readNdjsonLines(
  source: Readable,
  options: LineReaderOptions = {},
): AsyncGenerator<NdjsonLine[]> {
  const splitter = new LineSplitter(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of decodedChunks(source, { onRead: options.onRead })) {
    const lines = splitter.push(decoder.write(chunk));
    if (lines.length > 0) yield lines;
  }
  const last = splitter.push(decoder.end());
  splitter.end(last);
  if (last.length > 0) yield last;
}
