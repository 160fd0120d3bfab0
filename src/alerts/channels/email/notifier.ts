import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Config, MailConfig } from '../../../config/config.js';
import { scrubSecrets } from '../../../config/redact.js';
import type { AlertNotification, Destination } from '../../notification.js';
import { renderEmail } from '../../render/email.js';
import { oneLine } from '../../render/text.js';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../notifier.js';

export interface EmailNotifierOptions {
  /** Connection and greeting timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Inactivity timeout of an open connection. Default 30 s. */
  socketTimeoutMs?: number;
}

const SINGLE_ADDRESS = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+$/;

// Connection-level failures nodemailer reports by code: the server may well be back later.
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPROTOCOL',
]);

/**
 * Email over SMTP (nodemailer) from `MAIL_*`: MAIL_ENCRYPTION `tls` requires STARTTLS, `ssl` is
 * implicit TLS, `none` is plain; AUTH when MAIL_USERNAME is set. Each message has a text and
 * an HTML body and a one-line subject; the From display name comes from MAIL_FROM_NAME and is
 * cleaned of line breaks; log text only reaches the subject and bodies, never a header name.
 * 4xx replies and connection failures → retryable; 5xx replies (550 unknown recipient…),
 * authentication and TLS failures → permanent.
 */
export class EmailNotifier implements Notifier {
  constructor(
    private readonly mail: MailConfig,
    private readonly options: EmailNotifierOptions = {},
  ) {}

  async send(
    notification: AlertNotification,
    destination: Destination,
    signal?: AbortSignal,
  ): Promise<DeliveryReceipt> {
    if (!this.mail.host) throw new DeliveryError('email is not configured: MAIL_HOST is not set', false);
    // Targets are validated on the way in; this guards the one header built from a destination.
    if (!SINGLE_ADDRESS.test(destination.address)) {
      throw new DeliveryError('email address is not a single plain address', false);
    }
    signal?.throwIfAborted();
    const { subject, text, html } = renderEmail(notification);
    const transport = createSmtpTransport(this.mail, this.options);
    const sending = transport.sendMail({
      from: { name: oneLine(this.mail.fromName, 100), address: this.mail.fromAddress },
      to: destination.address,
      subject,
      text,
      html,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    try {
      const info = (await (signal ? raceAbort(sending, signal) : sending)) as { response?: unknown };
      return typeof info?.response === 'string' ? { reply: `SMTP ${info.response.slice(0, 200)}` } : {};
    } catch (error) {
      if (signal?.aborted) throw new DeliveryError('email send aborted', true);
      throw smtpDeliveryError(error, this.mail);
    } finally {
      transport.close();
    }
  }
}

export function createSmtpTransport(mail: MailConfig, options: EmailNotifierOptions = {}) {
  const connectTimeout = options.connectTimeoutMs ?? 10_000;
  const transportOptions: SMTPTransport.Options = {
    host: mail.host,
    port: mail.port,
    secure: mail.encryption === 'ssl',
    requireTLS: mail.encryption === 'tls',
    ignoreTLS: mail.encryption === 'none',
    auth: mail.username ? { user: mail.username, pass: mail.password ?? '' } : undefined,
    connectionTimeout: connectTimeout,
    greetingTimeout: connectTimeout,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  return nodemailer.createTransport(transportOptions);
}

/** Classifies a nodemailer failure; the message names the server, never the password. */
export function smtpDeliveryError(error: unknown, mail: MailConfig): DeliveryError {
  const details = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const reason = typeof details.message === 'string' ? details.message : String(error);
  const message = scrubSecrets(`SMTP ${mail.host}:${mail.port}: ${reason}`, mail.password ? [mail.password] : []);
  const responseCode = typeof details.responseCode === 'number' ? details.responseCode : undefined;
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) return new DeliveryError(message, true);
  if (responseCode !== undefined && responseCode >= 500) return new DeliveryError(message, false);
  if (details.code === 'EAUTH' || details.code === 'ETLS' || details.code === 'EENVELOPE') {
    return new DeliveryError(message, false);
  }
  return new DeliveryError(message, typeof details.code !== 'string' || TRANSIENT_CODES.has(details.code));
}

export interface SmtpCheck {
  ok: boolean;
  error?: string;
}

/** Connects, negotiates TLS and authenticates as configured, sends nothing (diagnose, test:email). */
export async function verifySmtp(config: Pick<Config, 'mail'>, options: EmailNotifierOptions = {}): Promise<SmtpCheck> {
  if (!config.mail.host) return { ok: false, error: 'MAIL_HOST is not set' };
  const transport = createSmtpTransport(config.mail, options);
  try {
    await transport.verify();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: smtpDeliveryError(error, config.mail).message };
  } finally {
    transport.close();
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
