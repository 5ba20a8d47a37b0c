/**
 * The composition root: builds the adapters (store, fetcher, logger, metrics) from settings
 * and hands them to the commands. Nothing here runs at import time.
 */
import { existsSync } from 'node:fs';
import type { Settings } from './config/settings.js';
import { loadSources } from './config/sources.js';
import type { Source } from './domain/source.js';
import { createFetcher } from './fetch/http-client.js';
import type { Fetcher } from './fetch/types.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import type { PollDeps } from './pipeline/poll-source.js';
import { openKeyValue, type KeyValue } from './store/keyv-store.js';
import { SourceRegistry } from './sources/source-registry.js';
import { createStore, type Store } from './store/store.js';
import { SubscriptionStore } from './subscriptions/subscription-store.js';
import { Outbox } from './delivery/outbox.js';
import { Dispatcher } from './delivery/dispatch.js';
import { ChatPrefs } from './notify/telegram/chat-prefs.js';
// Distributed mode's modules (BullMQ, ioredis) load only when REDIS_URL is set: a
// single-process `poll --once` does not pay for them at start-up.
import type { DeliveryQueue } from './distributed/delivery-queue.js';
import type { RedisHostGate, RedisSendRate } from './distributed/redis-limits.js';

export interface App {
  settings: Settings;
  kv: KeyValue;
  /** YAML and run-time sources; call `load()` before use. */
  registry: SourceRegistry;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  fetcher: Fetcher;
  pollDeps: PollDeps;
  subscriptions: SubscriptionStore;
  /** Every delivery, recorded before it is sent (durable, idempotent). */
  outbox: Outbox;
  /** Matches new articles against subscriptions and records deliveries in the outbox. */
  dispatcher: Dispatcher;
  chatPrefs: ChatPrefs;
  /**
   * Distributed mode (REDIS_URL): the delivery jobs' queues; every delivery the outbox lists
   * is added there as a job (distributed/delivery-queue.ts). Undefined in single-process mode.
   */
  deliveryQueue?: DeliveryQueue;
  /**
   * Distributed mode: the Telegram overall rate and per-chat gap shared by every process
   * (distributed/redis-limits.ts); the notifiers of this process use it. Undefined otherwise.
   */
  sharedSendRate?: RedisSendRate;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Where YAML sources come from (default TIDINGS_SOURCES). */
  loadYaml?: () => Source[];
  /** `poll --dry-run`: articles are stored, but no delivery is recorded. */
  dryRun?: boolean;
}

export async function createApp(settings: Settings, opts: AppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger({ level: settings.LOG_LEVEL, format: settings.LOG_FORMAT });
  const metrics = opts.metrics ?? createMetrics();
  let store: Store;
  let kv: KeyValue;
  try {
    kv = await openKeyValue(settings.STORE_URL);
    store = createStore(kv);
  } catch (err) {
    throw new Error(`cannot open the store STORE_URL=${redactUrl(settings.STORE_URL)}: ${(err as Error).message}`, { cause: err });
  }
  // Distributed mode: per-host politeness holds across every process (a Redis semaphore per host).
  const limitsPrefix = `${settings.QUEUE_PREFIX}:limits:`;
  let hostGate: RedisHostGate | undefined;
  let sharedSendRate: RedisSendRate | undefined;
  if (settings.REDIS_URL) {
    const limits = await import('./distributed/redis-limits.js');
    hostGate = new limits.RedisHostGate({ redisUrl: settings.REDIS_URL, prefix: limitsPrefix, limit: settings.FETCH_PER_HOST_CONCURRENCY, logger });
    sharedSendRate = new limits.RedisSendRate({
      redisUrl: settings.REDIS_URL,
      prefix: limitsPrefix,
      limits: { globalPerSecond: settings.TELEGRAM_RATE, perChatIntervalMs: 1000, groupPerMinute: settings.TELEGRAM_GROUP_RATE },
      logger,
    });
  }
  const fetcher = createFetcher({
    timeoutMs: settings.FETCH_TIMEOUT,
    maxBytes: settings.FETCH_MAX_BYTES,
    maxRedirects: settings.FETCH_MAX_REDIRECTS,
    perHostConcurrency: settings.FETCH_PER_HOST_CONCURRENCY,
    globalConcurrency: settings.FETCH_CONCURRENCY,
    userAgent: settings.userAgent,
    allowPrivateNetworks: settings.ALLOW_PRIVATE_NETWORKS,
    ...(hostGate ? { hostGate } : {}),
  });
  const pollDeps: PollDeps = {
    fetcher,
    store,
    logger,
    metrics,
    timeZone: settings.DEFAULT_TIMEZONE,
    retentionMs: settings.SEEN_RETENTION_DAYS * 86_400_000,
    dedupeWindowMs: settings.DEDUPE_WINDOW_DAYS * 86_400_000,
    alertSpam: settings.ALERT_SPAM,
    maxArticlesPerSource: settings.SOURCE_MAX_ARTICLES,
    jitter: settings.POLL_JITTER,
    backoffMaxMs: settings.BACKOFF_MAX,
  };
  const subscriptions = new SubscriptionStore(kv, store, { perSubscriber: settings.SUBS_PER_SUBSCRIBER, maxLength: settings.QUERY_MAX_LENGTH });
  const outbox = new Outbox(kv, store, settings.DELIVERY_RETENTION_DAYS * 86_400_000);
  let deliveryQueue: DeliveryQueue | undefined;
  if (settings.REDIS_URL && !opts.dryRun) {
    const [{ DeliveryQueue }, { redisConnection }] = await Promise.all([import('./distributed/delivery-queue.js'), import('./distributed/poll-queue.js')]);
    const queue = new DeliveryQueue(redisConnection(settings.REDIS_URL), settings.QUEUE_PREFIX, logger);
    outbox.setSink((deliveries) => queue.add(deliveries));
    deliveryQueue = queue;
  }
  const dispatcher = new Dispatcher(subscriptions, outbox, { timeZone: settings.DEFAULT_TIMEZONE, alertSpam: settings.ALERT_SPAM });
  if (!opts.dryRun) pollDeps.dispatch = (articles, earlierStoryUrls) => dispatcher.dispatch(articles, new Date(), earlierStoryUrls);
  const registry = new SourceRegistry({ kv, store, fetcher, timeZone: settings.DEFAULT_TIMEZONE, loadYaml: opts.loadYaml ?? (() => readSources(settings)) });
  return {
    settings,
    kv,
    registry,
    logger,
    metrics,
    store,
    fetcher,
    pollDeps,
    subscriptions,
    outbox,
    dispatcher,
    chatPrefs: new ChatPrefs(kv),
    ...(deliveryQueue ? { deliveryQueue } : {}),
    ...(sharedSendRate ? { sharedSendRate } : {}),
    async close() {
      await fetcher.close();
      await hostGate?.close();
      await sharedSendRate?.close();
      await deliveryQueue?.close();
      await store.close();
    },
  };
}

/** Sources from TIDINGS_SOURCES; a missing default folder means no sources, not an error. */
export function readSources(settings: Settings): Source[] {
  if (settings.TIDINGS_SOURCES === './feeds' && !existsSync(settings.TIDINGS_SOURCES)) return [];
  return loadSources(settings.TIDINGS_SOURCES);
}

/** A URL with its password replaced, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
