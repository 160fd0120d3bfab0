/**
 * One status line on a terminal, rewritten in place at most a few times a second; silent when
 * stderr is not a terminal (cron, pipes, CI), so logs stay clean.
 */
export class ProgressLine {
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly enabled: boolean = process.stderr.isTTY === true,
  ) {}

  update(text: string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.stream.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
