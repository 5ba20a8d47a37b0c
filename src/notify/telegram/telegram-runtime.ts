/**
 * Telegram in a running process: the bot (commands, by long polling or webhook) and the
 * delivery worker that drains the outbox's `telegram` deliveries, built from the app when
 * TELEGRAM_BOT_TOKEN is set. `tidings start` runs both; `tidings poll --once` only drains
 * what its poll recorded (`drainOnce`), so one-shot runs alert as `start` does.
 *
 * Several processes on one store: the worker and the long polling run only in the process
 * holding the `telegram` worker lease (delivery/worker-lease.ts); the others stand by and
 * take over when it dies. Acquiring the lease recovers what the previous holder left in
 * `sending`. In webhook mode every process answers the webhook requests it receives (no
 * lease needed for updates); the worker is still leased.
 *
 * Distributed mode (REDIS_URL): deliveries are BullMQ jobs that every process's delivery
 * workers take (distributed/delivery-queue.ts); the lease then only decides which process
 * long-polls for updates (none is needed with a webhook), and the notifier shares the overall
 * rate and the per-chat gap with the other processes through Redis.
 */
import { createHmac } from 'node:crypto';
import type { Api } from 'grammy';
import type { App } from '../../app.js';
import type { Route } from '../../http/server.js';
import { WorkerLease, type LeasedWork } from '../../delivery/worker-lease.js';
import { createTidingsBot, botDepsFromApp, type TidingsBot, type TidingsBotDeps } from './bot.js';
import { createTelegramApi, TelegramNotifier, type DrainReport } from './telegram-notifier.js';

export interface TelegramRuntime {
  bot: TidingsBot;
  notifier: TelegramNotifier;
  /** The `telegram` worker lease: only its holder drains the outbox and long-polls. */
  lease: WorkerLease;
  /** The webhook route for the HTTP server (webhook mode only). */
  routes: Route[];
  /** Start receiving updates and draining the outbox. */
  start(): Promise<void>;
  /** Tell the worker new deliveries were recorded (after a poll). */
  wake(): void;
  /** Stop receiving updates; the message in flight finishes. */
  stop(): Promise<void>;
}

/** How often the worker looks at the outbox without being woken (retries, digests). */
const DRAIN_INTERVAL_MS = 5_000;

/** The webhook secret: derived from TIDINGS_SECRET (or the store's generated secret), never stored as such. */
export async function webhookSecretOf(app: App): Promise<string> {
  const secret = await app.store.secret(app.settings.TIDINGS_SECRET);
  return createHmac('sha256', secret).update('telegram-webhook').digest('base64url');
}

/** The `telegram` worker lease of this app's store. */
export function telegramLease(app: App): WorkerLease {
  return new WorkerLease(app.kv, app.store, 'telegram', { logger: app.logger });
}

/**
 * The delivery worker for this app, sending through `api` (by default the Bot API, for which
 * TELEGRAM_BOT_TOKEN must be set); it sends only while `lease` (when given) is held.
 */
export function createNotifier(app: App, opts: { lease?: WorkerLease; api?: Api } = {}): TelegramNotifier {
  const s = app.settings;
  const { lease } = opts;
  let api = opts.api;
  if (!api) {
    if (!s.TELEGRAM_BOT_TOKEN) throw new Error('TELEGRAM_BOT_TOKEN is not set');
    api = createTelegramApi(s.TELEGRAM_BOT_TOKEN, s.TELEGRAM_API_ROOT);
  }
  return new TelegramNotifier({
    api,
    outbox: app.outbox,
    subscriptions: app.subscriptions,
    store: app.store,
    sourceName: (id) => app.registry.get(id)?.name ?? id,
    chatPrefs: app.chatPrefs,
    limits: { globalPerSecond: s.TELEGRAM_RATE, perChatIntervalMs: 1000, groupPerMinute: s.TELEGRAM_GROUP_RATE },
    logger: app.logger,
    metrics: app.metrics,
    timeZone: s.DEFAULT_TIMEZONE,
    foldThreshold: s.ALERT_FOLD_THRESHOLD,
    retryForMs: s.DELIVERY_RETRY_FOR,
    onChatBlocked: (chatId, reason) => {
      app.logger.warn({ chatId, reason }, `telegram chat ${chatId} paused: the bot can no longer write there (${reason})`);
    },
    ...(lease ? { mayRun: () => lease.held } : {}),
    ...(app.sharedSendRate ? { sharedRate: app.sharedSendRate } : {}),
  });
}

export async function createTelegramRuntime(app: App, extra: Partial<TidingsBotDeps> = {}): Promise<TelegramRuntime> {
  const bot = createTidingsBot(botDepsFromApp(app, await webhookSecretOf(app), extra));
  const lease = telegramLease(app);
  const distributed = Boolean(app.deliveryQueue);
  // Distributed: the delivery jobs send (whichever process takes them), not a leased drain.
  const notifier = distributed ? createNotifier(app) : createNotifier(app, { lease });
  const webhook = Boolean(app.settings.TELEGRAM_WEBHOOK_URL);
  // The lease holder drains the outbox (start() recovers what a dead holder left in
  // `sending`; not in distributed mode) and, without a webhook, is the one process that
  // long-polls for updates.
  const work: LeasedWork = {
    async onAcquired() {
      if (!distributed) notifier.start(DRAIN_INTERVAL_MS);
      if (!webhook) {
        try {
          await bot.start();
        } catch (err) {
          await notifier.stop();
          throw err;
        }
      }
    },
    async onLost() {
      if (!webhook) await bot.stop();
      if (!distributed) await notifier.stop();
    },
  };
  const leased = !(distributed && webhook);
  return {
    bot,
    notifier,
    lease,
    routes: bot.webhookRoute ? [bot.webhookRoute] : [],
    async start() {
      if (webhook) await bot.start();
      if (leased) await lease.run(work);
    },
    wake: () => notifier.wake(),
    async stop() {
      if (leased) await lease.stop(work);
      if (webhook) await bot.stop();
    },
  };
}

/**
 * Send what is due now, once (for `poll --once`), when no `tidings start` holds the worker
 * lease (one that does sends them within its drain interval; sending them here too would
 * send them twice). Deliveries left `sending` by a crash are not touched here; the next
 * `start` recovers them.
 */
export async function drainOnce(app: App): Promise<DrainReport> {
  if (app.deliveryQueue) {
    app.logger.info('telegram: distributed mode (REDIS_URL): the new alerts are delivery jobs; running workers send them');
    return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, folded: 0, pausedChats: 0 };
  }
  const lease = telegramLease(app);
  if (!(await lease.tryAcquire())) {
    app.logger.info('telegram: a running tidings start holds the worker lease; it sends the new alerts');
    return { taken: 0, sent: 0, failed: 0, retried: 0, deferred: 0, messages: 0, folded: 0, pausedChats: 0 };
  }
  try {
    return await createNotifier(app, { lease }).drain();
  } finally {
    await lease.release().catch(() => undefined);
  }
}
