/**
 * The Telegram bot: commands in private chats, groups (`/sub@botname`) and channels (posts
 * by the channel's admins), inline buttons, the command menu, and how updates arrive —
 * long polling, or a webhook on our own HTTP server when TELEGRAM_WEBHOOK_URL is set.
 *
 * - Replies are in the language pinned for the chat with `/lang zh|en`; else in Chinese when
 *   the sender's `language_code` starts with `zh`, else English, and that language is
 *   remembered per chat (ChatPrefs) for alerts and channel posts, which have no sender.
 * - `setMyCommands` at start: the user commands for everyone (English by default, Chinese
 *   for `zh` clients) and, in each admin's private chat (`chat` scope), the admin commands too.
 * - A handler that throws is logged, counted, and answered with a short "failed" message;
 *   nothing a user sends can stop the process.
 * - Webhook: `setWebhook(url, { secret_token })`; `webhookRoute` answers POSTs at the URL's
 *   path and refuses (401) any request whose `X-Telegram-Bot-Api-Secret-Token` is not ours,
 *   compared in constant time before grammY sees the body.
 *
 * - A command in the caption of a file (`/import` sent with a document) is routed like one in
 *   a message's text: grammY's `bot.command` reads only `text` and its entities.
 *
 * The commands themselves are in commands/user.ts, commands/transfer.ts (/export, /import)
 * and commands/admin.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, webhookCallback, type Context } from 'grammy';
import type { BotCommand } from 'grammy/types';
import { Counter } from 'prom-client';
import type { App } from '../../app.js';
import type { Outbox } from '../../delivery/outbox.js';
import { send, type Route } from '../../http/server.js';
import type { Logger } from '../../ops/logger.js';
import type { Metrics } from '../../ops/metrics.js';
import type { SourceRegistry } from '../../sources/source-registry.js';
import type { Store } from '../../store/store.js';
import type { ConfirmationMailDeps } from '../../http/subscribe-pages.js';
import type { SubscriptionStore } from '../../subscriptions/subscription-store.js';
import type { ChatPrefs } from './chat-prefs.js';
import { ADMIN_COMMANDS, adminHandlers } from './commands/admin.js';
import { RecentMatcher, type Handler, type HandlerDeps, type LangFlavor, type Outcome, type TidingsContext } from './commands/shared.js';
import { transferHandlers } from './commands/transfer.js';
import { handleCallback, userHandlers } from './commands/user.js';
import { htmlToPlain, truncateText } from './html.js';
import { langFor, strings, type CommandName, type Lang } from './i18n.js';

export type { TidingsContext } from './commands/shared.js';

export interface TidingsBotLimits {
  /** Longest query accepted (QUERY_MAX_LENGTH; default 500). */
  queryMaxLength?: number;
  /** Newest articles `/sub` and `/preview` match against (default 1000). */
  recentArticles?: number;
  /** Articles listed by `/preview` (default 5). */
  previewItems?: number;
}

export interface TidingsBotDeps {
  subscriptions: SubscriptionStore;
  registry: SourceRegistry;
  store: Store;
  outbox: Outbox;
  chatPrefs: ChatPrefs;
  logger: Logger;
  /** When given, `tidings_bot_commands_total{command,outcome}` is counted on its registry. */
  metrics?: Metrics;
  /** TELEGRAM_BOT_TOKEN. */
  token: string;
  /** TELEGRAM_API_ROOT (default https://api.telegram.org). */
  apiRoot?: string;
  /** TELEGRAM_ADMIN_IDS (settings.adminIds). */
  adminIds: readonly number[];
  /** TELEGRAM_WEBHOOK_URL: set → webhook mode, else long polling. */
  webhookUrl?: string;
  /**
   * The webhook's secret token (derived by the caller from TIDINGS_SECRET). Used as it is
   * when Telegram accepts it (1–256 of `A-Z a-z 0-9 _ -`), else its SHA-256 in base64url.
   */
  webhookSecret: string;
  /** PUBLIC_URL, without a trailing slash (private feed links). */
  publicUrl: string;
  /** DEFAULT_TIMEZONE: digests without a zone, dates in replies. */
  timeZone: string;
  limits?: TidingsBotLimits;
  /**
   * Alerts sent and failed so far, for /stats. Default: this process's
   * `tidings_telegram_sent_total` and `tidings_telegram_failed_total` counters, when the
   * metrics registry has them; else 0.
   */
  deliveryCounts?: () => Promise<{ sent: number; failed: number }>;
  /** Retries of Bot API calls after 429 / 5xx (default 3; 0 in tests that script failures). */
  maxRetries?: number;
  /** With SMTP: `/email ADDRESS` mails a confirmation link (see http/subscribe-pages.ts); without, it says email is off. */
  email?: ConfirmationMailDeps;
}

export interface TidingsBot {
  bot: Bot<TidingsContext>;
  /** Long polling (in the background; resolves once polling runs) or setWebhook; then the command menu. */
  start(): Promise<void>;
  /** Stops polling (the last offset is confirmed); the webhook route answers 503 afterwards. */
  stop(): Promise<void>;
  /** Webhook mode only: the route for the HTTP server (POST at the webhook URL's path). */
  webhookRoute: Route | undefined;
}

/** The user commands in menu order. */
export const USER_COMMANDS: readonly CommandName[] = [
  'start',
  'help',
  'sub',
  'unsub',
  'unsuball',
  'list',
  'name',
  'tags',
  'pause',
  'resume',
  'digest',
  'preview',
  'script',
  'feed',
  'email',
  'export',
  'import',
  'lang',
  'silent',
  'forget',
  'version',
];

const ALLOWED_UPDATES = ['message', 'channel_post', 'callback_query'] as const;

const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** A webhook secret Telegram accepts: the given one when valid, else derived from it. */
export function webhookSecretToken(secret: string): string {
  return /^[A-Za-z0-9_-]{1,256}$/.test(secret) ? secret : createHash('sha256').update(secret).digest('base64url');
}

/** Bot deps from the app and its settings; throws when TELEGRAM_BOT_TOKEN is not set. */
export function botDepsFromApp(app: App, webhookSecret: string, extra: Partial<TidingsBotDeps> = {}): TidingsBotDeps {
  const s = app.settings;
  if (!s.TELEGRAM_BOT_TOKEN) throw new Error('TELEGRAM_BOT_TOKEN is not set');
  return {
    subscriptions: app.subscriptions,
    registry: app.registry,
    store: app.store,
    outbox: app.outbox,
    chatPrefs: app.chatPrefs,
    logger: app.logger,
    metrics: app.metrics,
    token: s.TELEGRAM_BOT_TOKEN,
    apiRoot: s.TELEGRAM_API_ROOT,
    adminIds: s.adminIds,
    webhookUrl: s.TELEGRAM_WEBHOOK_URL,
    webhookSecret,
    publicUrl: s.PUBLIC_URL,
    timeZone: s.DEFAULT_TIMEZONE,
    limits: { queryMaxLength: s.QUERY_MAX_LENGTH },
    ...extra,
  };
}

/** The `version` of tidings' own package.json, found from this module's location (src/ or dist/). */
export function tidingsVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tidings' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of tidings above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

type CommandCounter = Counter<'command' | 'outcome'>;

function commandCounter(metrics: Metrics | undefined): CommandCounter | undefined {
  if (!metrics) return undefined;
  const name = 'tidings_bot_commands_total';
  const existing = metrics.registry.getSingleMetric(name);
  if (existing) return existing as CommandCounter;
  return new Counter({ name, help: 'Bot commands and button presses by outcome (ok, refused, invalid, error)', labelNames: ['command', 'outcome'], registers: [metrics.registry] });
}

/** Sent and failed Telegram messages from the delivery counters on the registry (0 for a counter not there). */
function countersOf(metrics: Metrics): () => Promise<{ sent: number; failed: number }> {
  const total = async (name: string): Promise<number> => {
    const metric = metrics.registry.getSingleMetric(name);
    if (!metric) return 0;
    return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
  };
  return async () => ({ sent: await total('tidings_telegram_sent_total'), failed: await total('tidings_telegram_failed_total') });
}

/** True when the update is a command at the start of a message or channel post (or of a file's caption). */
function isCommand(ctx: Context): boolean {
  const msg = ctx.message ?? ctx.channelPost;
  return (msg?.entities ?? msg?.caption_entities)?.some((e) => e.type === 'bot_command' && e.offset === 0) ?? false;
}

/**
 * Whether the caption of a message starts with `/name` (or `/name@thisbot`), as grammY's
 * `bot.command` checks a text; sets `ctx.match` to the rest of the caption as it does.
 */
function captionCommand(name: string): (ctx: Context) => boolean {
  return (ctx) => {
    const msg = ctx.message ?? ctx.channelPost;
    const caption = msg?.caption;
    const entity = msg?.caption_entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
    if (caption === undefined || !entity) return false;
    const [command = '', target] = caption.substring(1, entity.length).split('@');
    if (command !== name) return false;
    if (target !== undefined && target.toLowerCase() !== ctx.me.username.toLowerCase()) return false;
    ctx.match = caption.substring(entity.length).trim();
    return true;
  };
}

export function createTidingsBot(deps: TidingsBotDeps): TidingsBot {
  const { logger } = deps;
  const bot = new Bot<TidingsContext>(deps.token, { client: { apiRoot: deps.apiRoot ?? 'https://api.telegram.org' } });
  const maxRetries = deps.maxRetries ?? 3;
  if (maxRetries > 0) bot.api.config.use(autoRetry({ maxRetryAttempts: maxRetries, maxDelaySeconds: 60 }));
  const counter = commandCounter(deps.metrics);
  const adminIds = new Set(deps.adminIds);
  const recentLimit = deps.limits?.recentArticles ?? 1000;
  const handlerDeps: HandlerDeps = {
    subscriptions: deps.subscriptions,
    registry: deps.registry,
    store: deps.store,
    outbox: deps.outbox,
    chatPrefs: deps.chatPrefs,
    logger,
    adminIds,
    publicUrl: deps.publicUrl.replace(/\/+$/, ''),
    timeZone: deps.timeZone,
    queryMaxLength: deps.limits?.queryMaxLength ?? 500,
    recent: new RecentMatcher(deps.store, () => deps.registry.all(), recentLimit),
    deliveryCounts: deps.deliveryCounts ?? (deps.metrics ? countersOf(deps.metrics) : undefined),
    previewItems: deps.limits?.previewItems ?? 5,
    email: deps.email,
    version: tidingsVersion(),
  };

  // 1. Nothing a handler throws escapes: log it, count it, tell the user in a few words.
  bot.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      logger.error({ err, update: ctx.update.update_id, chat: ctx.chat?.id }, 'telegram: handling an update failed');
      await tellFailed(ctx, logger);
    }
  });

  // 2. The reply language: the one pinned for the chat (/lang); else the sender's, remembered
  //    for the chat (also while pinned, for when it is unpinned); else the chat's.
  bot.use(async (ctx, next) => {
    const chatId = ctx.chat?.id;
    const own = langFor(ctx.from?.language_code);
    const pinned = chatId !== undefined ? await deps.chatPrefs.pinnedLanguage(chatId) : undefined;
    let lang: Lang;
    if (own) {
      lang = pinned ?? own;
      if (chatId !== undefined && (isCommand(ctx) || ctx.callbackQuery)) await deps.chatPrefs.setLanguage(chatId, own);
    } else {
      lang = chatId !== undefined ? await deps.chatPrefs.language(chatId) : 'zh';
    }
    ctx.lang = lang;
    ctx.t = strings(lang);
    await next();
  });

  const track = async (command: string, run: () => Promise<Outcome>): Promise<void> => {
    try {
      const outcome = await run();
      counter?.inc({ command, outcome });
    } catch (err) {
      counter?.inc({ command, outcome: 'error' });
      throw err;
    }
  };

  const apiRoot = (deps.apiRoot ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const handlers: Partial<Record<CommandName, Handler>> = {
    ...userHandlers,
    ...transferHandlers({ fileUrl: (filePath) => `${apiRoot}/file/bot${deps.token}/${filePath}` }),
    ...adminHandlers,
  };
  for (const name of [...USER_COMMANDS, ...ADMIN_COMMANDS]) {
    const handler = handlers[name];
    if (!handler) throw new Error(`no handler for /${name}`);
    bot.command(name, (ctx) => track(name, () => handler(ctx, handlerDeps)));
  }
  // `/import` as the caption of the file it imports.
  const importFile = handlers.import!;
  bot.on(':caption_entities:bot_command').filter(captionCommand('import'), (ctx) => track('import', () => importFile(ctx, handlerDeps)));
  bot.on('callback_query', (ctx) => track(`button:${ctx.callbackQuery.data?.split(':')[0] ?? 'none'}`, () => handleCallback(ctx, handlerDeps)));

  // Long polling reports errors here (the middleware above catches handler errors first).
  bot.catch((err) => logger.error({ err: err.error, update: err.ctx.update.update_id }, 'telegram: update failed'));

  const webhookUrl = deps.webhookUrl;
  const secretToken = webhookSecretToken(deps.webhookSecret);
  let stopped = false;
  let polling: Promise<void> | undefined;
  const webhookRoute = webhookUrl ? createWebhookRoute(bot, webhookUrl, secretToken, logger, () => stopped) : undefined;

  async function setCommands(): Promise<void> {
    const menu = (lang: Lang, names: readonly CommandName[]): BotCommand[] => names.map((command) => ({ command, description: strings(lang).commands[command] }));
    const variants: { language_code?: 'en' | 'zh'; lang: Lang }[] = [{ lang: 'en' }, { language_code: 'en', lang: 'en' }, { language_code: 'zh', lang: 'zh' }];
    for (const v of variants) {
      const language = v.language_code ? { language_code: v.language_code } : {};
      await bot.api.setMyCommands(menu(v.lang, USER_COMMANDS), { scope: { type: 'default' }, ...language });
      for (const admin of adminIds) {
        // An admin who never opened a chat with the bot has no chat yet: that is not fatal.
        await bot.api
          .setMyCommands(menu(v.lang, [...USER_COMMANDS, ...ADMIN_COMMANDS]), { scope: { type: 'chat', chat_id: admin }, ...language })
          .catch((err: unknown) => logger.warn({ err, admin }, 'telegram: could not set the admin command menu'));
      }
    }
  }

  return {
    bot,
    webhookRoute,
    async start() {
      stopped = false;
      await bot.init();
      if (webhookUrl) {
        await bot.api.setWebhook(webhookUrl, { secret_token: secretToken, allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false });
        await setCommands();
        logger.info({ bot: bot.botInfo.username, webhook: redactPath(webhookUrl) }, 'telegram: receiving updates by webhook');
        return;
      }
      await setCommands();
      // bot.start deletes any webhook first, then long-polls until stop().
      await new Promise<void>((resolve, reject) => {
        polling = bot.start({ allowed_updates: ALLOWED_UPDATES, drop_pending_updates: false, onStart: () => resolve() });
        polling.then(
          () => resolve(),
          (err: unknown) => {
            logger.error({ err }, 'telegram: long polling stopped');
            reject(err as Error);
          },
        );
      });
      logger.info({ bot: bot.botInfo.username }, 'telegram: receiving updates by long polling');
    },
    async stop() {
      stopped = true;
      if (polling) {
        // grammY's stop confirms the last updates with one more getUpdates; if that fails
        // (409 because another process took over polling, a network fault), the updates are
        // simply offered again to whoever polls next: log it, never fail the shutdown.
        if (bot.isRunning()) await bot.stop().catch((err: unknown) => logger.warn({ err }, 'telegram: could not confirm the last updates while stopping'));
        await polling.catch(() => undefined);
        polling = undefined;
      }
    },
  };
}

/** Tell the sender, briefly, that their command failed (a failure to tell is only logged). */
async function tellFailed(ctx: Context & Partial<LangFlavor>, logger: Logger): Promise<void> {
  const t = ctx.t ?? strings('zh');
  try {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: truncateText(htmlToPlain(t.failed), 190), show_alert: true });
    else if (ctx.chat) await ctx.reply(t.failed);
  } catch (err) {
    logger.warn({ err, chat: ctx.chat?.id }, 'telegram: could not report a failure to the chat');
  }
}

/** Compare digests, so neither the length nor the first differing byte leaks. */
function secretMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The webhook URL as logged: origin and path only (never a query string). */
function redactPath(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** Largest update body accepted (Telegram's are a few KB). */
const MAX_UPDATE_BYTES = 1024 * 1024;

function createWebhookRoute(bot: Bot<TidingsContext>, webhookUrl: string, secretToken: string, logger: Logger, isStopped: () => boolean): Route {
  const path = new URL(webhookUrl).pathname;
  // After 25 s Telegram is answered anyway (so it does not send the update again); the handler keeps running.
  const callback = webhookCallback(bot, 'http', { secretToken, onTimeout: 'return', timeoutMilliseconds: 25_000 });
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (url.pathname !== path) return false;
    if (req.method !== 'POST') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'POST' });
      return true;
    }
    const header = req.headers[SECRET_HEADER];
    const given = Array.isArray(header) ? (header[0] ?? '') : (header ?? '');
    if (!secretMatches(given, secretToken)) {
      logger.warn({ path }, 'telegram: webhook request with a wrong secret token refused');
      send(res, 401, 'text/plain; charset=utf-8', 'unauthorized\n');
      return true;
    }
    if (isStopped()) {
      send(res, 503, 'text/plain; charset=utf-8', 'stopping\n', { 'retry-after': '5' });
      return true;
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_UPDATE_BYTES) {
      send(res, 413, 'text/plain; charset=utf-8', 'too large\n');
      return true;
    }
    try {
      await callback(req, res);
    } catch (err) {
      if (res.headersSent) return true;
      if (err instanceof SyntaxError) {
        send(res, 400, 'text/plain; charset=utf-8', 'not an update\n');
      } else {
        // Handler errors are caught inside the bot; this is grammY itself failing (e.g. getMe).
        logger.error({ err }, 'telegram: webhook update failed');
        send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      }
    }
    return true;
  };
}
