import type { NdjsonLine } from './ndjson-line.js';

export const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;

/**
 * Splits decoded NDJSON text, fed in pieces of any size, into numbered lines. Accepts LF and
 * CRLF, skips blank lines (they still count in line numbers) and a leading byte order mark,
 * and turns a line longer than `maxLineLength` characters into an error line without ever
 * holding more than that much of it.
 */
export class LineSplitter {
  private partial = '';
  private overlong = false;
  private lineNumber = 0;
  private started = false;

  constructor(private readonly maxLineLength: number = DEFAULT_MAX_LINE_LENGTH) {}

  /** Lines ended so far, blank ones included (the last line number given). */
  get lineCount(): number {
    return this.lineNumber;
  }

  push(text: string, out: NdjsonLine[] = []): NdjsonLine[] {
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let from = 0;
    for (;;) {
      const newline = text.indexOf('\n', from);
      if (newline < 0) break;
      if (this.partial === '') this.emit(text.slice(from, newline), out);
      else {
        const line = this.partial + text.slice(from, newline);
        this.partial = '';
        this.emit(line, out);
      }
      from = newline + 1;
    }
    if (from < text.length) {
      if (this.overlong) return out;
      this.partial += from === 0 ? text : text.slice(from);
      if (this.partial.length > this.maxLineLength) {
        this.overlong = true;
        this.partial = '';
      }
    }
    return out;
  }

  /** The last line, when the input does not end with a newline. */
  end(out: NdjsonLine[] = []): NdjsonLine[] {
    if (this.partial !== '' || this.overlong) this.emit(this.partial, out);
    this.partial = '';
    return out;
  }

  private emit(line: string, out: NdjsonLine[]): void {
    this.lineNumber++;
    if (this.overlong) {
      this.overlong = false;
      out.push({ lineNumber: this.lineNumber, error: `line longer than ${this.maxLineLength} characters` });
      return;
    }
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length > this.maxLineLength) {
      out.push({ lineNumber: this.lineNumber, error: `line longer than ${this.maxLineLength} characters` });
      return;
    }
    if (line.length === 0 || (line.charCodeAt(0) <= 32 && line.trim() === '')) return;
    out.push({ lineNumber: this.lineNumber, text: line });
  }
}
