import type { Kysely } from 'kysely';
import { alertSubject } from '../alerts/alert-log.js';
import type { ButtonPress } from '../alerts/channels/telegram/keyboard.js';
import type { Database } from '../db/schema.js';
import type { SilenceRepository } from '../silences/silence-repository.js';
import { NotFoundError } from '../validation/problems.js';

/** The message a button was pressed on, as Telegram reports it in the callback query. */
export interface PressedMessage {
  message_id: number;
  chat: { id: number; username?: string };
  /** The message's inline keyboard as it was when pressed (only the bot can set it). */
  reply_markup?: { inline_keyboard?: unknown };
}

export type AlertSubject = NonNullable<Awaited<ReturnType<typeof alertSubject>>>;

export type PressCheck =
  | { accepted: true; alert: AlertSubject; messageKey: string | null }
  | { accepted: false; answer: string; reason: string };

export interface BindingDeps {
  db: Kysely<Database>;
  silences: Pick<SilenceRepository, 'get' | 'originOf'>;
  botId: string;
}

const NOTHING_CHANGED = 'nothing was changed';

/**
 * Whether a press may act, and on what. Telegram passes on whatever callback data a client
 * sends for a message (a modified client can send any), but reports the message with the
 * keyboard the bot gave it. So a press is accepted only when:
 * - its data is one of the buttons on that message (data copied from another message, or made
 *   up, is refused);
 * - the alert-log row it names was sent to the chat the press came from (the row's app and
 *   message key decide what is muted, never the button);
 * - for Unmute, the silence it names was made by a press of this bot on that alert's subject:
 *   a silence made through the API, the CLI or the dashboard is never ended from Telegram.
 */
export async function checkPress(
  press: ButtonPress,
  data: string,
  message: PressedMessage,
  deps: BindingDeps,
): Promise<PressCheck> {
  const refuse = (answer: string, reason: string): PressCheck => ({ accepted: false, answer, reason });
  if (!buttonsOf(message).includes(data)) {
    return refuse(`This button does not belong to this message: ${NOTHING_CHANGED}`, 'data not on the message');
  }
  const alert = await alertSubject(deps.db, press.alertId);
  if (!alert) return refuse('That alert is no longer in the alert log', 'alert not in the alert log');
  if (!sentToChat(alert, message.chat)) {
    return refuse(`That alert was not sent to this chat: ${NOTHING_CHANGED}`, 'alert sent elsewhere');
  }
  const messageKey = alert.rule_type === 'message' ? alert.message_key : null;
  if (press.action === 'unmute') {
    const problem = await silenceProblem(press.silenceId, alert.app_name, messageKey, deps);
    if (problem) return refuse(problem.answer, problem.reason);
  }
  return { accepted: true, alert, messageKey };
}

/** The callback data of every button on the message. */
function buttonsOf(message: PressedMessage): string[] {
  const rows = message.reply_markup?.inline_keyboard;
  if (!Array.isArray(rows)) return [];
  return rows
    .flatMap((row: unknown) => (Array.isArray(row) ? row : []))
    .map((button: unknown) => (button as { callback_data?: unknown } | null)?.callback_data)
    .filter((data): data is string => typeof data === 'string');
}

const TELEGRAM_CHANNELS = new Set(['telegram_chat', 'telegram_group']);

/** Only a sent alert carries buttons; it went to one chat id or @channel name. */
function sentToChat(alert: AlertSubject, chat: PressedMessage['chat']): boolean {
  if (!TELEGRAM_CHANNELS.has(alert.channel) || alert.kind !== 'alert') return false;
  if (alert.status === 'suppressed' || alert.status === 'silenced') return false;
  if (alert.destination === String(chat.id)) return true;
  return typeof chat.username === 'string' && alert.destination.toLowerCase() === `@${chat.username.toLowerCase()}`;
}

async function silenceProblem(
  silenceId: number,
  appName: string,
  messageKey: string | null,
  deps: BindingDeps,
): Promise<{ answer: string; reason: string } | undefined> {
  const origin = await deps.silences.originOf(silenceId);
  if (origin === undefined) return { answer: 'That silence no longer exists', reason: 'silence not found' };
  const foreign = {
    answer: `This button ends only the silence it made: ${NOTHING_CHANGED}`,
    reason: 'silence not made by this button',
  };
  if (origin === null || !origin.startsWith(`telegram:${deps.botId}:`)) return foreign;
  try {
    const silence = await deps.silences.get(silenceId);
    return silence.app_name === appName && silence.message_key === messageKey ? undefined : foreign;
  } catch (error) {
    if (error instanceof NotFoundError) return { answer: 'That silence no longer exists', reason: 'silence not found' };
    throw error;
  }
}
