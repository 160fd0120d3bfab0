import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Kept without an answer (see `hold`). */
  held: boolean;
}

export interface WebhookReceiverOptions {
  /** Whether to keep a request unanswered (its sender waits until it gives up or dies). */
  hold?: (hook: Omit<ReceivedHook, 'held'>) => boolean;
}

/**
 * A local HTTP endpoint on a random port that answers 204 (or never, for requests `hold` picks)
 * and keeps what was POSTed to it.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<{
  url: string;
  received: ReceivedHook[];
  close(): Promise<void>;
}> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const hook = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const held = options.hold?.(hook) ?? false;
      received.push({ ...hook, held });
      if (!held) res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
