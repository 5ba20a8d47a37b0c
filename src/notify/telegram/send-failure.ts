/**
 * What a failed Bot API call means for a delivery. grammY throws `GrammyError` when the API
 * answered `ok: false` and `HttpError` when no answer came (network, timeout); each is
 * sorted into the one thing the worker does about it:
 *
 * - `rate-limited` (429 with `retry_after`): that chat waits at least that long; never dropped;
 * - `blocked` (403: blocked, kicked, deactivated; 400: chat not found, no rights to write,
 *   topic closed, group migrated): the chat's subscriptions are paused, nothing is retried;
 * - `malformed` (400 "can't parse entities"): resent as plain text;
 * - `rejected` (any other 400): resent once as plain text without buttons, then failed;
 * - `transient` (5xx, network, timeouts, anything unknown): retried with backoff. A network
 *   error may come after Telegram accepted the message (`ambiguous`): it is still retried,
 *   so such an alert can arrive twice but is never lost (at-least-once, counted).
 */
import { GrammyError, HttpError } from 'grammy';

export type SendFailure =
  | { kind: 'rate-limited'; retryAfterSeconds: number; description: string }
  | { kind: 'blocked'; description: string }
  | { kind: 'malformed'; description: string }
  | { kind: 'rejected'; description: string }
  | { kind: 'transient'; description: string; ambiguous: boolean };

/** 400 descriptions that mean the bot cannot write to the chat any more. */
const GONE_400 = [
  'chat not found',
  'not enough rights',
  'have no rights to send',
  'need administrator rights',
  'topic_closed',
  'topic closed',
  'group chat was upgraded',
  'chat_write_forbidden',
  'bot was kicked',
  'user is deactivated',
  'peer_id_invalid',
];

export function classifySendError(err: unknown): SendFailure {
  if (err instanceof GrammyError) {
    const description = `${err.error_code}: ${err.description}`;
    const lower = err.description.toLowerCase();
    if (err.error_code === 429) {
      const retry = err.parameters.retry_after;
      return { kind: 'rate-limited', retryAfterSeconds: typeof retry === 'number' && retry > 0 ? retry : 5, description };
    }
    if (err.error_code === 403) return { kind: 'blocked', description };
    if (err.error_code === 400) {
      if (lower.includes("can't parse entities") || lower.includes('can not parse entities') || lower.includes('unsupported start tag')) {
        return { kind: 'malformed', description };
      }
      if (err.parameters.migrate_to_chat_id !== undefined || GONE_400.some((p) => lower.includes(p))) return { kind: 'blocked', description };
      return { kind: 'rejected', description };
    }
    return { kind: 'transient', description, ambiguous: false };
  }
  if (err instanceof HttpError) {
    return { kind: 'transient', description: `network: ${err.message}`, ambiguous: true };
  }
  return { kind: 'transient', description: err instanceof Error ? err.message : String(err), ambiguous: true };
}
