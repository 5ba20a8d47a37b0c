/**
 * The pieces `tidings start` and `tidings demo` both put together: the feeds route, the
 * confirmation mails of the subscribe pages on the email runtime's pooled transport, the
 * HTTP server with its routes, and starting the Telegram runtime.
 */
import type { App } from '../app.js';
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
