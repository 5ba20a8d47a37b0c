/**
 * The pieces `tidings start` and `tidings demo` both put together: the feeds route, the
 * confirmation mails of the subscribe pages on the email runtime's pooled transport, the
 * HTTP server with its routes, and starting the Telegram runtime.
 */
import type { Api } from 'grammy';
import type { App } from '../app.js';
import { SourceAlerts } from '../pipeline/source-alerts.js';
import type { Source } from '../domain/source.js';
import { startHttpServer, type HttpServerDeps, type Route, type RunningHttpServer } from '../http/server.js';
import type { ConfirmationMailDeps } from '../http/subscribe-pages.js';
import type { EmailRuntime } from '../notify/email/email-runtime.js';
import type { TelegramRuntime } from '../notify/telegram/telegram-runtime.js';
import { FeedService } from '../pipeline/feed-service.js';
import { createFeedHandler } from '../publish/feed-http.js';

/** The public and private feeds as a route; a feed that fails to render is logged. */
export function feedRoute(app: App, sources: () => Source[]): Route {
  const s = app.settings;
  const feeds = new FeedService({ store: app.store, sources, publicUrl: s.PUBLIC_URL, maxEntries: s.FEED_MAX_ENTRIES, subscriptions: app.subscriptions });
  const feedHandler = createFeedHandler({
    getFeed: (p) => feeds.getFeed(p),
    cacheControl: `public, max-age=${s.FEEDS_CACHE_SECONDS}`,
    onError: (err, p) => app.logger.error({ err, path: p }, 'rendering a feed failed'),
  });
  return (req, res) => feedHandler(req, res);
}

/** What the subscribe pages and the bot's /email need to send confirmation mails, through the email runtime's transport. */
export async function confirmationMailDeps(app: App, email: EmailRuntime): Promise<ConfirmationMailDeps> {
  const s = app.settings;
  const transport = email.transport;
  return {
    kv: app.kv,
    secret: await app.store.secret(s.TIDINGS_SECRET),
    publicUrl: s.PUBLIC_URL,
    sendMail: async (m) => {
      await transport.sendMail(m);
    },
    mailFrom: s.MAIL_FROM,
    logger: app.logger,
  };
}

/** The HTTP server on HTTP_HOST:HTTP_PORT: `routes` first, then the built-in ones. */
export function startAppServer(app: App, sources: () => Source[], routes: Route[], extra: Pick<HttpServerDeps, 'sourceAlerts'> = {}): Promise<RunningHttpServer> {
  const s = app.settings;
  return startHttpServer(
    { store: app.store, logger: app.logger, metrics: app.metrics, sources, metricsToken: s.METRICS_TOKEN, routes, publicUrl: s.PUBLIC_URL, ...extra },
    s.HTTP_HOST,
    s.HTTP_PORT,
  );
}

/** Start the bot and the delivery worker; when they cannot start, log why, stop them and return false. */
export async function startTelegram(app: App, telegram: TelegramRuntime): Promise<boolean> {
  try {
    await telegram.start();
    return true;
  } catch (err) {
    app.logger.fatal({ err }, `the Telegram bot could not start (TELEGRAM_API_ROOT=${app.settings.TELEGRAM_API_ROOT})`);
    await telegram.stop().catch(() => undefined);
    return false;
  }
}

/**
 * What every long-running command keeps doing in the background: re-reading run-time sources
 * other processes added or paused (every minute) and, with `prune`, deleting expired records
 * hourly (delivery records after DELIVERY_RETENTION_DAYS, seen marks, fingerprints, rate-limit
 * counters) so the store does not grow without end. Returns the function that stops both.
 */
/** How long a subscription waits for its double opt-in: the life of a confirmation link. */
const UNCONFIRMED_KEPT_MS = 7 * 86_400_000;

export function startHousekeeping(app: App, opts: { prune: boolean }): () => void {
  const { logger } = app;
  const timers: NodeJS.Timeout[] = [];
  const refresher = setInterval(() => {
    app.registry.refresh().catch((err: unknown) => logger.warn({ err }, 'could not refresh run-time sources'));
  }, 60_000);
  timers.push(refresher);
  if (opts.prune) {
    const prune = () => {
      app.kv
        .pruneExpired()
        .then((n) => n > 0 && logger.info({ pruned: n }, `store: ${n} expired records deleted`))
        .catch((err: unknown) => logger.warn({ err }, 'could not prune expired records'));
      // Web subscriptions never confirmed: their links (valid 7 days) have expired.
      app.subscriptions
        .removeUnconfirmed(new Date(Date.now() - UNCONFIRMED_KEPT_MS))
        .then((n) => n > 0 && logger.info({ removed: n }, `${n} unconfirmed subscriptions removed`))
        .catch((err: unknown) => logger.warn({ err }, 'could not remove unconfirmed subscriptions'));
    };
    timers.push(setInterval(prune, 3_600_000), setTimeout(prune, 60_000));
  }
  for (const t of timers) t.unref();
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}

/** Resolves at the first SIGINT or SIGTERM (logged as the start of a clean stop). */
export function untilStopSignal(app: App): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      app.logger.info({ signal }, 'stopping: finishing polls in flight');
      resolve(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * Sources failing for SOURCE_FAILING_ALERT_AFTER, or whose list suddenly yields nothing, are
 * reported once to the admins' Telegram chats through `api` (and always to the log, /healthz
 * and the metrics), and again when they recover. Hooks itself into the app's polls.
 */
export function reportSourcesToAdmins(app: App, api: Api | undefined): SourceAlerts {
  const { settings, logger } = app;
  const sourceAlerts = new SourceAlerts({
    kv: app.kv,
    store: app.store,
    metrics: app.metrics,
    logger,
    failingAfterMs: settings.SOURCE_FAILING_ALERT_AFTER,
    notifyAdmins: async (text) => {
      logger.warn({ report: text }, 'source report for admins');
      if (!api) return;
      let delivered = settings.adminIds.length === 0;
      for (const admin of settings.adminIds) {
        try {
          await api.sendMessage(admin, text, { link_preview_options: { is_disabled: true } });
          delivered = true;
        } catch (err) {
          logger.warn({ err, admin }, `could not send a source report to admin ${admin}`);
        }
      }
      // Not one admin reached: the report stays pending and is tried again after the next poll.
      if (!delivered) throw new Error('no admin chat could be reached');
    },
  });
  app.pollDeps.onPolled = (s, r, st) => sourceAlerts.onPolled(s, r, st);
  return sourceAlerts;
}
