import { SmtpPeer } from '../smtp-peer.js';
import { TelegramStandIn } from '../telegram-stand-in.js';
import { startWebhookReceiver } from './webhook-receiver.js';

/** A receiver for each channel: the Bot API stand-in, an SMTP server and a webhook endpoint. */
export interface ChannelPeers {
  standIn: TelegramStandIn;
  peer: SmtpPeer;
  hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  /** The variables that point lagwatch at them, Telegram's default chat being `chatId`. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startChannelPeers(chatId: string): Promise<ChannelPeers> {
  const standIn = await TelegramStandIn.start();
  const peer = await SmtpPeer.start();
  const hooks = await startWebhookReceiver();
  return {
    standIn,
    peer,
    hooks,
    env: {
      TELEGRAM_BOT_TOKEN: standIn.token,
      TELEGRAM_API_BASE: standIn.apiBase,
      TELEGRAM_CHAT_ID: chatId,
      MAIL_HOST: '127.0.0.1',
      MAIL_PORT: String(peer.port),
      MAIL_ENCRYPTION: 'none',
    },
    async close() {
      await hooks.close();
      await peer.close();
      await standIn.close();
    },
  };
}
