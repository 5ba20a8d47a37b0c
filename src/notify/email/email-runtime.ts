/**
 * Email in a running process: the pooled SMTP transport and the delivery worker that drains
 * the outbox's `email` deliveries, built from the app when SMTP_URL is set. `tidings start`
 * runs the loop (`start`, `wake` after each poll, `stop` on shutdown); `tidings poll --once`
 * sends what its poll recorded (`drainOnce`) and then calls `stop` to close the pool.
 */
import type { App } from '../../app.js';
import { WorkerLease, type LeasedWork } from '../../delivery/worker-lease.js';
import { EmailNotifier, emailMetrics, type EmailDrainReport } from './email-notifier.js';
import { parseMailFrom } from './render-email.js';
import { createMailTransport } from './transport.js';
import type { Transporter } from 'nodemailer';

/** How often the worker looks at the outbox without being woken (retries, digest times). */
export const EMAIL_DRAIN_INTERVAL_MS = 5_000;
/** SMTP connections kept open at once; also the number of messages in flight. */
export const EMAIL_POOL_SIZE = 5;

export interface EmailRuntime {
  notifier: EmailNotifier;
  /** The `email` worker lease: only its holder (one process per store) drains the outbox. */
  lease: WorkerLease;
  /** The pooled transport (confirmation mails of the subscribe pages go through it too). */
  transport: Transporter;
  /**
   * Under the `email` worker lease (held by one process per store; the others stand by and
   * take over when it dies): recover deliveries left `sending` by the previous holder, then
   * drain every `intervalMs` (default 5 s) and on wake(). Returns at once; the lease is
   * acquired in the background.
   */
  start(intervalMs?: number): void;
  /** Tell the worker new deliveries were recorded (after a poll). */
  wake(): void;
  /** Stop the loop (messages in flight finish; the rest stays pending) and close the SMTP pool. */
  stop(): Promise<void>;
  /**
   * Send what is due now, once (`poll --once`), unless a `tidings start` holds the worker
   * lease (it sends them). Deliveries left `sending` by a crash are not touched; the next
   * `start` recovers them.
   */
  drainOnce(): Promise<EmailDrainReport>;
}

/** The email worker for this app. Throws when SMTP_URL is not set or MAIL_FROM is not one address. */
export async function createEmailRuntime(app: App): Promise<EmailRuntime> {
  const s = app.settings;
  if (!s.SMTP_URL) throw new Error('SMTP_URL is not set: email is disabled');
  parseMailFrom(s.MAIL_FROM); // a bad MAIL_FROM fails here, at start, not at the first send
  const secret = await app.store.secret(s.TIDINGS_SECRET);
  const transport = createMailTransport(s.SMTP_URL, { maxConnections: EMAIL_POOL_SIZE });
  const lease = new WorkerLease(app.kv, app.store, 'email', { logger: app.logger });
  // Distributed mode (REDIS_URL): the delivery jobs send (distributed/delivery-workers.ts), in
  // any process; the leased drain loop and drainOnce stand aside.
  const distributed = Boolean(app.deliveryQueue);
  const notifier = new EmailNotifier({
    transport,
    outbox: app.outbox,
    subscriptions: app.subscriptions,
    store: app.store,
    kv: app.kv,
    sourceName: (id) => app.registry.get(id)?.name ?? id,
    logger: app.logger,
    metrics: emailMetrics(app.metrics.registry),
    render: { publicUrl: s.PUBLIC_URL, secret, mailFrom: s.MAIL_FROM, unsubscribeMailto: s.MAIL_UNSUBSCRIBE_MAILTO },
    timeZone: s.DEFAULT_TIMEZONE,
    maxFailures: s.EMAIL_MAX_FAILURES,
    retryForMs: s.DELIVERY_RETRY_FOR,
    concurrency: EMAIL_POOL_SIZE * 2,
    ...(distributed ? {} : { mayRun: () => lease.held }),
  });
  let work: LeasedWork | undefined;
  return {
    notifier,
    lease,
    transport,
    start(intervalMs = EMAIL_DRAIN_INTERVAL_MS) {
      if (work || distributed) return;
      const w: LeasedWork = {
        onAcquired: async () => notifier.start(intervalMs),
        onLost: () => notifier.stop(),
      };
      work = w;
      lease.run(w).catch((err: unknown) => app.logger.error({ err }, 'email: the worker could not start'));
    },
    wake: () => notifier.wake(),
    async stop() {
      try {
        if (work) await lease.stop(work);
        work = undefined;
        await notifier.stop();
      } finally {
        transport.close();
      }
    },
    async drainOnce() {
      if (distributed) {
        app.logger.info('email: distributed mode (REDIS_URL): the new alerts are delivery jobs; running workers send them');
        return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, digests: 0, ambiguous: 0, pausedAddresses: 0 };
      }
      if (!(await lease.tryAcquire())) {
        app.logger.info('email: a running tidings start holds the worker lease; it sends the new alerts');
        return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, digests: 0, ambiguous: 0, pausedAddresses: 0 };
      }
      try {
        return await notifier.drain();
      } finally {
        await lease.release().catch(() => undefined);
      }
    },
  };
}
