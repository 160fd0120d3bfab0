import type { Kysely } from 'kysely';
import type { BotApiAnswer } from '../alerts/channels/telegram/api.js';
import { mutedKeyboard, muteKeyboard, parseButtonPress } from '../alerts/channels/telegram/keyboard.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../logging/logger.js';
import type { SilenceRepository } from '../silences/silence-repository.js';
import { asNameText } from '../validation/names.js';
import { NotFoundError } from '../validation/problems.js';
import { checkPress, type PressedMessage } from './press-binding.js';

/** The parts of a Bot API update lagwatch reads (everything else is ignored). */
export interface TelegramUpdate {
  update_id: number;
  callback_query?: {
    id: string;
    from: { id: number; username?: string; first_name?: string };
    message?: PressedMessage;
    data?: string;
  };
}

export interface PressDeps {
  db: Kysely<Database>;
  silences: Pick<SilenceRepository, 'create' | 'expire' | 'get' | 'originOf'>;
  /** The chats alerts go to (chat ids and @channel names): presses from elsewhere are refused. */
  alertChats: () => Promise<Set<string>>;
  callBot: (method: string, body: Record<string, unknown>) => Promise<BotApiAnswer>;
  botId: string;
  logger: Logger;
  now: () => number;
  /** Called after the silence is written and after the chat is answered (the crash harness stops there). */
  onStep?: (step: 'silenced' | 'answered') => void;
}

/**
 * One update. A press acts only on its own message (see checkPress): anything else is answered
 * with why and changes nothing. A Mute press creates the silence once per update (its origin
 * key is the bot and update id, so an update replayed after a crash finds the silence it made),
 * then answers the press and turns the keyboard into "Muted by @ann until 14:05 UTC · Unmute";
 * an Unmute press expires the silence and brings the Mute buttons back. Answering and editing are best effort
 * (a replayed press is too old to answer, an edit already made is "not modified").
 */
export async function handleUpdate(update: TelegramUpdate, deps: PressDeps): Promise<void> {
  const query = update.callback_query;
  if (!query) return;
  const press = parseButtonPress(query.data);
  const answer = (text: string) => deps.callBot('answerCallbackQuery', { callback_query_id: query.id, text });
  const chat = query.message?.chat;
  if (!press || !chat || !query.message) {
    await answer('This button no longer works');
    return;
  }
  const allowed = await deps.alertChats();
  if (!allowed.has(String(chat.id)) && !(chat.username && allowed.has(`@${chat.username}`))) {
    deps.logger.warn(
      { chat_id: chat.id, from: query.from.id },
      'Telegram button press from a chat that is not an alert destination',
    );
    await answer('This chat is not a lagwatch alert destination');
    return;
  }
  // A first name is anything its user typed: no bidi controls or invisible characters in created_by.
  const who =
    asNameText(query.from.username ? `@${query.from.username}` : (query.from.first_name ?? '')) ||
    `user ${query.from.id}`;
  // The audit log names the user by what cannot be chosen freely: the username, else the user id.
  const username = query.from.username ? asNameText(`@${query.from.username}`) : '';
  const actor = `telegram:${username || query.from.id}`;
  const edit = (keyboard: object) =>
    deps.callBot('editMessageReplyMarkup', {
      chat_id: chat.id,
      message_id: query.message?.message_id,
      reply_markup: keyboard,
    });

  const check = await checkPress(press, query.data ?? '', query.message, deps);
  if (!check.accepted) {
    deps.logger.warn(
      { chat_id: chat.id, message_id: query.message.message_id, from: query.from.id, reason: check.reason },
      'Telegram button press refused',
    );
    await answer(check.answer);
    return;
  }
  const { alert, messageKey } = check;

  if (press.action === 'mute') {
    const now = deps.now();
    const silence = await deps.silences.create(
      {
        app_name: alert.app_name,
        message_key: messageKey,
        starts_at: now,
        ends_at: now + press.minutes * 60_000,
        comment: `muted from Telegram (alert ${press.alertId})`,
        created_by: `telegram:${who}`.slice(0, 191),
        origin_key: `telegram:${deps.botId}:${update.update_id}`,
      },
      actor,
    );
    deps.onStep?.('silenced');
    const what = messageKey === null ? alert.app_name : `${alert.app_name} / ${messageKey}`;
    report(deps, 'answerCallbackQuery', await answer(`Muted ${what} until ${silence.ends_at.slice(11, 16)} UTC`));
    deps.onStep?.('answered');
    report(
      deps,
      'editMessageReplyMarkup',
      await edit(mutedKeyboard(who, Date.parse(silence.ends_at), silence.id, press.alertId)),
    );
    return;
  }

  try {
    await deps.silences.expire(press.silenceId, actor);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  deps.onStep?.('silenced');
  report(deps, 'answerCallbackQuery', await answer('Unmuted'));
  deps.onStep?.('answered');
  report(deps, 'editMessageReplyMarkup', await edit(muteKeyboard(press.alertId)));
}

const HARMLESS = [/query is too old/i, /message is not modified/i];

function report(deps: PressDeps, method: string, answer: BotApiAnswer): void {
  if (answer.kind === 'ok') return;
  const reason = answer.kind === 'error' ? `${answer.status} ${answer.description}` : answer.reason;
  const harmless = HARMLESS.some((pattern) => pattern.test(reason));
  deps.logger[harmless ? 'debug' : 'warn']({ method, reason }, `Telegram ${method} failed`);
}
