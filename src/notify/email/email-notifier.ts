/**
 * The email delivery worker: takes the `email` deliveries the outbox says are due and sends
 * them through one pooled SMTP transport.
 *
 * - Instant subscriptions: one message per story (the delivery is already one per address
 *   and story; every query of the address that matched it is named in that message).
 * - Digest subscriptions: their deliveries become due at the digest time (the dispatcher
 *   sets `notBefore`); everything due for one address then goes out as one message. No
 *   deliveries, no message. A delivery matched by an instant and a digest subscription of
 *   the same address goes out at once, as an alert.
 * - Each delivery moves pending → sending → sent | failed around the send. A crash leaves it
 *   in `sending`; `start()` puts those back, so they are sent again (at least once; the
 *   stable Message-ID lets mail clients fold the copy).
 * - At most `concurrency` messages are in flight at once (the transport's pool size by
 *   default); the transport keeps the connections open between messages.
 *
 * What an SMTP failure does (classifySmtpError):
 * - 4xx (421, 450, 451, 452, …), network errors and timeouts: back to pending after an
 *   exponential backoff with jitter (30 s doubling, capped at 1 h), for DELIVERY_RETRY_FOR
 *   (3 days) from the first failure; failing after that, the delivery fails as `expired`
 *   (logged as an error, not counted against the address).
 * - 5xx to the recipient or the message (RCPT TO, DATA: 550, 553, 554, …): failed, and the
 *   address's permanent-failure count (store key `email:bounces:<subscriberKey>`, reset by a
 *   delivered message) goes up; at EMAIL_MAX_FAILURES the address's subscriptions are paused
 *   with pausedReason `bounced`, and its later deliveries fail without a send.
 * - 5xx to the session (AUTH, MAIL FROM): the server refuses us, not the address: retried
 *   with backoff like a 4xx and logged as an error, never counted against the address.
 * - The connection dropped in the middle of a transaction (after the server may already
 *   have accepted the DATA, but before its final reply reached us): an SMTP client cannot
 *   tell whether the message was taken, so it is sent again (at least once, as the README's
 *   "Delivery guarantee" states) and counted in `tidings_email_ambiguous_total`.
 */
import type { SendMailOptions } from 'nodemailer';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Article } from '../../domain/article.js';
import type { Delivery, Subscription } from '../../domain/subscription.js';
import type { Outbox } from '../../delivery/outbox.js';
import { jitteredBackoffMs, Wakeup } from '../../delivery/timing.js';
import { expiredError, retryExpired } from '../../delivery/outbox.js';
import { formatDuration } from '../../config/interval.js';
import { DEFAULT_DELIVERY_RETRY_FOR_MS } from '../../config/settings.js';
import type { Logger } from '../../ops/logger.js';
import type { KeyValue } from '../../store/keyv-store.js';
import type { Store } from '../../store/store.js';
import type { SubscriptionStore } from '../../subscriptions/subscription-store.js';
import { alsoReportedBy } from '../story-copies.js';
import { localDateTime } from '../telegram/local-time.js';
import type { EmailLang } from './i18n.js';
import { InvalidAddressError, renderAlertEmail, renderDigestEmail, type EmailContext, type EmailItem, type RenderedEmail } from './render-email.js';

/** First transient retry after about this long; doubles each attempt. */
export const EMAIL_BACKOFF_BASE_MS = 30_000;
/** Transient retries are never further apart than this. */
export const EMAIL_BACKOFF_CAP_MS = 3_600_000;
/** How long a permanent-failure count is kept without a new failure. */
const BOUNCE_COUNT_TTL_MS = 30 * 86_400_000;

export interface EmailMetrics {
  /** Messages the server accepted, by kind: alert, digest. */
  sent: Counter<'kind'>;
  /** Deliveries given up, by reason: rejected, expired, invalid_address, missing_article, unsubscribed, paused, render_error. */
  failed: Counter<'reason'>;
  /** Deliveries put back for later, by reason: transient, refused_session, dropped. */
  retried: Counter<'reason'>;
  /** Sends whose connection dropped mid-transaction (possibly delivered; sent again). */
  ambiguous: Counter;
  /** Addresses paused after EMAIL_MAX_FAILURES permanent failures. */
  pausedAddresses: Counter;
  /** Email deliveries not yet sent or failed. */
  queueDepth: Gauge;
}

/** The email metrics on `registry` (created once per registry, then reused). */
export function emailMetrics(registry: Registry): EmailMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers });
  return {
    sent: counter('tidings_email_sent_total', 'Email messages accepted by the SMTP server, by kind (alert, digest)', ['kind']),
    failed: counter('tidings_email_failed_total', 'Email deliveries given up, by reason', ['reason']),
    retried: counter('tidings_email_retried_total', 'Email deliveries put back for later, by reason (transient, refused_session, dropped)', ['reason']),
    ambiguous: counter('tidings_email_ambiguous_total', 'Email sends whose connection dropped mid-transaction, after the server may have accepted the message; sent again (at least once)'),
    pausedAddresses: counter('tidings_email_paused_addresses_total', 'Email addresses paused after repeated permanent failures'),
    queueDepth:
      (registry.getSingleMetric('tidings_email_queue_depth') as Gauge | undefined) ??
      new Gauge({ name: 'tidings_email_queue_depth', help: 'Email deliveries not yet sent or failed', registers }),
  };
}

export type SmtpFailure =
  | { kind: 'transient'; description: string; ambiguous: boolean }
  | { kind: 'session'; description: string }
  | { kind: 'permanent'; description: string; responseCode: number };

interface SmtpErrorLike {
  message?: string;
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

const DROPPED = /closed unexpectedly|ECONNRESET|EPIPE|socket hang up|timeout|timed out/i;
const NEVER_CONNECTED = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/i;

/** What an error from `sendMail` means for the delivery. */
export function classifySmtpError(err: unknown): SmtpFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SmtpErrorLike;
  const message = e.message ?? String(err);
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const description = (e.response ?? message).replace(/\s+/g, ' ').slice(0, 300);
  const command = (e.command ?? '').toUpperCase();
  if (code !== undefined && code >= 500 && code < 600) {
    if (e.code === 'EAUTH' || command.startsWith('AUTH') || command.startsWith('MAIL') || command === 'EHLO' || command === 'HELO' || command === 'CONN' || command === 'STARTTLS') {
      return { kind: 'session', description: `${code} ${description}` };
    }
    return { kind: 'permanent', description, responseCode: code };
  }
  if (code !== undefined && code >= 400 && code < 500) return { kind: 'transient', description, ambiguous: false };
  const networkCode = e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT';
  const ambiguous = networkCode && DROPPED.test(message) && !NEVER_CONNECTED.test(message) && e.code !== 'EDNS';
  return { kind: 'transient', description: `${e.code ?? 'error'}: ${description}`, ambiguous };
}

/** Exponential backoff with jitter: half fixed, half random, before retry number `attempts`. */
export function emailBackoffMs(attempts: number, random: () => number = Math.random): number {
  return jitteredBackoffMs(attempts, EMAIL_BACKOFF_BASE_MS, EMAIL_BACKOFF_CAP_MS, random);
}

/** What `sendMail` needs: a nodemailer transporter, or anything with the same call. */
export interface MailSender {
  sendMail(message: SendMailOptions): Promise<unknown>;
}

export interface EmailNotifierDeps {
  transport: MailSender;
  outbox: Outbox;
  subscriptions: Pick<SubscriptionStore, 'getMany' | 'updateAllOf'>;
  /** Articles and their story copies, and the store lease for the bounce counts. */
  store: Store;
  /** Where the per-address permanent-failure counts live. */
  kv: KeyValue;
  /** Display name of a source id. */
  sourceName: (sourceId: string) => string;
  logger: Logger;
  metrics: EmailMetrics;
  /** PUBLIC_URL, the signing secret, MAIL_FROM, MAIL_UNSUBSCRIBE_MAILTO. */
  render: Pick<EmailContext, 'publicUrl' | 'secret' | 'mailFrom' | 'unsubscribeMailto'>;
  /** DEFAULT_TIMEZONE, for subscriptions without a zone of their own. */
  timeZone: string;
  /** EMAIL_MAX_FAILURES: permanent failures of one address before its subscriptions are paused. */
  maxFailures: number;
  /** DELIVERY_RETRY_FOR: transient failures are retried this long from the first (default 3 days). */
  retryForMs?: number;
  /** Messages in flight at once (default 5, the pool's connections). */
  concurrency?: number;
  /** Language of the messages (default zh: an email subscriber's language is not known). */
  lang?: EmailLang;
  /** Current time in ms (tests move it). */
  now?: () => number;
  /** [0, 1) for the backoff jitter (tests fix it). */
  random?: () => number;
  /**
   * Whether this process may still send (it holds the worker lease, delivery/worker-lease.ts).
   * Checked before a message is marked `sending` and again right before the send: when false,
   * nothing more is sent and what was marked goes back to pending. Default: always.
   */
  mayRun?: () => boolean;
  /** Most due deliveries taken per drain (default 5,000). */
  batchSize?: number;
}

/** What one drain did. */
export interface EmailDrainReport {
  /** Deliveries looked at. */
  taken: number;
  /** Deliveries sent (in `messages` messages). */
  sent: number;
  failed: number;
  retried: number;
  /** Left pending untouched (stopping). */
  deferred: number;
  messages: number;
  digests: number;
  /** Sends that may have been delivered although the connection dropped (sent again later). */
  ambiguous: number;
  pausedAddresses: number;
}

function emptyReport(): EmailDrainReport {
  return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, digests: 0, ambiguous: 0, pausedAddresses: 0 };
}

/** One message to send: an alert (one delivery) or a digest (all due for one address). */
interface Unit {
  kind: 'alert' | 'digest';
  subscriberKey: string;
  address: string;
  deliveries: Delivery[];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class EmailNotifier {
  private readonly now: () => number;
  private readonly concurrency: number;
  private stopSignal = new AbortController();
  private readonly wakeup = new Wakeup();
  private loop: Promise<void> | undefined;
  private draining: Promise<unknown> = Promise.resolve();
  private books: Promise<unknown> = Promise.resolve();
  /** alsoReportedBy per article id, for the current drain. */
  private readonly copies = new Map<string, Promise<EmailItem['alsoReportedBy']>>();
  /** Addresses paused during the current drain (its later units skip the send); cleared per drain, which reads subscriptions afresh. */
  private readonly pausedNow = new Set<string>();
  private readonly sourceNames: Readonly<Record<string, string>>;

  constructor(private readonly deps: EmailNotifierDeps) {
    if (!(deps.maxFailures >= 1)) throw new Error('EmailNotifier: maxFailures must be at least 1');
    this.now = deps.now ?? Date.now;
    this.concurrency = Math.max(1, deps.concurrency ?? 5);
    this.sourceNames = new Proxy({} as Record<string, string>, {
      get: (_target, id) => (typeof id === 'string' ? deps.sourceName(id) : undefined),
    });
  }

  /** Send everything due now (one drain at a time); resolves when each is finished or put back. */
  drain(): Promise<EmailDrainReport> {
    const next = this.draining.catch(() => undefined).then(() => this.drainNow());
    this.draining = next;
    return next;
  }

  /** Recover deliveries left in flight by a stopped process, then drain every `intervalMs` and on wake(). */
  start(intervalMs: number): void {
    if (this.loop) return;
    this.stopSignal = new AbortController();
    const signal = this.stopSignal.signal;
    this.loop = (async () => {
      await this.draining.catch(() => undefined);
      try {
        const recovered = await this.deps.outbox.recoverInFlight('email');
        if (recovered.length > 0) this.deps.logger.warn({ count: recovered.length }, 'email: deliveries left in flight by a stopped process are sent again (at least once)');
      } catch (err) {
        this.deps.logger.error({ err }, 'email: recovering deliveries left in flight failed; they stay in sending until the next start');
      }
      while (!signal.aborted) {
        try {
          await this.drain();
        } catch (err) {
          this.deps.logger.error({ err }, 'email: a drain failed; trying again next round');
        }
        if (signal.aborted) break;
        await this.wakeup.pause(intervalMs, signal);
      }
    })();
  }

  /** Look for due deliveries now (after a poll recorded some). */
  wake(): void {
    this.wakeup.wake();
  }

  /** Stop the loop: messages in flight finish, nothing new starts (the rest stays pending). */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    try {
      await this.loop;
      await this.draining.catch(() => undefined);
    } finally {
      this.loop = undefined;
    }
  }

  private async drainNow(): Promise<EmailDrainReport> {
    this.pausedNow.clear();
    this.copies.clear();
    const due = await this.deps.outbox.due('email', new Date(this.now()), this.deps.batchSize ?? 5000);
    const report = await this.send(due);
    await this.updateQueueDepth();
    return report;
  }

  /**
   * Send these deliveries (distributed mode: one address's deliveries, taken by its delivery
   * job under the address's claim, distributed/delivery-queue.ts): alerts one message each,
   * digest deliveries in one message. Resolves when each is finished or put back.
   */
  async sendNow(deliveries: Delivery[]): Promise<EmailDrainReport> {
    // Caches of a drain; in job mode there is no drain, so keep them bounded instead.
    if (this.copies.size > 2000) this.copies.clear();
    return this.send(deliveries);
  }

  private async send(deliveries: Delivery[]): Promise<EmailDrainReport> {
    const report = emptyReport();
    const signal = this.stopSignal.signal;
    const due = deliveries.filter((d) => d.subscriber.kind === 'email');
    report.taken = due.length;
    if (due.length === 0) return report;
    const subs = new Map((await this.deps.subscriptions.getMany([...new Set(due.flatMap((d) => d.subscriptionIds))])).map((s) => [s.id, s]));
    const articles = new Map((await this.deps.store.getArticles([...new Set(due.map((d) => d.articleId))])).map((a) => [a.id, a]));

    const units: Unit[] = [];
    const digests = new Map<string, Unit>();
    for (const d of due) {
      const address = d.subscriber.kind === 'email' ? d.subscriber.address : '';
      const own = d.subscriptionIds.map((id) => subs.get(id)).filter((s): s is Subscription => s !== undefined);
      const active = own.filter((s) => !s.paused);
      if (!articles.has(d.articleId)) {
        await this.fail(d, `article ${d.articleId} is no longer in the store (expired or removed); nothing to send`, 'missing_article', report);
      } else if (own.length === 0) {
        await this.fail(d, 'the subscription was removed before the email went out', 'unsubscribed', report);
      } else if (active.length === 0 || this.pausedNow.has(d.subscriberKey)) {
        await this.fail(d, `the subscription was paused (${own[0]!.pausedReason ?? 'bounced'}) before the email went out`, 'paused', report);
      } else if (active.every((s) => s.mode === 'digest')) {
        let unit = digests.get(d.subscriberKey);
        if (!unit) {
          digests.set(d.subscriberKey, (unit = { kind: 'digest', subscriberKey: d.subscriberKey, address, deliveries: [] }));
          units.push(unit);
        }
        unit.deliveries.push(d);
      } else {
        units.push({ kind: 'alert', subscriberKey: d.subscriberKey, address, deliveries: [d] });
      }
    }

    // Addresses with a permanent-failure count to reset after a delivered message (read once
    // here: most have none, and deleting a key that is not there still costs a store write).
    const subscriberKeys = [...new Set(units.map((u) => u.subscriberKey))];
    const counts = await this.deps.kv.getMany<number>(subscriberKeys.map(bounceKey));
    const bounced = new Set(subscriberKeys.filter((_, i) => counts[i] !== undefined));

    // A bounded number of messages in flight; each unit is finished (or put back) by its worker.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < units.length) {
        const unit = units[next++]!;
        if (signal.aborted || !(this.deps.mayRun?.() ?? true)) {
          report.deferred += unit.deliveries.length;
          continue;
        }
        try {
          await this.sendUnit(unit, subs, articles, report, bounced);
        } catch (err) {
          // The store failed under us: the deliveries stay as they are (pending, or sending
          // until the next start recovers them).
          report.deferred += unit.deliveries.length;
          this.deps.logger.error({ err, subscriber: unit.subscriberKey }, 'email: delivery bookkeeping failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, units.length) }, () => worker()));
    return report;
  }

  private async sendUnit(unit: Unit, subs: Map<string, Subscription>, articles: Map<string, Article>, report: EmailDrainReport, bounced: Set<string>): Promise<void> {
    if (this.pausedNow.has(unit.subscriberKey)) {
      for (const d of unit.deliveries) await this.fail(d, 'the address was paused after repeated permanent failures (bounced)', 'paused', report);
      return;
    }
    const activeOf = (d: Delivery) => d.subscriptionIds.map((id) => subs.get(id)).filter((s): s is Subscription => s !== undefined && !s.paused);
    const first = activeOf(unit.deliveries[0]!)[0]!;
    const timeZone = first.timeZone ?? this.deps.timeZone;
    const ctx: EmailContext = { ...this.deps.render, timeZone, lang: this.deps.lang ?? 'zh', now: new Date(this.now()) };

    let rendered: RenderedEmail | undefined;
    try {
      const items: EmailItem[] = [];
      for (const d of unit.deliveries) {
        const article = articles.get(d.articleId)!;
        items.push({
          article,
          sourceName: this.deps.sourceName(article.sourceId),
          alsoReportedBy: await this.copiesOf(article),
          subscriptions: activeOf(d),
        });
      }
      rendered =
        unit.kind === 'alert'
          ? renderAlertEmail(unit.address, unit.subscriberKey, items[0]!, ctx)
          : renderDigestEmail(unit.address, unit.subscriberKey, items, { date: localDateTime(ctx.now, timeZone).slice(0, 10) }, ctx);
    } catch (err) {
      const invalid = err instanceof InvalidAddressError;
      if (!invalid) this.deps.logger.error({ err, subscriber: unit.subscriberKey }, 'email: rendering a message failed');
      for (const d of unit.deliveries) await this.fail(d, `${invalid ? 'invalid address' : 'rendering the message failed'}: ${errorMessage(err)}`, invalid ? 'invalid_address' : 'render_error', report);
      return;
    }
    if (!rendered) return; // a digest with nothing in it (cannot happen: units hold at least one delivery)

    const sending: Delivery[] = [];
    for (const d of unit.deliveries) sending.push(await this.deps.outbox.markSending(d));
    if (!(this.deps.mayRun?.() ?? true)) {
      // The worker lease was lost meanwhile: not sent; pending again for the new holder.
      for (const d of sending) await this.deps.outbox.retryLater(d, new Date(d.notBefore), d.lastError ?? 'worker lease lost before sending');
      report.deferred += sending.length;
      return;
    }
    try {
      await this.deps.transport.sendMail(rendered.message);
    } catch (err) {
      await this.onFailure(unit, sending, classifySmtpError(err), report);
      return;
    }
    const at = new Date(this.now());
    await this.bookkeeping(async () => {
      for (const d of sending) await this.deps.outbox.markSent(d, at);
    });
    report.sent += sending.length;
    report.messages++;
    if (unit.kind === 'digest') report.digests++;
    this.deps.metrics.sent.inc({ kind: unit.kind });
    // A delivered message resets the address's permanent-failure count.
    if (bounced.delete(unit.subscriberKey)) await this.deps.kv.delete(bounceKey(unit.subscriberKey));
  }

  /** The story's other copies, looked up once per article and drain. */
  private copiesOf(article: Article): Promise<EmailItem['alsoReportedBy']> {
    let copies = this.copies.get(article.id);
    if (!copies) {
      copies = alsoReportedBy(this.deps.store, article, this.sourceNames);
      this.copies.set(article.id, copies);
    }
    return copies;
  }

  private async onFailure(unit: Unit, sending: Delivery[], failure: SmtpFailure, report: EmailDrainReport): Promise<void> {
    const log = this.deps.logger;
    if (failure.kind === 'permanent') {
      for (const d of sending) await this.fail(d, `refused by the SMTP server: ${failure.description}`, 'rejected', report);
      const count = await this.countBounce(unit.subscriberKey);
      log.warn({ subscriber: unit.subscriberKey, responseCode: failure.responseCode, reason: failure.description, failures: count }, 'email: message refused permanently');
      if (count >= this.deps.maxFailures) await this.pauseAddress(unit.subscriberKey, failure.description, count, report);
      return;
    }
    const now = this.now();
    const retryFor = this.deps.retryForMs ?? DEFAULT_DELIVERY_RETRY_FOR_MS;
    const expired = sending.filter((d) => retryExpired(d, now, retryFor));
    if (expired.length > 0) {
      for (const d of expired) await this.fail(d, expiredError(d, retryFor, failure.description), 'expired', report);
      log.error(
        { subscriber: unit.subscriberKey, reason: failure.description, deliveries: expired.length, since: expired[0]!.firstFailedAt },
        `email: given up after ${formatDuration(retryFor)} of failed attempts (DELIVERY_RETRY_FOR)`,
      );
      sending = sending.filter((d) => !expired.includes(d));
      if (sending.length === 0) return;
    }
    const attempts = Math.max(...sending.map((d) => d.attempts));
    const notBefore = new Date(now + emailBackoffMs(attempts, this.deps.random));
    const reason = failure.kind === 'session' ? 'refused_session' : failure.ambiguous ? 'dropped' : 'transient';
    if (failure.kind === 'transient' && failure.ambiguous) {
      report.ambiguous++;
      this.deps.metrics.ambiguous.inc();
    }
    for (const d of sending) {
      await this.deps.outbox.retryAfterFailure(d, notBefore, failure.description, new Date(now));
      this.deps.metrics.retried.inc({ reason });
      report.retried++;
    }
    const fields = { subscriber: unit.subscriberKey, reason: failure.description, attempts, retryAt: notBefore.toISOString(), deliveries: sending.length };
    if (failure.kind === 'session') log.error(fields, 'email: the SMTP server refused the session (check SMTP_URL and MAIL_FROM); retrying later');
    else if (failure.ambiguous) log.warn(fields, 'email: the connection dropped mid-send; the message may have been delivered and is sent again later (at least once)');
    else log.warn(fields, 'email: send failed; retrying later');
  }

  /** One more permanent failure of an address; returns the count. */
  private async countBounce(subscriberKey: string): Promise<number> {
    const key = bounceKey(subscriberKey);
    return this.deps.store.withLock(key, 5000, async () => {
      const count = ((await this.deps.kv.get<number>(key)) ?? 0) + 1;
      await this.deps.kv.set(key, count, BOUNCE_COUNT_TTL_MS);
      return count;
    });
  }

  private async pauseAddress(subscriberKey: string, reason: string, count: number, report: EmailDrainReport): Promise<void> {
    this.pausedNow.add(subscriberKey);
    const paused = await this.deps.subscriptions.updateAllOf(subscriberKey, (s) => (s.paused ? s : { ...s, paused: true, pausedReason: 'bounced' }));
    report.pausedAddresses++;
    this.deps.metrics.pausedAddresses.inc();
    this.deps.logger.warn({ subscriber: subscriberKey, reason, failures: count, subscriptions: paused.length }, 'email: address paused after repeated permanent failures (pausedReason bounced)');
  }

  /**
   * Outbox writes that edit the shared pending lists (markSent, markFailed), one at a time
   * in this process: concurrent workers would otherwise contend for the same shard leases,
   * and a lease taken by another waits 5–100 ms, which costs more than the sends themselves.
   */
  private bookkeeping<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.books.catch(() => undefined).then(fn);
    this.books = next;
    return next;
  }

  private async fail(d: Delivery, reason: string, metric: string, report: EmailDrainReport): Promise<void> {
    await this.bookkeeping(() => this.deps.outbox.markFailed(d, reason));
    this.deps.metrics.failed.inc({ reason: metric });
    report.failed++;
  }

  private async updateQueueDepth(): Promise<void> {
    this.deps.metrics.queueDepth.set(await this.deps.outbox.pendingCount('email'));
  }
}

/** The store key of an address's permanent-failure count. */
export function bounceKey(subscriberKey: string): string {
  return `email:bounces:${subscriberKey}`;
}
