/**
 * The Telegram delivery worker: takes the `telegram` deliveries the outbox says are due and
 * sends them, within Telegram's limits, without losing or repeating one.
 *
 * - One lane per chat: a chat's messages go one at a time, oldest first; lanes run side by
 *   side, so a chat that waits (its 1 s gap, a group's 20 a minute, a `retry_after`) never
 *   holds up another. Lanes outlive a drain: the periodic loop only feeds them what became
 *   due, skipping what a lane already holds.
 * - One send gate for all lanes: the RateLimiter's overall rate (GCRA, an ideal timeline),
 *   handed out first come first served, so thousands of waiting chats cost one timer, not
 *   thousands; a late timer grants the sends it missed at once (up to the burst), so timer
 *   lateness does not lower the rate.
 * - Prepared ahead, within a window: a lane reads its articles, renders and marks `sending`
 *   before it queues at the gate, but only `prepareAhead` lanes (about half a second of sends)
 *   may be prepared and waiting at once. So the gate always has sends ready when a grant is
 *   due, the first send goes as soon as one lane is ready (not after every chat has rendered),
 *   and a drain of thousands of chats holds a bounded number of rendered messages.
 * - Folding: a chat with more than `foldThreshold` alerts waiting gets them in one message
 *   (at most MAX_FOLDED a message), and every one of them is marked sent.
 * - Each delivery goes pending → sending → sent | failed, in the outbox, around the send. A
 *   crash leaves it in `sending`; `start()` puts those back (sent again: at least once).
 *
 * What a refusal does (classifySendError):
 * - rate-limited: grammY's auto-retry waits out a short `retry_after` (≤ 5 s) itself, once;
 *   a longer one blocks that chat in the limiter until then and puts the delivery back with
 *   `notBefore`, however many times it happens (never dropped). The chat's other alerts wait
 *   behind it, in order.
 * - blocked (403, chat not found, kicked, …): the chat's subscriptions are paused
 *   (pausedReason `blocked`), this delivery and the chat's others in the lane fail, and later
 *   ones fail without a send while the subscriptions stay paused: one request, no storm.
 * - malformed (can't parse entities): the same alert again as plain text, then sent.
 * - rejected (any other 400): once more as plain text without buttons; failed if that is
 *   refused too, with both reasons.
 * - transient (5xx, network): back to pending after an exponential backoff with jitter
 *   (5 s doubling, capped at 1 h); the chat waits as long, so its order holds. Still failing
 *   DELIVERY_RETRY_FOR (3 days) after the first failure: failed as `expired`.
 */
import { setMaxListeners } from 'node:events';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import type { Article } from '../../domain/article.js';
import type { Delivery, Subscription } from '../../domain/subscription.js';
import { expiredError, retryExpired, type Outbox } from '../../delivery/outbox.js';
import { formatDuration } from '../../config/interval.js';
import { DEFAULT_DELIVERY_RETRY_FOR_MS } from '../../config/settings.js';
import { jitteredBackoffMs, Wakeup } from '../../delivery/timing.js';
import type { Logger } from '../../ops/logger.js';
import type { Metrics } from '../../ops/metrics.js';
import type { Store } from '../../store/store.js';
import type { SubscriptionStore } from '../../subscriptions/subscription-store.js';
import { alsoReportedBy } from '../story-copies.js';
import type { ChatPrefs } from './chat-prefs.js';
import { RateLimiter, systemClock, type Clock, type RateLimits } from './rate-limiter.js';
import { renderAlert, renderFolded, type AlertItem, type RenderedAlert } from './render-alert.js';
import { classifySendError, type SendFailure } from './send-failure.js';

/** At most this many alerts folded into one message (more make several folded messages). */
export const MAX_FOLDED = 10;
/** First transient retry after about this long; doubles each attempt. */
export const BACKOFF_BASE_MS = 5_000;
/** Transient retries are never further apart than this. */
export const BACKOFF_CAP_MS = 3_600_000;

/**
 * The grammY client for sending: auto-retry waits out a short flood wait (`retry_after`
 * ≤ 5 s) once. 5xx and network errors are not retried here (`rethrow…`): the worker puts the
 * delivery back in the outbox with its own backoff, durably, instead of holding the chat's
 * lane (auto-retry would retry a network error without limit).
 */
export function createTelegramApi(token: string, apiRoot: string): Api {
  const api = new Api(token, { apiRoot });
  api.config.use(autoRetry({ maxRetryAttempts: 1, maxDelaySeconds: 5, rethrowInternalServerErrors: true, rethrowHttpErrors: true }));
  return api;
}

export type TelegramMetrics = Pick<Metrics, 'telegramSent' | 'telegramFailed' | 'telegramRetried' | 'telegramPausedChats' | 'telegramQueueDepth'>;

export interface TelegramNotifierDeps {
  api: Api;
  outbox: Outbox;
  subscriptions: Pick<SubscriptionStore, 'getMany' | 'updateAllOf'>;
  /** Articles (getArticles) and their story copies. */
  store: Store;
  /** Display name of a source id. */
  sourceName: (sourceId: string) => string;
  /** The chat's language; and, when given, whether it wants its alerts silent (`/silent on`: `disable_notification`). */
  chatPrefs: Pick<ChatPrefs, 'language'> & Partial<Pick<ChatPrefs, 'silent'>>;
  /** TELEGRAM_RATE, 1 s a chat, TELEGRAM_GROUP_RATE. */
  limits: RateLimits;
  clock?: Clock;
  logger: Logger;
  metrics: TelegramMetrics;
  /** DEFAULT_TIMEZONE, for subscriptions without a zone of their own. */
  timeZone: string;
  /** ALERT_FOLD_THRESHOLD: more alerts than this waiting for one chat are sent as one message. */
  foldThreshold: number;
  /** Told when a chat is paused because the bot can no longer write there (admin report). */
  onChatBlocked?: (chatId: number, reason: string) => void | Promise<void>;
  /** [0, 1) for the backoff jitter (tests fix it). */
  random?: () => number;
  /** Most due deliveries taken into lanes per drain (default 20,000). */
  batchSize?: number;
  /** Lanes prepared (read, rendered, marked sending) and waiting for the gate at once (default: half a second of sends, at least 16). */
  prepareAhead?: number;
  /**
   * Whether this process may still send (it holds the worker lease, delivery/worker-lease.ts).
   * Checked before a batch is marked `sending` and again right before the send: when false,
   * nothing more is sent and what was marked goes back to pending for the lease's new holder.
   * Default: always.
   */
  mayRun?: () => boolean;
  /**
   * The overall rate and per-chat gap shared by every process (distributed mode: a Redis
   * limiter, distributed/redis-limits.ts). Each send reserves its slot there after this
   * process's own gate and waits what it says; a chat told to wait (429) is blocked there too.
   */
  sharedRate?: SharedSendRate;
  /** DELIVERY_RETRY_FOR: transient failures are retried this long from the first (default 3 days). */
  retryForMs?: number;
}

/** A send-rate limiter shared across processes. */
export interface SharedSendRate {
  /** Reserve the next send to `chatId`; resolves with the milliseconds to wait before sending. */
  reserve(chatId: number, signal?: AbortSignal): Promise<number>;
  /** The chat may get nothing before `untilMs` (epoch ms). */
  block(chatId: number, untilMs: number): Promise<void>;
}

/** What one drain did, in deliveries (and messages, for sent ones). */
export interface DrainReport {
  /** Deliveries this drain took into lanes. */
  taken: number;
  sent: number;
  failed: number;
  /** Put back for later (rate-limited, transient). */
  retried: number;
  /** Left pending untouched (chat blocked meanwhile, stopping): sent by a later drain. */
  deferred: number;
  /** Messages Telegram accepted. */
  messages: number;
  /** Of those, folded messages. */
  folded: number;
  /** Chats paused because the bot can no longer write there. */
  pausedChats: number;
}

type Outcome = 'sent' | 'failed' | 'retried' | 'deferred';

interface Queued {
  delivery: Delivery;
  report: DrainReport;
  done: (outcome: Outcome) => void;
}

interface Lane {
  chatId: number;
  queue: Queued[];
  running: Promise<void>;
}

/** What a lane does after a batch: go on, or stop and leave / fail what it still holds. */
type After = 'continue' | 'release' | 'fail-rest';

/** The stop signal every waiting lane listens to (thousands at once: no listener cap). */
function stopController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

function emptyReport(): DrainReport {
  return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, folded: 0, pausedChats: 0 };
}

/** Exponential backoff with jitter: half fixed, half random, before retry number `attempts`. */
export function transientBackoffMs(attempts: number, random: () => number = Math.random): number {
  return jitteredBackoffMs(attempts, BACKOFF_BASE_MS, BACKOFF_CAP_MS, random);
}

export class TelegramNotifier {
  /** The limiter every send goes through (exposed for /stats and tests). */
  readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly gate: SendGate;
  private readonly prepared: Slots;
  private readonly lanes = new Map<number, Lane>();
  /** Keys held by a lane (queued or in flight). */
  private readonly queued = new Set<string>();
  private stopSignal = stopController();
  private readonly wakeup = new Wakeup();
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** `deps.sourceName` as the id → name record story-copies reads. */
  private readonly sourceNames: Readonly<Record<string, string>>;
  private feeding: Promise<unknown> = Promise.resolve();
  /**
   * Deliveries whose bookkeeping failed (the store was down around the send): perhaps left in
   * `sending`. The next feed puts those back to pending (sent again: at least once), so an
   * outage of the store does not leave them waiting for the next start.
   */
  private readonly limbo = new Map<string, Delivery>();

  constructor(private readonly deps: TelegramNotifierDeps) {
    if (!(deps.foldThreshold >= 1)) throw new Error('foldThreshold must be at least 1');
    this.clock = deps.clock ?? systemClock;
    this.limiter = new RateLimiter(deps.limits, this.clock);
    this.gate = new SendGate(this.limiter, this.clock);
    this.prepared = new Slots(deps.prepareAhead ?? Math.max(16, Math.ceil(deps.limits.globalPerSecond / 2)));
    this.sourceNames = new Proxy({} as Record<string, string>, {
      get: (_target, id) => (typeof id === 'string' ? deps.sourceName(id) : undefined),
    });
  }

  /** Send everything due now; resolves when each of those deliveries is finished or put back. */
  async drain(): Promise<DrainReport> {
    // After stop() a drain of its own still works (CLI, tests); a running loop keeps its signal.
    if (!this.loop && !this.stopping && this.stopSignal.signal.aborted) this.stopSignal = stopController();
    const report = emptyReport();
    const finished = await this.feed(report);
    await Promise.all(finished);
    await this.updateQueueDepth();
    return report;
  }

  /**
   * Render one made-up alert, so the first real one does not pay for compiling the templates
   * and the date formats (about 0.1 s). `start()` does it; a caller timing drains may do it first.
   */
  warmUp(): void {
    const now = new Date(this.clock.now());
    const article: Article = {
      id: 'warm-up', sourceId: 'warm-up', url: 'https://example.org/warm-up', guid: null, title: '预热 預熱', published: now.toISOString(), updated: now.toISOString(),
      author: null, origin: null, text: '预热', summary: '预热', html: '', lang: 'zh', script: 'hans', tags: [], originalTitle: null, duplicateOf: null,
      flags: [], attachments: [], storedAt: now.toISOString(),
    };
    const sub: Subscription = {
      id: 'warm-up', subscriber: { kind: 'telegram', chatId: 1 }, subscriberKey: 'tg:1', query: '预热', mode: 'instant', script: 'hans', paused: false,
      createdBy: 'warm-up', createdAt: now.toISOString(), feedToken: 'warm-up',
    };
    try {
      for (const script of ['hans', 'hant'] as const) {
        const ctx = { lang: 'zh' as const, timeZone: this.deps.timeZone, script, now };
        renderAlert({ article, sourceName: 'warm-up', alsoReportedBy: [] }, [{ ...sub, script }], ctx);
        renderFolded([{ article, sourceName: 'warm-up', alsoReportedBy: [] }, { article: { ...article, id: 'warm-up-2' }, sourceName: 'warm-up', alsoReportedBy: [] }], [{ ...sub, script }], ctx);
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'telegram: warming up the renderer failed (the first alert will do it)');
    }
  }

  /** Run the loop: recover deliveries left in flight, then drain every `intervalMs` and on wake(). */
  start(intervalMs: number): void {
    if (this.loop) return;
    this.stopSignal = stopController();
    const signal = this.stopSignal.signal;
    this.warmUp();
    this.loop = (async () => {
      // Lanes of an earlier drain() in this process are not crashed sends: let them finish first.
      await Promise.all([...this.lanes.values()].map((l) => l.running));
      const recovered = await this.deps.outbox.recoverInFlight('telegram');
      if (recovered.length > 0) this.deps.logger.warn({ count: recovered.length }, 'telegram: deliveries left in flight by a stopped process are sent again');
      while (!signal.aborted) {
        try {
          await this.feed(emptyReport());
          await this.updateQueueDepth();
        } catch (err) {
          this.deps.logger.error({ err }, 'telegram: reading due deliveries failed; trying again next round');
        }
        if (signal.aborted) break;
        await this.wakeup.pause(intervalMs, signal, (ms, s) => this.clock.sleep(ms, s));
      }
    })();
  }

  /** Look for due deliveries now (the poller calls it after each cycle). */
  wake(): void {
    this.wakeup.wake();
  }

  /** Stop the loop; messages in flight are finished, nothing new is started. */
  async stop(): Promise<void> {
    this.stopping = true;
    try {
      this.stopSignal.abort();
      await this.loop;
      await this.feeding.catch(() => undefined);
      while (this.lanes.size > 0) await Promise.all([...this.lanes.values()].map((l) => l.running));
    } finally {
      this.loop = undefined;
      this.stopping = false;
    }
  }

  /** Deliveries held by lanes right now (queued or in flight). */
  get inLanes(): number {
    return this.queued.size;
  }

  /** Queue what is due into the chats' lanes; returns one promise per delivery taken. */
  private feed(report: DrainReport): Promise<Promise<void>[]> {
    // One feed at a time, so a delivery is never taken into two lanes.
    const next = this.feeding.catch(() => undefined).then(() => this.feedNow(report));
    this.feeding = next;
    return next;
  }

  private async feedNow(report: DrainReport): Promise<Promise<void>[]> {
    if (!this.mayRun()) return [];
    await this.settleLimbo();
    const now = this.clock.now();
    const due = await this.deps.outbox.due('telegram', new Date(now), this.queued.size + (this.deps.batchSize ?? 20_000));
    return this.intoLanes(due, report, now);
  }

  /**
   * Send these deliveries (distributed mode: one chat's deliveries, taken by its delivery job
   * under the chat's claim, distributed/delivery-queue.ts); resolves when each is finished,
   * put back or deferred. The lanes, limits and folding are those of a drain.
   */
  async sendNow(deliveries: Delivery[]): Promise<DrainReport> {
    const report = emptyReport();
    await Promise.all(this.intoLanes(deliveries, report, this.clock.now()));
    return report;
  }

  /** Queue deliveries into their chats' lanes (starting lanes as needed); one promise per delivery taken. */
  private intoLanes(due: Delivery[], report: DrainReport, now: number): Promise<void>[] {
    const finished: Promise<void>[] = [];
    const started: Lane[] = [];
    for (const d of due) {
      if (this.queued.has(d.key) || d.subscriber.kind !== 'telegram') continue;
      const chatId = d.subscriber.chatId;
      // A chat told to wait keeps all its alerts pending, in order, until then.
      if (this.limiter.blockedUntil(chatId) > now) continue;
      let lane = this.lanes.get(chatId);
      if (!lane) {
        lane = { chatId, queue: [], running: Promise.resolve() };
        this.lanes.set(chatId, lane);
        started.push(lane);
      }
      this.queued.add(d.key);
      report.taken++;
      const into = lane;
      finished.push(new Promise<void>((done) => into.queue.push({ delivery: d, report, done: () => done() })));
    }
    for (const lane of started) lane.running = this.runLane(lane);
    return finished;
  }

  private async runLane(lane: Lane): Promise<void> {
    const signal = this.stopSignal.signal;
    try {
      while (lane.queue.length > 0) {
        if (!(await this.waitForChat(lane.chatId, signal))) break;
        // A place in the prepared window; given back once the gate grants the send (or on any way out).
        if (!(await this.prepared.acquire(signal))) break;
        let slot = true;
        const release = () => {
          if (slot) this.prepared.release();
          slot = false;
        };
        const take = lane.queue.length > this.deps.foldThreshold ? Math.min(MAX_FOLDED, lane.queue.length) : 1;
        const batch = lane.queue.splice(0, take);
        let after: After;
        try {
          after = await this.sendBatch(lane.chatId, batch, signal, release);
        } catch (err) {
          // The store failed under us: leave the batch as it is (pending, or sending until the
          // next start recovers it) and let a later drain try the chat again.
          this.deps.logger.error({ err, chatId: lane.chatId }, 'telegram: delivery bookkeeping failed');
          for (const q of batch) {
            this.limbo.set(q.delivery.key, q.delivery);
            this.finish(q, 'deferred');
          }
          after = 'release';
        } finally {
          release();
        }
        if (after === 'release') break;
        if (after === 'fail-rest') {
          await this.failRest(lane, 'the bot can no longer write to this chat (subscriptions paused)', 'blocked');
          break;
        }
      }
    } catch (err) {
      this.deps.logger.error({ err, chatId: lane.chatId }, 'telegram: lane stopped');
    } finally {
      // Whatever is still queued stays pending in the outbox for a later drain.
      for (const q of lane.queue.splice(0)) this.finish(q, 'deferred');
      this.lanes.delete(lane.chatId);
    }
  }

  /** Wait until the chat may get a message; false when stopping (or `signal` aborted). */
  private async waitForChat(chatId: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const delay = this.limiter.chatDelay(chatId);
      if (delay <= 0) return true;
      await this.clock.sleep(delay, signal);
    }
  }

  /** Put back to pending what a store failure left in `sending` (see `limbo`); throws while the store is still down. */
  private async settleLimbo(): Promise<void> {
    for (const key of [...this.limbo.keys()]) {
      if (!this.queued.has(key)) {
        const d = await this.deps.outbox.get(key);
        if (d?.status === 'sending') {
          await this.deps.outbox.retryLater(d, new Date(this.clock.now()), 'the store failed around the send; sent again (at least once)');
          this.deps.logger.warn({ key, chatId: d.subscriber.kind === 'telegram' ? d.subscriber.chatId : undefined }, 'telegram: a delivery left in sending by a store failure is sent again');
        }
      }
      this.limbo.delete(key);
    }
  }

  /**
   * Wait for this send's slot in the shared limiter (distributed mode); true at once without
   * one. False when `signal` aborts during the wait. When the limiter cannot be reached, the
   * send goes on this process's own limits (logged): a Redis hiccup must not stop alerts.
   */
  private async sharedSlot(chatId: number, signal?: AbortSignal): Promise<boolean> {
    const shared = this.deps.sharedRate;
    if (!shared) return true;
    let wait = 0;
    try {
      wait = await shared.reserve(chatId, signal);
    } catch (err) {
      if (signal?.aborted) return false;
      this.deps.logger.warn({ err, chatId }, 'telegram: the shared rate limiter is unreachable; sending on this process\'s limits');
      return !signal?.aborted;
    }
    if (wait > 0) await this.clock.sleep(wait, signal);
    return !signal?.aborted;
  }

  /** True unless the worker lease was lost (see `mayRun`). */
  private mayRun(): boolean {
    return this.deps.mayRun?.() ?? true;
  }

  /** Render and send one alert (or several folded), and record how it went. */
  private async sendBatch(chatId: number, batch: Queued[], signal: AbortSignal, granted: () => void): Promise<After> {
    if (!this.mayRun()) {
      // The lease is gone: another process sends these now; leave them as they are (pending).
      for (const q of batch) this.finish(q, 'deferred');
      return 'release';
    }
    const deliveries = batch.map((q) => q.delivery);
    const articles = new Map((await this.deps.store.getArticles([...new Set(deliveries.map((d) => d.articleId))])).map((a) => [a.id, a]));
    const subs = new Map((await this.deps.subscriptions.getMany([...new Set(deliveries.flatMap((d) => d.subscriptionIds))])).map((s) => [s.id, s]));

    const usable: { q: Queued; article: Article; subs: Subscription[] }[] = [];
    for (const q of batch) {
      const d = q.delivery;
      const article = articles.get(d.articleId);
      const own = d.subscriptionIds.map((id) => subs.get(id)).filter((s): s is Subscription => s !== undefined);
      if (!article) {
        await this.fail(q, `article ${d.articleId} is no longer in the store (expired or removed); nothing to send`, 'missing_article');
      } else if (own.length === 0) {
        await this.fail(q, 'the subscription was removed before the alert went out', 'unsubscribed');
      } else if (own.every((s) => s.paused)) {
        await this.fail(q, `the subscription was paused (${own[0]!.pausedReason ?? 'user'}) before the alert went out`, 'paused');
      } else {
        usable.push({ q, article, subs: own.filter((s) => !s.paused) });
      }
    }
    if (usable.length === 0) return 'continue';

    const allSubs = [...new Map(usable.flatMap((u) => u.subs).map((s) => [s.id, s])).values()];
    const first = usable[0]!.subs[0]!;
    const ctx = {
      lang: await this.deps.chatPrefs.language(chatId),
      timeZone: first.timeZone ?? this.deps.timeZone,
      script: first.script,
      now: new Date(this.clock.now()),
    };
    const items: AlertItem[] = [];
    for (const u of usable) items.push(await this.alertItem(u.article));
    const folded = usable.length > 1;
    let rendered: RenderedAlert;
    try {
      rendered = folded ? renderFolded(items, allSubs, ctx) : renderAlert(items[0]!, usable[0]!.subs, ctx);
    } catch (err) {
      // A bug, and the same one on every try: fail these rather than hold the chat behind them.
      const message = err instanceof Error ? err.message : String(err);
      this.deps.logger.error({ err, chatId, articles: usable.map((u) => u.article.id) }, 'telegram: rendering an alert failed');
      for (const u of usable) await this.fail(u.q, `rendering the alert failed: ${message}`, 'render_error');
      return 'continue';
    }

    // Marked before the wait for the overall rate, so the send follows the token at once
    // (Telegram sees the gaps the limiter made). A crash while waiting leaves them in
    // `sending`: the next start sends them. Stopping while waiting puts them back as they were.
    const sending: Queued[] = [];
    for (const u of usable) sending.push({ ...u.q, delivery: await this.deps.outbox.markSending(u.q.delivery) });
    // The lease is checked again after the wait: a holder paused past its lease sends nothing.
    const go = (await this.gate.acquire(chatId, signal)) && (await this.sharedSlot(chatId, signal)) && this.mayRun();
    granted();
    if (!go) {
      for (const u of usable) {
        const d = u.q.delivery;
        await this.deps.outbox.retryLater(d, new Date(d.notBefore), d.lastError ?? (this.mayRun() ? 'worker stopped before sending' : 'worker lease lost before sending'));
        this.finish(u.q, 'deferred');
      }
      return 'release';
    }
    const report = batch[0]!.report;
    try {
      await this.send(chatId, rendered, 'html');
      await this.sent(sending, report, folded ? 'folded' : 'alert', folded);
      return 'continue';
    } catch (err) {
      return this.onFailure(chatId, sending, rendered, classifySendError(err), folded);
    }
  }

  private async onFailure(chatId: number, batch: Queued[], rendered: RenderedAlert, failure: SendFailure, folded: boolean): Promise<After> {
    const report = batch[0]!.report;
    const log = this.deps.logger;
    switch (failure.kind) {
      case 'rate-limited': {
        const until = this.clock.now() + failure.retryAfterSeconds * 1000;
        this.limiter.block(chatId, until);
        await this.deps.sharedRate?.block(chatId, until).catch((err: unknown) => log.warn({ err, chatId }, 'telegram: could not share the chat\'s retry_after'));
        for (const q of batch) {
          await this.deps.outbox.retryLater(q.delivery, new Date(until), failure.description);
          this.deps.metrics.telegramRetried.inc({ reason: 'rate_limited' });
          this.finish(q, 'retried');
        }
        log.info({ chatId, retryAfter: failure.retryAfterSeconds, deliveries: batch.length }, 'telegram: chat rate-limited; its alerts wait');
        return 'release';
      }
      case 'blocked': {
        await this.pauseChat(chatId, batch[0]!.delivery.subscriberKey, failure.description, report);
        for (const q of batch) await this.fail(q, `chat unreachable: ${failure.description}`, 'blocked');
        return 'fail-rest';
      }
      case 'malformed':
      case 'rejected': {
        // The same words without HTML (a malformed one keeps its buttons first), then without
        // buttons either (a bad URL or callback); refused that way too, it fails with the reasons.
        const modes: ('plain' | 'bare')[] = failure.kind === 'malformed' ? ['plain', 'bare'] : ['bare'];
        const reasons = [failure.description];
        for (const mode of modes) {
          await this.waitForChat(chatId);
          await this.gate.acquire(chatId);
          await this.sharedSlot(chatId);
          if (!this.mayRun()) {
            // The lease was lost while this one waited: its new holder sends it (pending again).
            for (const q of batch) {
              await this.deps.outbox.retryLater(q.delivery, new Date(q.delivery.notBefore), `${failure.description}; worker lease lost before the plain-text resend`);
              this.finish(q, 'deferred');
            }
            return 'release';
          }
          try {
            await this.send(chatId, rendered, mode);
            log.warn({ chatId, reasons, mode }, 'telegram: alert refused as HTML; sent as plain text');
            await this.sent(batch, report, 'plain', folded);
            return 'continue';
          } catch (err) {
            const again = classifySendError(err);
            if (again.kind !== 'malformed' && again.kind !== 'rejected') return this.onFailure(chatId, batch, rendered, again, folded);
            reasons.push(`as plain text${mode === 'bare' ? ' without buttons' : ''}: ${again.description}`);
          }
        }
        for (const q of batch) await this.fail(q, `refused by Telegram: ${reasons.join('; ')}`, 'rejected');
        log.warn({ chatId, reasons }, 'telegram: alert refused by Telegram, also as plain text; given up');
        return 'continue';
      }
      case 'transient': {
        const now = this.clock.now();
        const retryFor = this.deps.retryForMs ?? DEFAULT_DELIVERY_RETRY_FOR_MS;
        const expired = batch.filter((q) => retryExpired(q.delivery, now, retryFor));
        for (const q of expired) await this.fail(q, expiredError(q.delivery, retryFor, failure.description), 'expired');
        if (expired.length > 0) {
          log.error({ chatId, reason: failure.description, deliveries: expired.length, since: expired[0]!.delivery.firstFailedAt }, `telegram: given up after ${formatDuration(retryFor)} of failed attempts (DELIVERY_RETRY_FOR)`);
          batch = batch.filter((q) => !expired.includes(q));
          if (batch.length === 0) return 'continue';
        }
        const attempts = Math.max(...batch.map((q) => q.delivery.attempts));
        const notBefore = now + transientBackoffMs(attempts, this.deps.random);
        // The chat waits as long, so its later alerts do not overtake this one.
        this.limiter.block(chatId, notBefore);
        for (const q of batch) {
          await this.deps.outbox.retryAfterFailure(q.delivery, new Date(notBefore), failure.description, new Date(now));
          // A network error after the request went out may come after Telegram took the message:
          // counted apart ("dropped"), as email does, since it may show up as a duplicate.
          this.deps.metrics.telegramRetried.inc({ reason: failure.ambiguous ? 'dropped' : 'transient' });
          this.finish(q, 'retried');
        }
        log.warn({ chatId, reason: failure.description, attempts, retryAt: new Date(notBefore).toISOString(), ambiguous: failure.ambiguous }, 'telegram: send failed; retrying later');
        return 'release';
      }
    }
  }

  private async send(chatId: number, r: RenderedAlert, mode: 'html' | 'plain' | 'bare'): Promise<void> {
    const rows = mode === 'bare' ? [] : keyboard(r.buttons);
    // Asked once per message; a chat whose preference cannot be read gets its alert with sound.
    let silent = false;
    try {
      silent = (await this.deps.chatPrefs.silent?.(chatId)) ?? false;
    } catch (err) {
      this.deps.logger.warn({ err, chatId }, 'telegram: could not read whether the chat wants silent alerts; sending with sound');
    }
    await this.deps.api.sendMessage(chatId, mode === 'html' ? r.html : r.plain, {
      ...(mode === 'html' ? { parse_mode: 'HTML' as const } : {}),
      ...(rows.length > 0 ? { reply_markup: { inline_keyboard: rows } } : {}),
      link_preview_options: { is_disabled: r.disablePreview },
      ...(silent ? { disable_notification: true } : {}),
    });
  }

  private async sent(batch: Queued[], report: DrainReport, kind: 'alert' | 'folded' | 'plain', folded: boolean): Promise<void> {
    report.messages++;
    if (folded) report.folded++;
    this.deps.metrics.telegramSent.inc({ kind });
    const at = new Date(this.clock.now());
    for (const q of batch) {
      await this.deps.outbox.markSent(q.delivery, at);
      this.finish(q, 'sent');
    }
  }

  private async fail(q: Queued, reason: string, metric: string): Promise<void> {
    await this.deps.outbox.markFailed(q.delivery, reason);
    this.deps.metrics.telegramFailed.inc({ reason: metric });
    this.finish(q, 'failed');
  }

  private async failRest(lane: Lane, reason: string, metric: string): Promise<void> {
    for (const q of lane.queue.splice(0)) await this.fail(q, reason, metric);
  }

  private async pauseChat(chatId: number, subscriberKey: string, reason: string, report: DrainReport): Promise<void> {
    const paused = await this.deps.subscriptions.updateAllOf(subscriberKey, (s) => (s.paused ? s : { ...s, paused: true, pausedReason: 'blocked' }));
    report.pausedChats++;
    this.deps.metrics.telegramPausedChats.inc();
    this.deps.logger.warn({ chatId, reason, subscriptions: paused.length }, 'telegram: the bot can no longer write to this chat; its subscriptions are paused');
    try {
      await this.deps.onChatBlocked?.(chatId, reason);
    } catch (err) {
      this.deps.logger.error({ err, chatId }, 'telegram: reporting a paused chat failed');
    }
  }

  private finish(q: Queued, outcome: Outcome): void {
    if (!this.queued.has(q.delivery.key)) return; // already finished (a store failure mid-batch)
    q.report[outcome]++;
    this.queued.delete(q.delivery.key);
    q.done(outcome);
  }

  private async alertItem(article: Article): Promise<AlertItem> {
    return {
      article,
      sourceName: this.deps.sourceName(article.sourceId),
      alsoReportedBy: await alsoReportedBy(this.deps.store, article, this.sourceNames),
    };
  }

  private async updateQueueDepth(): Promise<void> {
    this.deps.metrics.telegramQueueDepth.set(await this.deps.outbox.pendingCount('telegram'));
  }
}

function keyboard(buttons: RenderedAlert['buttons']): InlineKeyboardButton[][] {
  return buttons
    .map((row) =>
      row.flatMap((b): InlineKeyboardButton[] => {
        if (b.url !== undefined) return [{ text: b.text, url: b.url }];
        if (b.callback_data !== undefined) return [{ text: b.text, callback_data: b.callback_data }];
        return [];
      }),
    )
    .filter((row) => row.length > 0);
}

/**
 * The overall send rate, shared by all lanes: waiters are served first come first served by
 * one pump that sleeps until the limiter's timeline allows the next send. On waking (late, as
 * timers are) it grants every send the timeline has due, so the lateness is made up at once
 * and the long-run rate is the configured one. (Exported for tests.)
 */
export class SendGate {
  private readonly waiters: { chatId: number; grant: (ok: boolean) => void }[] = [];
  private pumping = false;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly clock: Clock,
  ) {}

  /** Resolves true once a message to `chatId` may go (the token is taken), false when `signal` aborts first. */
  acquire(chatId: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter = {
        chatId,
        grant: (ok: boolean) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ok);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.grant(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.waiters.length > 0) {
        const delay = this.limiter.globalDelay();
        if (delay > 0) {
          await this.clock.sleep(Math.ceil(delay));
          continue;
        }
        const waiter = this.waiters.shift()!;
        this.limiter.take(waiter.chatId);
        waiter.grant(true);
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** A counting semaphore, first come first served; an aborted wait gives up its turn. */
class Slots {
  private free: number;
  private readonly waiters: { take: (ok: boolean) => void }[] = [];

  constructor(size: number) {
    if (!(size >= 1)) throw new Error('prepareAhead must be at least 1');
    this.free = Math.floor(size);
  }

  /** Resolves true with a slot taken, false when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.free > 0 && this.waiters.length === 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const waiter = {
        take: (ok: boolean) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(ok);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.take(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next.take(true);
    else this.free++;
  }
}
