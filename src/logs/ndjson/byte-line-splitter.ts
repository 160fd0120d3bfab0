import { isUtf8 } from 'node:buffer';
import { DEFAULT_MAX_LINE_LENGTH } from './line-splitter.js';
import type { NdjsonLine } from './ndjson-line.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Bytes that make a line blank: tab, LF, VT, FF, CR, space. */
function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d)) return false;
  return true;
}

/**
 * LineSplitter for bytes (POST /ingest bodies): splits NDJSON fed in pieces of any size into
 * numbered lines and decodes each line on its own, so that a line that is not UTF-8 is rejected
 * by its number ("line is not valid UTF-8") instead of being stored with U+FFFD in place of its
 * bad bytes. A newline byte is never part of a multi-byte sequence, so splitting first is safe.
 * Accepts LF and CRLF, skips blank lines (counted in line numbers) and a leading byte order mark,
 * and turns a line longer than `maxLineBytes` into an error line without holding more of it.
 */
export class ByteLineSplitter {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private overlong = false;
  private lineNumber = 0;

  constructor(private readonly maxLineBytes: number = DEFAULT_MAX_LINE_LENGTH) {}

  /** Lines ended so far, blank ones included (the last line number given). */
  get lineCount(): number {
    return this.lineNumber;
  }

  push(bytes: Buffer, out: NdjsonLine[] = []): NdjsonLine[] {
    let from = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, from);
      if (newline < 0) break;
      if (this.partialBytes === 0) this.emit(bytes.subarray(from, newline), out);
      else {
        const line = Buffer.concat([...this.partial, bytes.subarray(from, newline)]);
        this.partial = [];
        this.partialBytes = 0;
        this.emit(line, out);
      }
      from = newline + 1;
    }
    if (from < bytes.length && !this.overlong) {
      const rest = bytes.subarray(from);
      this.partialBytes += rest.length;
      if (this.partialBytes > this.maxLineBytes) {
        this.overlong = true;
        this.partial = [];
        this.partialBytes = 0;
      } else {
        // A copy: the piece it came from need not stay alive for the rest of the line.
        this.partial.push(Buffer.from(rest));
      }
    }
    return out;
  }

  /** The last line, when the input does not end with a newline. */
  end(out: NdjsonLine[] = []): NdjsonLine[] {
    if (this.partialBytes > 0 || this.overlong) this.emit(Buffer.concat(this.partial), out);
    this.partial = [];
    this.partialBytes = 0;
    return out;
  }

  private emit(line: Buffer, out: NdjsonLine[]): void {
    this.lineNumber++;
    const tooLong = () =>
      out.push({ lineNumber: this.lineNumber, error: `line longer than ${this.maxLineBytes} bytes` });
    if (this.overlong) {
      this.overlong = false;
      tooLong();
      return;
    }
    // The byte order mark is taken off the first line, whichever pieces it came in.
    if (this.lineNumber === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
    if (line.length > this.maxLineBytes) {
      tooLong();
      return;
    }
    if (line.length === 0 || ((line[0] ?? 0) <= 0x20 && isBlank(line))) return;
    if (!isUtf8(line)) {
      out.push({ lineNumber: this.lineNumber, error: 'line is not valid UTF-8' });
      return;
    }
    out.push({ lineNumber: this.lineNumber, text: line.toString('utf8') });
  }
}
