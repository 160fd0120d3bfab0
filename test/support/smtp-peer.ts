import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** One message the peer accepted: the SMTP envelope and the raw source. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  /** Username the client authenticated as, if it did. */
  user: string | undefined;
}

export interface SmtpPeerOptions {
  /** When set, AUTH is accepted only with these credentials (over plain SMTP, for tests). */
  credentials?: { user: string; pass: string };
  /** Offer STARTTLS (with smtp-server's built-in test certificate). Default false. */
  offerStartTls?: boolean;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 for tests: collects accepted messages, can
 * reject recipients (550) or defer them (451), and can be stopped and started again on the
 * same port to play "SMTP down, then up".
 */
export class SmtpPeer {
  readonly messages: ReceivedMail[] = [];
  /** Recipients refused with 550 (permanent). */
  readonly rejected = new Set<string>();
  /** Recipients refused with 451 (try again later). */
  readonly deferred = new Set<string>();
  private server: SMTPServer | undefined;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(
    private readonly options: SmtpPeerOptions,
    public port: number,
  ) {}

  static async start(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
    const peer = new SmtpPeer(options, 0);
    await peer.up();
    return peer;
  }

  /** Listens (again) on the peer's port; the first time on a random one. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer(this.serverOptions());
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open connections: the port refuses connections until `up`. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const connection of server.connections) connection.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  close(): Promise<void> {
    return this.down();
  }

  /** Resolves once `count` messages were accepted in all, or rejects after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages);
    return new Promise((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.messages);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`smtp peer: ${this.messages.length} of ${count} messages after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private serverOptions(): SMTPServerOptions {
    const { credentials, offerStartTls } = this.options;
    return {
      logger: false,
      closeTimeout: 1000,
      disabledCommands: offerStartTls ? [] : ['STARTTLS'],
      authOptional: credentials === undefined,
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
          callback(null, { user: auth.username });
        } else {
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
        }
      },
      onRcptTo: (address, _session, callback) => {
        const to = address.address.toLowerCase();
        if (this.rejected.has(to)) {
          return callback(Object.assign(new Error(`<${to}>: no such user here`), { responseCode: 550 }));
        }
        if (this.deferred.has(to)) {
          return callback(Object.assign(new Error(`<${to}>: mailbox busy, try later`), { responseCode: 451 }));
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          this.messages.push({
            envelopeFrom: from === false ? '' : from.address,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          callback();
          const ready = this.waiters.filter((w) => this.messages.length >= w.count);
          this.waiters = this.waiters.filter((w) => this.messages.length < w.count);
          for (const w of ready) w.resolve();
        });
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Just enough MIME reading to assert on what nodemailer produced (mailparser is not installed).

export interface ParsedMail {
  /** Header names lower-cased; values unfolded, RFC 2047 words decoded. */
  headers: Map<string, string[]>;
  text: string | undefined;
  html: string | undefined;
}

export function parseMail(raw: string): ParsedMail {
  const { headers, body } = splitHeaders(raw);
  const parts: Array<{ type: string; content: string }> = [];
  collectParts(headers, body, parts);
  return {
    headers,
    text: parts.find((p) => p.type === 'text/plain')?.content,
    html: parts.find((p) => p.type === 'text/html')?.content,
  };
}

function splitHeaders(raw: string): { headers: Map<string, string[]>; body: string } {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = decodeWords(line.slice(colon + 1).trim());
    headers.set(name, [...(headers.get(name) ?? []), value]);
  }
  return { headers, body };
}

function collectParts(headers: Map<string, string[]>, body: string, out: Array<{ type: string; content: string }>) {
  const contentType = headers.get('content-type')?.[0] ?? 'text/plain';
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) return;
    for (const section of body.split(`--${boundary}`).slice(1)) {
      if (section.startsWith('--')) break;
      // The line break before a boundary belongs to the boundary, not to the part.
      const part = splitHeaders(section.replace(/^\n/, '').replace(/\n$/, ''));
      collectParts(part.headers, part.body, out);
    }
    return;
  }
  const encoding = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  out.push({ type, content: decodeBody(body, encoding) });
}

function decodeBody(body: string, encoding: string): string {
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body.replace(/=\n/g, ''));
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`); adjacent words join without space. */
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, mode: string, data: string) =>
      mode.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}
