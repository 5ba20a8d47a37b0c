/**
 * Email in a running process: the pooled SMTP transport and the delivery worker that drains
 * the outbox's `email` deliveries, built from the app when SMTP_URL is set. `tidings start`
 * runs the loop (`start`, `wake` after each poll, `stop` on shutdown); `tidings poll --once`
 * sends what its poll recorded (`drainOnce`) and then calls `stop` to close the pool.
 */
import type { App } from '../../app.js';
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
  /** The pooled transport (confirmation mails of the subscribe pages go through it too). */
  transport: Transporter;
  /** Recover deliveries left `sending` by a stopped process, then drain every `intervalMs` (default 5 s) and on wake(). */
  start(intervalMs?: number): void;
  /** Tell the worker new deliveries were recorded (after a poll). */
  wake(): void;
  /** Stop the loop (messages in flight finish; the rest stays pending) and close the SMTP pool. */
  stop(): Promise<void>;
  /**
   * Send what is due now, once (`poll --once`). Deliveries left `sending` by a crash are not
   * touched (a `tidings start` may be sending them right now); the next `start` recovers them.
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
    concurrency: EMAIL_POOL_SIZE * 2,
  });
  return {
    notifier,
    transport,
    start: (intervalMs = EMAIL_DRAIN_INTERVAL_MS) => notifier.start(intervalMs),
    wake: () => notifier.wake(),
    async stop() {
      try {
        await notifier.stop();
      } finally {
        transport.close();
      }
    },
    drainOnce: () => notifier.drain(),
  };
}
