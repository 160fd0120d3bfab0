import type { Problem } from '../validation/problems.js';
import { ValidationError } from '../validation/problems.js';
import { MAX_SILENCE_MINUTES, type SilenceCreate } from './schemas.js';
import type { NewSilence } from './types.js';

/** "telegram:@ann" (in any case or width) says a Telegram press made it: the API and CLI cannot claim it. */
const claimsTelegram = (creator: string) => creator.normalize('NFKC').toLowerCase().trimStart().startsWith('telegram:');

/**
 * Turns a validated request into a silence: starts_at defaults to now; the end is ends_at, or
 * starts_at + duration_minutes (exactly one of them); created_by may not claim `telegram:`. Throws ValidationError listing every problem.
 */
export function newSilenceFrom(input: SilenceCreate, now: number, defaultCreator: string): NewSilence {
  const problems: Problem[] = [];
  const startsAt = input.starts_at === undefined ? now : Date.parse(input.starts_at);
  if (input.ends_at !== undefined && input.duration_minutes !== undefined) {
    problems.push({ field: 'ends_at', message: 'give ends_at or duration_minutes, not both' });
  }
  if (input.ends_at === undefined && input.duration_minutes === undefined) {
    problems.push({ field: 'duration_minutes', message: 'is required (or ends_at)' });
  }
  const endsAt =
    input.ends_at !== undefined ? Date.parse(input.ends_at) : startsAt + (input.duration_minutes ?? 0) * 60_000;
  const endField = input.ends_at !== undefined ? 'ends_at' : 'duration_minutes';
  if (Number.isNaN(startsAt)) problems.push({ field: 'starts_at', message: 'must be an ISO 8601 time' });
  else if (Number.isNaN(endsAt)) problems.push({ field: 'ends_at', message: 'must be an ISO 8601 time' });
  else if (endsAt <= now) problems.push({ field: endField, message: 'the silence must end in the future' });
  else if (input.ends_at !== undefined) {
    if (endsAt <= startsAt) problems.push({ field: 'ends_at', message: 'must be after starts_at' });
    else if (endsAt - Math.max(startsAt, now) > MAX_SILENCE_MINUTES * 60_000) {
      problems.push({ field: 'ends_at', message: 'a silence lasts at most a year' });
    }
  }
  if (input.created_by !== undefined && claimsTelegram(input.created_by)) {
    problems.push({
      field: 'created_by',
      message: 'must not start with "telegram:": that is kept for silences made with the Telegram Mute buttons',
    });
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return {
    app_name: input.app_name,
    message_key: input.message_key ?? null,
    starts_at: startsAt,
    ends_at: endsAt,
    comment: input.comment === undefined || input.comment.trim() === '' ? null : input.comment.trim(),
    created_by: input.created_by ?? defaultCreator,
  };
}
