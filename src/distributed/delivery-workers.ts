/**
 * The delivery workers of a process in distributed mode: one BullMQ worker per channel whose
 * notifier this process has (Telegram when TELEGRAM_BOT_TOKEN is set, email when SMTP_URL
 * is), each sending through that notifier's `sendNow` (distributed/delivery-queue.ts).
 * `tidings worker` runs them always; `tidings start` unless `--no-worker`.
 */
import type { App } from '../app.js';
import type { Delivery } from '../domain/subscription.js';
import type { Channel } from '../delivery/outbox.js';
import { DeliveryWorker } from './delivery-queue.js';

/** Chats served side by side by one process (each waits for its own 1 s gap). */
export const TELEGRAM_JOB_CONCURRENCY = 64;
/** Addresses served side by side by one process (the SMTP pool's connections, twice over). */
export const EMAIL_JOB_CONCURRENCY = 10;

export interface ChannelSender {
  sendNow(deliveries: Delivery[]): Promise<unknown>;
  /** Stop: sends in flight finish, the rest is put back (their jobs are delayed, not lost). */
  stop(): Promise<void>;
  /** Prepare what the first send would otherwise pay for (the Telegram renderer's templates). */
  warmUp?(): void;
}

export interface DeliveryWorkers {
  readonly channels: Channel[];
  /** Re-add jobs for unfinished deliveries now (start-up does it too). */
  sweep(): Promise<void>;
  /** Stop taking jobs; jobs in flight end (sent, or put back as delayed jobs). */
  close(): Promise<void>;
}

export function startDeliveryWorkers(app: App, senders: Partial<Record<Channel, ChannelSender>>): DeliveryWorkers {
  const s = app.settings;
  const queue = app.deliveryQueue;
  if (!s.REDIS_URL || !queue) throw new Error('delivery workers need REDIS_URL (distributed mode)');
  const workers = new Map<Channel, { worker: DeliveryWorker; sender: ChannelSender }>();
  for (const channel of ['telegram', 'email'] as const) {
    const sender = senders[channel];
    if (!sender) continue;
    // As the single-process drain loop does at start: the first job's alert does not pay ~0.1 s.
    sender.warmUp?.();
    const worker = new DeliveryWorker({
      channel,
      redisUrl: s.REDIS_URL,
      prefix: s.QUEUE_PREFIX,
      outbox: app.outbox,
      queue,
      send: (deliveries) => sender.sendNow(deliveries),
      concurrency: channel === 'telegram' ? TELEGRAM_JOB_CONCURRENCY : EMAIL_JOB_CONCURRENCY,
      lockDurationMs: s.QUEUE_LOCK_DURATION,
      logger: app.logger,
    });
    worker.start();
    workers.set(channel, { worker, sender });
  }
  app.logger.info({ channels: [...workers.keys()] }, `delivery workers started: ${[...workers.keys()].join(', ') || 'none (no TELEGRAM_BOT_TOKEN or SMTP_URL)'}`);
  return {
    channels: [...workers.keys()],
    async sweep() {
      for (const { worker } of workers.values()) await worker.sweep();
    },
    async close() {
      await Promise.all([...workers.values()].map(({ worker, sender }) => worker.close(() => sender.stop())));
    },
  };
}
