/**
 * Keyword subscriptions and the deliveries they produce.
 */

export type Subscriber = { kind: 'telegram'; chatId: number } | { kind: 'email'; address: string };

/** How alerts show Chinese text: as published, Simplified or Traditional. */
export const DISPLAY_SCRIPTS = ['original', 'hans', 'hant'] as const;
export type DisplayScript = (typeof DISPLAY_SCRIPTS)[number];

export interface Subscription {
  id: string;
  subscriber: Subscriber;
  /** `tg:<chatId>` or `mail:<address>`: one key per chat or address. */
  subscriberKey: string;
  /** The query as the user typed it (parsed again when matchers are compiled). */
  query: string;
  /** `instant` (default) or `digest` at `digestAt` (HH:MM) in `timeZone`. */
  mode: 'instant' | 'digest';
  digestAt?: string;
  timeZone?: string;
  script: DisplayScript;
  paused: boolean;
  /** Why it is paused: `user`, `blocked` (403 / chat not found), `bounced`, … */
  pausedReason?: string;
  /** Who created it: `telegram:<userId>`, `cli`, `web`. */
  createdBy: string;
  createdAt: string;
  /** Private feed token of this subscription (`/feeds/sub/TOKEN.atom`). */
  feedToken: string;
  /**
   * A name its subscriber gave it (`/name`, `subs add --name`): shown instead of the query in
   * alerts, digests, stop buttons and lists (the query still does the matching). At most
   * SUBSCRIPTION_NAME_MAX characters, one line.
   */
  name?: string;
  /**
   * Hashtags put on a line of their own under the title of its alerts (`/tags`, `subs add
   * --tags`), without the `#`: letters, digits and `_` only, so Telegram and mail filters
   * read each as one tag; together at most HASHTAGS_MAX characters written as `#a #b`.
   */
  hashtags?: string[];
}

/**
 * One hashtag as Telegram and mail filters read it: a leading `#` dropped, any character that
 * is not a letter, digit or `_` made `_`, runs of `_` folded, `_` trimmed at both ends ('' when
 * nothing is left).
 */
export function hashtagChars(text: string): string {
  return text
    .replace(/^[#＃]+/u, '')
    .replace(/[^\p{L}\p{M}\p{N}_]/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** What alerts and lists show for a subscription: its name, else its query. */
export function subscriptionLabel(s: Pick<Subscription, 'name' | 'query'>): string {
  return s.name ?? s.query;
}

export function subscriberKey(s: Subscriber): string {
  return s.kind === 'telegram' ? `tg:${s.chatId}` : `mail:${s.address.toLowerCase()}`;
}

/** A delivery moves pending → sending → sent | failed. */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface Delivery {
  /** Idempotency key: `<channel>:<subscriberKey>:<storyKey>`. */
  key: string;
  channel: 'telegram' | 'email';
  subscriberKey: string;
  subscriber: Subscriber;
  /** The subscription(s) that matched, for the message (query names, stop buttons). */
  subscriptionIds: string[];
  /** The article to announce, and its story (the earliest copy's URL, or its own). */
  articleId: string;
  storyKey: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  /** Not before this instant (backoff, retry_after, digest time). */
  notBefore: string;
  lastError?: string;
  /**
   * When the first send that failed transiently (4xx, network, Telegram 5xx) was answered;
   * kept across retries. Retries stop DELIVERY_RETRY_FOR after it (the delivery fails,
   * reason `expired`). Rate limits (429, retry_after) do not set it: they are not failures.
   */
  firstFailedAt?: string;
  sentAt?: string;
}
