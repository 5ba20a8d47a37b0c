/**
 * `tidings demo`: the whole path offline, for a first look. A generated local news site (a
 * city science bureau's GBK list and article pages, and a news centre's RSS feed) publishes a
 * new article every few seconds; tidings polls it as `start` would (scheduler, pipeline,
 * store, merged feeds and subscribe pages on its HTTP server); two demo subscriptions get the
 * alerts: `reader@demo.local` (科技援疆) by email, through an in-process SMTP server that
 * saves each message as `<dir>/mail/<n>.eml`, and a console chat (人工智能 OR 大模型), whose
 * Telegram alerts are printed here when no TELEGRAM_BOT_TOKEN is set.
 *
 * Each run starts from a fresh store in `--dir` (default ./demo-data). Stops on Ctrl-C,
 * SIGTERM or after `--duration`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Api } from 'grammy';
import { loadSettings, type Settings } from '../config/settings.js';
import { parseDuration } from '../config/interval.js';
import type { Source } from '../domain/source.js';
import { createApp } from '../app.js';
import { pollSource } from '../pipeline/poll-source.js';
import { Scheduler } from '../pipeline/scheduler.js';
import type { Route, RunningHttpServer } from '../http/server.js';
import { createNotifier, createTelegramRuntime, type TelegramRuntime } from '../notify/telegram/telegram-runtime.js';
import type { TelegramNotifier } from '../notify/telegram/telegram-notifier.js';
import { htmlToPlain } from '../notify/telegram/html.js';
import { createEmailRuntime } from '../notify/email/email-runtime.js';
import { createSubscribeRoutes } from '../http/subscribe-pages.js';
import { startNewsSite, BUREAU_NAME, NEWS_CENTRE_NAME, type NewsSite } from '../demo/news-site.js';
import { startSmtpSink, type SmtpSink } from '../demo/smtp-sink.js';
import { parse } from './args.js';
import { confirmationMailDeps, feedRoute, startAppServer, startTelegram } from './serve.js';
import { UsageError } from './usage-error.js';

export const DEMO_EMAIL = 'reader@demo.local';
export const DEMO_EMAIL_QUERY = '科技援疆';
/** The console "chat" of the demo's Telegram subscription (no bot: alerts are printed). */
export const DEMO_CHAT_ID = 1001;
export const DEMO_CHAT_QUERY = '人工智能 OR 大模型';

interface DemoOptions {
  dir: string;
  port: number;
  everyMs: number;
  durationMs?: number;
}

function options(args: string[]): DemoOptions {
  const { values } = parse(args, {
    dir: { type: 'string' },
    port: { type: 'string' },
    every: { type: 'string' },
    duration: { type: 'string' },
  });
  const duration = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const ms = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : parseDuration(v);
    if (ms === undefined || ms < min) throw new UsageError(`--${name} ${JSON.stringify(v)}: expected a duration of at least ${min / 1000}s, such as 5s or 2m`);
    return ms;
  };
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '8080') || port > 65535) throw new UsageError(`--port ${JSON.stringify(values.port)}: expected a port number (0 = any free port)`);
  return {
    dir: path.resolve(values.dir ?? './demo-data'),
    port,
    everyMs: duration('every', values.every, 1000) ?? 5000,
    durationMs: duration('duration', values.duration, 1000),
  };
}

/** A free loopback port, for `--port 0` (the public URL must name the real port). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A fresh demo store and mailbox each run (articles seen last time would alert nobody). */
function freshDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (/^tidings\.sqlite(-wal|-shm|-journal)?$/.test(f)) rmSync(path.join(dir, f), { force: true });
  const mail = path.join(dir, 'mail');
  if (existsSync(mail)) for (const f of readdirSync(mail)) if (f.endsWith('.eml')) rmSync(path.join(mail, f), { force: true });
}

function demoSources(site: NewsSite, pollMs: number): Source[] {
  const interval = { kind: 'every', ms: pollMs } as const;
  return [
    { id: 'demo-kjj-gzdt', name: `${BUREAU_NAME} 工作动态`, url: site.listUrl, kind: 'html', interval, fulltext: 'auto', tags: ['demo', '科技'], origin: 'demo' },
    { id: 'demo-rmt', name: NEWS_CENTRE_NAME, url: site.newsCentreRssUrl, kind: 'feed', interval, fulltext: 'never', tags: ['demo', '媒体'], origin: 'demo' },
  ];
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

export async function runDemo(args: string[]): Promise<number> {
  const opts = options(args);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  freshDir(opts.dir);

  const env = process.env;
  const host = env.HTTP_HOST?.trim() || '127.0.0.1';
  const port = opts.port === 0 ? await freePort(host) : opts.port;
  const pollMs = Math.max(1000, Math.round(opts.everyMs / 2));
  let site: NewsSite | undefined;
  let sink: SmtpSink | undefined;
  try {
    site = await startNewsSite();
    sink = await startSmtpSink({ dir: opts.dir, onSaved: (file, to) => out(`${clock()} ✉  email to ${to.join(', ')} saved: ${file}`) });
    const settings: Settings = loadSettings({
      ...env,
      STORE_URL: `sqlite://${path.join(opts.dir, 'tidings.sqlite')}`,
      HTTP_HOST: host,
      HTTP_PORT: String(port),
      PUBLIC_URL: undefined,
      SMTP_URL: sink.url,
      MAIL_FROM: env.MAIL_FROM?.trim() || 'tidings demo <tidings@demo.local>',
      // The demo's sources are on loopback; nothing else is polled.
      ALLOW_PRIVATE_NETWORKS: 'true',
      SCHEDULER_TICK: '* * * * * *',
      POLL_JITTER: '0',
      FEEDS_CACHE_SECONDS: '0',
      // Warnings and errors only, so the demo's own lines stay readable.
      LOG_LEVEL: env.LOG_LEVEL?.trim() || 'warn',
    });
    return await run(settings, site, sink, opts, pollMs, out);
  } finally {
    await sink?.close();
    await site?.close();
  }
}

async function run(settings: Settings, site: NewsSite, sink: SmtpSink, opts: DemoOptions, pollMs: number, out: (line: string) => void): Promise<number> {
  const sourceList = demoSources(site, pollMs);
  const app = await createApp(settings, { loadYaml: () => sourceList });
  const { logger } = app;
  await app.registry.load();
  const sources = (): Source[] => app.registry.all();

  const emailSub = await app.subscriptions.add({ subscriber: { kind: 'email', address: DEMO_EMAIL }, query: DEMO_EMAIL_QUERY, createdBy: 'demo' });
  const consoleTelegram = !settings.TELEGRAM_BOT_TOKEN;
  const chatId = consoleTelegram ? DEMO_CHAT_ID : settings.adminIds[0];
  const chatSub = chatId === undefined ? undefined : await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId }, query: DEMO_CHAT_QUERY, createdBy: 'demo' });

  const feeds = feedRoute(app, sources);
  const email = await createEmailRuntime(app);
  const mailDeps = await confirmationMailDeps(app, email);
  const pageRoutes: Route[] = createSubscribeRoutes({ ...mailDeps, subscriptions: app.subscriptions, store: app.store, sources, outbox: app.outbox, timeZone: settings.DEFAULT_TIMEZONE });

  // Telegram: the real bot when a token is set, else the same delivery worker writing to the console.
  let telegram: TelegramRuntime | undefined;
  let consoleNotifier: TelegramNotifier | undefined;
  if (consoleTelegram) consoleNotifier = consoleTelegramNotifier(app, out);
  else telegram = await createTelegramRuntime(app, { email: mailDeps });

  let server: RunningHttpServer;
  try {
    server = await startAppServer(app, sources, [...(telegram?.routes ?? []), ...pageRoutes, feeds]);
  } catch (err) {
    out(`tidings demo: cannot listen on ${settings.HTTP_HOST}:${settings.HTTP_PORT} (${(err as Error).message}); try --port 0`);
    await email.stop();
    await app.close();
    return 1;
  }
  if (telegram && !(await startTelegram(app, telegram))) {
    await email.stop();
    await server.close();
    await app.close();
    return 1;
  }
  consoleNotifier?.start(1000);
  email.start(1000);

  // New stories are published once the first polls have stored the backlog (a source's first
  // poll alerts nobody), so the first new story already alerts.
  const firstPolled = new Set<string>();
  let firstPolls!: () => void;
  const firstPollsDone = new Promise<void>((resolve) => (firstPolls = resolve));
  const poll = async (s: Source) => {
    const result = await pollSource(s, app.pollDeps);
    if (result.alertable.length > 0) {
      consoleNotifier?.wake();
      telegram?.wake();
      email.wake();
    }
    firstPolled.add(s.id);
    if (sourceList.every((x) => firstPolled.has(x.id))) firstPolls();
    return result;
  };
  const scheduler = new Scheduler(sources, app.store, poll, { tick: settings.SCHEDULER_TICK, concurrency: settings.POLL_CONCURRENCY, timeZone: settings.DEFAULT_TIMEZONE }, logger);

  const base = settings.PUBLIC_URL;
  const every = opts.everyMs % 1000 === 0 ? `${opts.everyMs / 1000}s` : `${opts.everyMs}ms`;
  out(`tidings demo: everything runs here, offline (${opts.durationMs ? `for ${Math.round(opts.durationMs / 1000)}s` : 'Ctrl-C to stop'})

  news site       ${site.listUrl}   (${BUREAU_NAME}, GBK pages; a new article every ${every})
                  ${site.bureauRssUrl}   (its RSS)   ${site.newsCentreRssUrl}   (${NEWS_CENTRE_NAME})
  merged feed     ${base}/feeds/all.atom
  private feed    ${base}/feeds/sub/${emailSub.feedToken}.atom   (${DEMO_EMAIL}: ${DEMO_EMAIL_QUERY})
  subscribe page  ${base}/subscribe
  email alerts    ${DEMO_EMAIL} ← "${DEMO_EMAIL_QUERY}", saved as ${sink.mailDir}${path.sep}<n>.eml   (SMTP ${sink.url})
  telegram alerts ${chatSub ? `chat ${chatSub.subscriber.kind === 'telegram' ? chatSub.subscriber.chatId : ''} ← "${DEMO_CHAT_QUERY}", ${consoleTelegram ? 'printed below (no TELEGRAM_BOT_TOKEN set)' : 'sent by your bot'}` : 'none: set TELEGRAM_ADMIN_IDS to your user id, or subscribe through the bot'}
  store           ${settings.STORE_URL}
`);

  scheduler.start();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const publish = () => {
    const { story, url, republished } = site.publish();
    out(`${clock()} +  ${BUREAU_NAME} published 《${story.title}》 ${url}`);
    if (republished) out(`${clock()} +  ${NEWS_CENTRE_NAME} republished 《${republished.title}》 ${republished.url}`);
  };
  void Promise.race([firstPollsDone, new Promise((r) => setTimeout(r, 15_000).unref())]).then(() => {
    if (stopped) return;
    out(`${clock()}    first poll done: ${site.stories().length} articles already on the site are in the feed (a first poll alerts nobody)`);
    publish();
    timer = setInterval(publish, opts.everyMs);
  });

  const signal = await new Promise<string>((resolve) => {
    const onSignal = (s: string) => resolve(s);
    process.once('SIGINT', () => onSignal('SIGINT'));
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    if (opts.durationMs !== undefined) setTimeout(() => resolve('duration'), opts.durationMs).unref();
  });
  stopped = true;
  clearInterval(timer);
  out(`${clock()}    stopping (${signal === 'duration' ? `after ${Math.round(opts.durationMs! / 1000)}s` : signal})`);
  await scheduler.stop();
  await consoleNotifier?.stop();
  await telegram?.stop();
  await email.stop();
  await server.close();
  await app.close();
  out(`tidings demo stopped: ${site.stories().length} articles on the site, ${sink.saved().length} emails saved in ${sink.mailDir}`);
  return 0;
}

/** The Telegram delivery worker with an API that prints each message (the plain text) instead of sending it. */
function consoleTelegramNotifier(app: Awaited<ReturnType<typeof createApp>>, out: (line: string) => void): TelegramNotifier {
  let messageId = 0;
  const api = {
    sendMessage: (chatId: number, text: string, other?: { parse_mode?: string }) => {
      const plain = other?.parse_mode === 'HTML' ? htmlToPlain(text) : text;
      out(`${clock()} ✈  Telegram alert to chat ${chatId} (console: no TELEGRAM_BOT_TOKEN)\n${plain.replace(/^/gm, '   │ ')}`);
      return Promise.resolve({ message_id: ++messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'private' } });
    },
  } as unknown as Api;
  return createNotifier(app, { api });
}
