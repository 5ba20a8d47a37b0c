/**
 * `tidings start`: scheduler, pollers and the HTTP server in one process. Source YAML is
 * re-read on SIGHUP and when a file under TIDINGS_SOURCES changes (a bad edit is logged and
 * the previous sources stay). SIGINT/SIGTERM stop cleanly: no new polls start, polls in
 * flight finish (each bounded by the fetch deadline), then the server and store close.
 *
 * With REDIS_URL (distributed mode) the tick is a BullMQ job scheduler and polls are jobs
 * shared with `tidings worker` processes (distributed/poll-queue.ts); deliveries are jobs too
 * (distributed/delivery-queue.ts). This process takes poll and delivery jobs unless
 * `--no-worker`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { loadSettings } from '../config/settings.js';
import { ConfigError } from '../config/config-error.js';
import type { Source } from '../domain/source.js';
import { createApp, type App } from '../app.js';
import { pollSource } from '../pipeline/poll-source.js';
import { Scheduler } from '../pipeline/scheduler.js';
import type { RunningHttpServer } from '../http/server.js';
import { createTelegramRuntime, type TelegramRuntime } from '../notify/telegram/telegram-runtime.js';
import { createEmailRuntime, type EmailRuntime } from '../notify/email/email-runtime.js';
import { createSubscribeRoutes, type ConfirmationMailDeps } from '../http/subscribe-pages.js';
import type { Route } from '../http/server.js';
import { parse } from './args.js';
import { UsageError } from './usage-error.js';
import { pollQueueFromApp, type PollQueue } from '../distributed/poll-queue.js';
import { startDeliveryWorkers, type DeliveryWorkers } from '../distributed/delivery-workers.js';
import { confirmationMailDeps, feedRoute, reportSourcesToAdmins, startAppServer, startHousekeeping, startTelegram, untilStopSignal } from './serve.js';

export async function runStart(args: string[]): Promise<number> {
  const { values } = parse(args, { 'no-worker': { type: 'boolean' } });
  const settings = loadSettings();
  if (values['no-worker'] && !settings.REDIS_URL) throw new UsageError('--no-worker needs REDIS_URL (distributed mode): without it this process is the only poller');
  const app = await createApp(settings);
  const { logger } = app;
  try {
    await app.registry.load();
  } catch (err) {
    await app.close();
    throw err;
  }
  const sources = (): Source[] => app.registry.all();
  try {
    await app.store.ping();
  } catch (err) {
    logger.fatal({ err }, 'the store is unreachable');
    await app.close();
    return 1;
  }

  const feeds = feedRoute(app, sources);
  // Email (SMTP_URL): the alert sender, the subscribe / confirm / unsubscribe pages, and the
  // bot's /email, all on one pooled transport.
  let email: EmailRuntime | undefined;
  let mailDeps: ConfirmationMailDeps | undefined;
  const pageRoutes: Route[] = [];
  if (settings.SMTP_URL) {
    email = await createEmailRuntime(app);
    mailDeps = await confirmationMailDeps(app, email);
    pageRoutes.push(...createSubscribeRoutes({ ...mailDeps, subscriptions: app.subscriptions, store: app.store, sources, outbox: app.outbox, timeZone: settings.DEFAULT_TIMEZONE }));
  }
  let telegram: TelegramRuntime | undefined;
  if (settings.TELEGRAM_BOT_TOKEN) telegram = await createTelegramRuntime(app, mailDeps ? { email: mailDeps } : {});
  const sourceAlerts = reportSourcesToAdmins(app, telegram?.bot.bot.api);
  let server: RunningHttpServer;
  try {
    server = await startAppServer(app, sources, [...(telegram?.routes ?? []), ...pageRoutes, feeds], { sourceAlerts });
  } catch (err) {
    logger.fatal({ err }, `cannot listen on ${settings.HTTP_HOST}:${settings.HTTP_PORT}`);
    await app.close();
    return 1;
  }

  if (telegram && !(await startTelegram(app, telegram))) {
    await server.close();
    await app.close();
    return 1;
  }
  email?.start();
  const poll = async (s: Source) => {
    const result = await pollSource(s, app.pollDeps);
    if (result.alertable.length > 0) {
      telegram?.wake();
      email?.wake();
    }
    return result;
  };
  // Distributed mode (REDIS_URL): the tick is a BullMQ job scheduler and polls are jobs that
  // any worker takes (this process too, unless --no-worker); otherwise the in-process Scheduler.
  let scheduler: Scheduler | undefined;
  let polls: PollQueue | undefined;
  let deliveries: DeliveryWorkers | undefined;
  if (settings.REDIS_URL) {
    polls = pollQueueFromApp(app, poll);
    try {
      await polls.startScheduler();
    } catch (err) {
      logger.fatal({ err }, 'cannot install the poll scheduler in Redis (REDIS_URL)');
      await polls.close();
      await telegram?.stop();
      await email?.stop();
      await server.close();
      await app.close();
      return 1;
    }
    if (!values['no-worker']) {
      polls.startWorker();
      deliveries = startDeliveryWorkers(app, { ...(telegram ? { telegram: telegram.notifier } : {}), ...(email ? { email: email.notifier } : {}) });
    }
  } else {
    scheduler = new Scheduler(sources, app.store, poll, { tick: settings.SCHEDULER_TICK, concurrency: settings.POLL_CONCURRENCY, timeZone: settings.DEFAULT_TIMEZONE }, logger);
    scheduler.start();
  }
  logger.info(
    { sources: sources().length, store: app.store.backend, http: server.url },
    `tidings started: ${sources().length} sources${polls ? `; polls as BullMQ jobs (REDIS_URL)${values['no-worker'] ? ', taken by workers only' : ''}` : ''}; feeds at ${settings.PUBLIC_URL}/feeds/all.atom${telegram ? `; Telegram bot on (${settings.TELEGRAM_WEBHOOK_URL ? 'webhook' : 'long polling'})` : ''}`,
  );

  const reload = (why: string) => {
    try {
      app.registry.reloadYaml();
      logger.info({ sources: sources().length, why }, 'sources reloaded');
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : (err as Error).message;
      logger.error({ why }, `sources not reloaded, keeping the previous ones: ${message}`);
    }
  };
  const watcher = watchSources(settings.TIDINGS_SOURCES, () => reload('file changed'), app);
  process.on('SIGHUP', () => reload('SIGHUP'));
  // Run-time sources other processes added or paused show up here; expired records are pruned.
  const stopHousekeeping = startHousekeeping(app, { prune: true });
  await untilStopSignal(app);
  watcher?.close();
  stopHousekeeping();
  await scheduler?.stop();
  await polls?.close();
  await deliveries?.close();
  await telegram?.stop();
  await email?.stop();
  await server.close();
  await app.close();
  logger.info('stopped');
  return 0;
}

function watchSources(location: string, onChange: () => void, app: App): FSWatcher | undefined {
  let timer: NodeJS.Timeout | undefined;
  try {
    return watch(location, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, 300);
    });
  } catch (err) {
    app.logger.debug({ err, location }, 'not watching the sources (SIGHUP still reloads them)');
    return undefined;
  }
}
