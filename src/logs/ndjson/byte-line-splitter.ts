import { isUtf8 } from 'node:buffer';
import { DEFAULT_MAX_LINE_LENGTH } from './line-splitter.js';
import type { NdjsonLine } from './ndjson-line.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Bytes that make a line blank: tab, LF, VT, FF, CR, space. */
const isBlankByte = (byte: number) => byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (!isBlankByte(byte)) return false;
  return true;
}

function isBlankText(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isBlankByte(line.charCodeAt(i))) return false;
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
    const first = bytes.indexOf(NEWLINE);
    if (first < 0) {
      this.keep(bytes);
      return out;
    }
    let from = 0;
    if (this.partialBytes > 0 || this.overlong) {
      // The line begun in earlier pieces ends here.
      this.emit(this.partialBytes > 0 ? this.joined(bytes.subarray(0, first)) : bytes.subarray(0, first), out);
      from = first + 1;
    }
    const last = bytes.lastIndexOf(NEWLINE);
    if (last >= from) {
      // The whole lines of this piece: checked and decoded at once when all are UTF-8 (the
      // usual case), one by one otherwise.
      const lines = bytes.subarray(from, last);
      if (isUtf8(lines)) this.emitText(lines.toString('utf8'), out);
      else this.emitEach(lines, out);
      from = last + 1;
    }
    if (from < bytes.length) this.keep(bytes.subarray(from));
    return out;
  }

  private joined(end: Buffer): Buffer {
    const line = Buffer.concat([...this.partial, end]);
    this.partial = [];
    this.partialBytes = 0;
    return line;
  }

  /** Holds the start of a line that goes on in the next piece (none of it once past the limit). */
  private keep(rest: Buffer): void {
    if (this.overlong || rest.length === 0) return;
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

  /** Lines separated by newlines (the last one's newline not included), all valid UTF-8. */
  private emitText(text: string, out: NdjsonLine[]): void {
    for (let start = 0; ; ) {
      const newline = text.indexOf('\n', start);
      this.emitString(text.slice(start, newline < 0 ? text.length : newline), out);
      if (newline < 0) return;
      start = newline + 1;
    }
  }

  /** Lines separated by newlines (the last one's newline not included), some not UTF-8. */
  private emitEach(lines: Buffer, out: NdjsonLine[]): void {
    for (let start = 0; ; ) {
      const newline = lines.indexOf(NEWLINE, start);
      this.emit(lines.subarray(start, newline < 0 ? lines.length : newline), out);
      if (newline < 0) return;
      start = newline + 1;
    }
  }

  private emitString(line: string, out: NdjsonLine[]): void {
    this.lineNumber++;
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length > 0 && line.charCodeAt(line.length - 1) === CARRIAGE_RETURN) line = line.slice(0, -1);
    // A UTF-16 unit takes at most 3 bytes: most lines need no byte count.
    if (line.length * 3 > this.maxLineBytes && Buffer.byteLength(line) > this.maxLineBytes) {
      out.push({ lineNumber: this.lineNumber, error: `line longer than ${this.maxLineBytes} bytes` });
      return;
    }
    if (line.length === 0 || (line.charCodeAt(0) <= 0x20 && isBlankText(line))) return;
    out.push({ lineNumber: this.lineNumber, text: line });
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
