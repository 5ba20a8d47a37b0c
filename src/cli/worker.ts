/**
 * `tidings worker` (distributed mode, REDIS_URL set): takes poll jobs from the BullMQ queue
 * and runs the delivery senders, without the HTTP server or the Telegram bot. Any number of
 * workers and `tidings start` processes share one Redis and one store (STORE_URL).
 *
 * Senders: delivery jobs (distributed/delivery-queue.ts) for Telegram when TELEGRAM_BOT_TOKEN
 * is set and for email when SMTP_URL is, shared with every other worker; the Telegram rate and
 * per-chat gap are shared through Redis. The bot's updates are received by a `tidings start`
 * process (the `telegram` lease, or the webhook), never here.
 * SIGINT/SIGTERM: no new jobs are taken, polls and sends in flight finish (sends not yet
 * started go back to their queue as delayed jobs), then everything closes.
 */
import { loadSettings } from '../config/settings.js';
import { createApp } from '../app.js';
import { ConfigError } from '../config/config-error.js';
import { pollSource } from '../pipeline/poll-source.js';
import { createEmailRuntime, type EmailRuntime } from '../notify/email/email-runtime.js';
import { createNotifier } from '../notify/telegram/telegram-runtime.js';
import { createTelegramApi } from '../notify/telegram/telegram-notifier.js';
import { pollQueueFromApp } from '../distributed/poll-queue.js';
import { startDeliveryWorkers, type ChannelSender } from '../distributed/delivery-workers.js';
import { parse } from './args.js';
import { reportSourcesToAdmins, startHousekeeping, untilStopSignal } from './serve.js';

export async function runWorker(args: string[]): Promise<number> {
  parse(args, {});
  const settings = loadSettings();
  if (!settings.REDIS_URL) {
    process.stderr.write('tidings worker: REDIS_URL is not set; workers take their jobs from Redis (see "Scaling out" in the README)\n');
    return 2;
  }
  if (settings.STORE_URL === 'memory') {
    process.stderr.write('tidings worker: STORE_URL=memory cannot be shared with other processes; use redis://… or postgresql://…\n');
    return 2;
  }
  const app = await createApp(settings);
  const { logger } = app;
  try {
    await app.registry.load();
    await app.store.ping();
  } catch (err) {
    logger.fatal({ err }, 'cannot start the worker: the sources or the store are not usable');
    await app.close();
    return 1;
  }

  let email: EmailRuntime | undefined;
  const senders: { telegram?: ChannelSender; email?: ChannelSender } = {};
  if (settings.SMTP_URL) {
    email = await createEmailRuntime(app);
    senders.email = email.notifier;
  }
  if (settings.TELEGRAM_BOT_TOKEN) senders.telegram = createNotifier(app);
  const deliveries = startDeliveryWorkers(app, senders);
  // Source reports go to the admins' Telegram chats when there is a bot token.
  if (settings.TELEGRAM_BOT_TOKEN) reportSourcesToAdmins(app, createTelegramApi(settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_ROOT));

  const polls = pollQueueFromApp(app, (source) => pollSource(source, app.pollDeps));
  polls.startWorker();
  logger.info({ sources: app.registry.all().length, store: app.store.backend, concurrency: settings.POLL_CONCURRENCY }, `tidings worker started: taking poll jobs (${settings.POLL_CONCURRENCY} at a time)`);

  const reload = () => {
    try {
      app.registry.reloadYaml();
      logger.info({ sources: app.registry.all().length }, 'sources reloaded');
    } catch (err) {
      const message = err instanceof ConfigError ? err.message : (err as Error).message;
      logger.error(`sources not reloaded, keeping the previous ones: ${message}`);
    }
  };
  process.on('SIGHUP', reload);
  // Run-time sources other processes added or paused show up here (tidings start prunes the store).
  const stopHousekeeping = startHousekeeping(app, { prune: false });
  await untilStopSignal(app);
  stopHousekeeping();
  await polls.close();
  await deliveries.close();
  await email?.stop();
  await app.close();
  logger.info('stopped');
  return 0;
}
