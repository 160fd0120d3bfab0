import { type ClientRequest, get, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads `GET /events` over real HTTP (node:http without an agent, so closing it leaves no spare
 * connection for the server's close() to wait on) and keeps every event it received.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  private buffer = '';
  private connected = false;
  private waiters = new Set<() => void>();

  private constructor(
    private readonly request: ClientRequest,
    response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end = this.buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n');
        if (lines.includes(': connected')) this.connected = true;
        const type = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
        const data = lines.find((l) => l.startsWith('data: '))?.slice('data: '.length);
        if (type !== undefined && data !== undefined) this.events.push({ event: type, data: JSON.parse(data) });
        end = this.buffer.indexOf('\n\n');
      }
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** Opens the stream and resolves once the server said `: connected`. */
  static open(url: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const request = get(url, { agent: false }, (response) => {
        if (response.statusCode !== 200) {
          reject(new Error(`GET ${url}: ${response.statusCode}`));
          return;
        }
        const client = new SseClient(request, response);
        const connected = () => {
          if (!client.connected) return;
          client.waiters.delete(connected);
          resolve(client);
        };
        client.waiters.add(connected);
      });
      request.on('error', reject);
    });
  }

  /** The events of a type whose data matches every given field. */
  matching(type: string, fields: Record<string, unknown> = {}): SseEvent[] {
    return this.events.filter(
      (e) => e.event === type && Object.entries(fields).every(([key, value]) => e.data[key] === value),
    );
  }

  /** Waits until an event of the type with those fields arrived; fails after `timeoutMs`. */
  waitFor(type: string, fields: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<SseEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.matching(type, fields)[0];
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `no ${type} event with ${JSON.stringify(fields)} within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): void {
    this.request.on('error', () => {});
    this.request.destroy();
  }
}
