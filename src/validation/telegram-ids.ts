/**
 * Telegram chat ids as lagwatch takes them (targets and TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID): a
 * number written the one way Telegram writes it — no leading zeros, no `-0`, never 0 (no chat has
 * it) — negative for groups; or a public @channelname. `007` and `7` would be one chat stored
 * twice, and `0` a destination nothing is ever delivered to.
 */
export const TELEGRAM_CHAT_ID = /^(-?[1-9]\d{0,19}|@[A-Za-z][A-Za-z0-9_]{3,})$/;

/** A group or supergroup: a negative chat id such as -1001234567890. */
export const TELEGRAM_GROUP_ID = /^-[1-9]\d{0,19}$/;
