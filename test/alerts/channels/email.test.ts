import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmailNotifier, verifySmtp } from '../../../src/alerts/channels/email/notifier.js';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import type { Destination } from '../../../src/alerts/notification.js';
import { renderEmail } from '../../../src/alerts/render/email.js';
import type { Config } from '../../../src/config/config.js';
import { loadConfig } from '../../../src/config/load.js';
import { parseMail, SmtpPeer, type SmtpPeerOptions } from '../../support/smtp-peer.js';
import { HOSTILE_TEXTS, notification, sample } from '../render/sample-notification.js';

const TO: Destination = { channel: 'email', address: 'ops@example.com', targetId: 3 };
const PASSWORD = 'smtp-pass-9f8e7d6c';

let peer: SmtpPeer;

async function startPeer(options: SmtpPeerOptions = {}) {
  peer = await SmtpPeer.start(options);
}

afterEach(async () => {
  await peer.close();
});

function mailConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(
    {
      MAIL_HOST: '127.0.0.1',
      MAIL_PORT: String(peer.port),
      MAIL_ENCRYPTION: 'none',
      MAIL_FROM_ADDRESS: 'alerts@example.com',
      MAIL_FROM_NAME: 'Lag Watch',
      ...overrides,
    },
    undefined,
  );
}

const email = (config: Config) => new EmailNotifier(config.mail, { connectTimeoutMs: 2000, socketTimeoutMs: 5000 });

async function failure(send: Promise<unknown>): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as DeliveryError).message).not.toContain(PASSWORD);
  return error as DeliveryError;
}

describe('EmailNotifier over a real SMTP peer', () => {
  beforeEach(() => startPeer());

  it('delivers a text and an HTML body with the template subject and the configured sender', async () => {
    const n = notification({ sinceLastAlert: 10 });
    await expect(email(mailConfig()).send(n, TO)).resolves.toEqual({ reply: expect.stringMatching(/^SMTP 250/) });

    expect(peer.messages).toHaveLength(1);
    const mail = peer.messages[0]!;
    expect(mail.envelopeFrom).toBe('alerts@example.com');
    expect(mail.envelopeTo).toEqual(['ops@example.com']);
    const parsed = parseMail(mail.raw);
    const rendered = renderEmail(n);
    expect(parsed.headers.get('subject')).toEqual([rendered.subject]);
    expect(parsed.headers.get('from')?.[0]).toMatch(/^"?Lag Watch"? <alerts@example\.com>$/);
    expect(parsed.headers.get('to')).toEqual(['ops@example.com']);
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(rendered.text);
    expect(parsed.html?.replace(/\r\n/g, '\n')).toBe(rendered.html);
    expect(parsed.text).toContain('10 violations since the last alert (3 in this scan)');
  });

  it('cannot be made to inject headers or recipients by log text', async () => {
    const n = notification({
      app: 'shop\r\nBcc: victim@evil.example\r\nX-Injected: 1',
      messageKey: 'key\nSubject: fake',
      samples: [sample({ message: '\r\n\r\n<script>alert(1)</script>\r\n.\r\nMAIL FROM:<x@evil.example>' })],
    });
    await email(mailConfig()).send(n, TO);

    const mail = peer.messages[0]!;
    expect(mail.envelopeTo).toEqual(['ops@example.com']);
    const parsed = parseMail(mail.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('x-injected')).toBe(false);
    expect(parsed.headers.get('subject')).toHaveLength(1);
    expect(parsed.headers.get('subject')![0]).toContain('shop Bcc: victim@evil.example X-Injected: 1');
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain('&lt;script&gt;');
  });

  it('refuses a destination that is not one plain address', async () => {
    for (const address of [
      'a@example.com, b@example.com',
      'a@example.com\r\nBcc: b@example.com',
      'Name <a@example.com>',
    ]) {
      const error = await failure(email(mailConfig()).send(notification(), { ...TO, address }));
      expect(error.retryable).toBe(false);
    }
    expect(peer.messages).toHaveLength(0);
  });

  it('carries emoji and right-to-left text intact', async () => {
    const rtl = HOSTILE_TEXTS.find((t) => t.text.startsWith('RTL'))!;
    await email(mailConfig()).send(notification({ app: 'café 😀', samples: [sample({ message: rtl.text })] }), TO);
    const parsed = parseMail(peer.messages[0]!.raw);
    expect(parsed.headers.get('subject')![0]).toContain('café 😀');
    expect(parsed.text).toContain(rtl.readable);
  });

  it('fails retryably while SMTP is down and delivers once it is back', async () => {
    const notifier = email(mailConfig());
    await peer.down();
    const error = await failure(notifier.send(notification(), TO));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`SMTP 127.0.0.1:${peer.port}`);

    await peer.up();
    const waiting = peer.waitForMessages(1);
    await notifier.send(notification(), TO);
    expect((await waiting).map((m) => m.envelopeTo)).toEqual([['ops@example.com']]);
  });

  it('treats a rejected recipient (550) as permanent and a deferred one (451) as retryable', async () => {
    peer.rejected.add('gone@example.com');
    peer.deferred.add('busy@example.com');
    const gone = await failure(email(mailConfig()).send(notification(), { ...TO, address: 'gone@example.com' }));
    expect(gone.retryable).toBe(false);
    expect(gone.message).toContain('550');
    const busy = await failure(email(mailConfig()).send(notification(), { ...TO, address: 'busy@example.com' }));
    expect(busy.retryable).toBe(true);
    expect(busy.message).toContain('451');
    expect(peer.messages).toHaveLength(0);
  });

  it('requires STARTTLS when MAIL_ENCRYPTION=tls, and refuses a server without it', async () => {
    const error = await failure(email(mailConfig({ MAIL_ENCRYPTION: 'tls' })).send(notification(), TO));
    expect(error.retryable).toBe(false);
    expect(peer.messages).toHaveLength(0);
  });

  it('refuses permanently, naming the variable, when MAIL_HOST is not set', async () => {
    const error = await failure(email(loadConfig({}, undefined)).send(notification(), TO));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('MAIL_HOST');
  });
});

describe('EmailNotifier with SMTP authentication', () => {
  beforeEach(() => startPeer({ credentials: { user: 'lagwatch', pass: PASSWORD } }));

  it('authenticates when MAIL_USERNAME is set', async () => {
    await email(mailConfig({ MAIL_USERNAME: 'lagwatch', MAIL_PASSWORD: PASSWORD })).send(notification(), TO);
    expect(peer.messages.map((m) => m.user)).toEqual(['lagwatch']);
  });

  it('treats bad credentials as permanent, without the password in the error', async () => {
    const error = await failure(
      email(mailConfig({ MAIL_USERNAME: 'lagwatch', MAIL_PASSWORD: `${PASSWORD}-wrong` })).send(notification(), TO),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('535');
  });
});

describe('verifySmtp', () => {
  beforeEach(() => startPeer());

  it('reports a reachable server as ok and a stopped one with the reason', async () => {
    await expect(verifySmtp(mailConfig())).resolves.toEqual({ ok: true });
    await peer.down();
    const result = await verifySmtp(mailConfig(), { connectTimeoutMs: 2000 });
    expect(result.ok).toBe(false);
    expect(result.error).toContain(`SMTP 127.0.0.1:${peer.port}`);
  });

  it('reports a missing MAIL_HOST', async () => {
    await expect(verifySmtp(loadConfig({}, undefined))).resolves.toEqual({ ok: false, error: 'MAIL_HOST is not set' });
  });
});
