/**
 * The inline keyboards of Telegram alerts and what their buttons say back. callback_data is at
 * most 64 bytes, so buttons carry ids, not names: `mute:<alert id>:<minutes>` and
 * `unmute:<silence id>:<alert id>`.
 */
export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface InlineKeyboard {
  inline_keyboard: InlineButton[][];
}

export type ButtonPress =
  | { action: 'mute'; alertId: number; minutes: number }
  | { action: 'unmute'; silenceId: number; alertId: number };

export const MUTE_CHOICES = [
  { text: 'Mute 1 h', minutes: 60 },
  { text: 'Mute 24 h', minutes: 1440 },
] as const;

export function muteKeyboard(alertId: number): InlineKeyboard {
  return {
    inline_keyboard: [MUTE_CHOICES.map((c) => ({ text: c.text, callback_data: `mute:${alertId}:${c.minutes}` }))],
  };
}

/** "Muted by @ann until 14:05 UTC · Unmute": one button that expires the silence. */
export function mutedKeyboard(who: string, endsAt: number, silenceId: number, alertId: number): InlineKeyboard {
  const iso = new Date(endsAt).toISOString();
  const day = iso.slice(0, 10) === new Date().toISOString().slice(0, 10) ? '' : ` ${iso.slice(5, 10)}`;
  const text = `Muted by ${who} until ${iso.slice(11, 16)}${day} UTC · Unmute`;
  return { inline_keyboard: [[{ text, callback_data: `unmute:${silenceId}:${alertId}` }]] };
}

const MUTE = /^mute:(\d{1,10}):(60|1440)$/;
const UNMUTE = /^unmute:(\d{1,10}):(\d{1,10})$/;

/** The press a button's callback_data stands for, or undefined when it is not one of ours. */
export function parseButtonPress(data: string | undefined): ButtonPress | undefined {
  if (data === undefined) return undefined;
  const mute = MUTE.exec(data);
  if (mute) return { action: 'mute', alertId: Number(mute[1]), minutes: Number(mute[2]) };
  const unmute = UNMUTE.exec(data);
  if (unmute) return { action: 'unmute', silenceId: Number(unmute[1]), alertId: Number(unmute[2]) };
  return undefined;
}
