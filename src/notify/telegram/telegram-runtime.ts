/**
 * Telegram in a running process: the bot (commands, by long polling or webhook) and the
 * delivery worker that drains the outbox's `telegram` deliveries, built from the app when
 * TELEGRAM_BOT_TOKEN is set. `tidings start` runs both; `tidings poll --once` only drains
 * what its poll recorded (`drainOnce`), so one-shot runs alert as `start` does.
 */
import { createHmac } from 'node:crypto';
import type { App } from '../../app.js';
import type { Route } from '../../http/server.js';
import { createTidingsBot, botDepsFromApp, type TidingsBot, type TidingsBotDeps } from './bot.js';
import { createTelegramApi, TelegramNotifier, type DrainReport } from './telegram-notifier.js';

export interface TelegramRuntime {
  bot: TidingsBot;
  notifier: TelegramNotifier;
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

/** The delivery worker for this app (TELEGRAM_BOT_TOKEN must be set). */
export function createNotifier(app: App): TelegramNotifier {
  const s = app.settings;
  if (!s.TELEGRAM_BOT_TOKEN) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  return new TelegramNotifier({
    api: createTelegramApi(s.TELEGRAM_BOT_TOKEN, s.TELEGRAM_API_ROOT),
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
    onChatBlocked: (chatId, reason) => {
      app.logger.warn({ chatId, reason }, `telegram chat ${chatId} paused: the bot can no longer write there (${reason})`);
    },
  });
}

export async function createTelegramRuntime(app: App, extra: Partial<TidingsBotDeps> = {}): Promise<TelegramRuntime> {
  const bot = createTidingsBot(botDepsFromApp(app, await webhookSecretOf(app), extra));
  const notifier = createNotifier(app);
  return {
    bot,
    notifier,
    routes: bot.webhookRoute ? [bot.webhookRoute] : [],
    async start() {
      notifier.start(DRAIN_INTERVAL_MS);
      await bot.start();
    },
    wake: () => notifier.wake(),
    async stop() {
      await bot.stop();
      await notifier.stop();
    },
  };
}

/**
 * Send what is due now, once (for `poll --once`). Deliveries left `sending` by a crash are
 * not touched here (a `tidings start` may be sending them right now); the next `start`
 * recovers them.
 */
export async function drainOnce(app: App): Promise<DrainReport> {
  return createNotifier(app).drain();
}
