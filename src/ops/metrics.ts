/**
 * Prometheus metrics (prom-client) on a registry of our own, so several instances (tests)
 * never collide. Labels are bounded: outcomes and error kinds, never URLs; per-source
 * numbers are in /healthz instead.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  polls: Counter<'outcome'>;
  pollErrors: Counter<'kind'>;
  newArticles: Counter;
  storedArticles: Counter;
  fetchDuration: Histogram<'outcome'>;
  fetchBytes: Counter;
  sources: Gauge<'state'>;
  /** Telegram messages accepted, by kind: alert, folded, plain (resent as plain text). */
  telegramSent: Counter<'kind'>;
  /** Telegram deliveries given up, by reason: blocked, rejected, missing_article, unsubscribed, paused, render_error. */
  telegramFailed: Counter<'reason'>;
  /** Telegram deliveries put back for later, by reason: rate_limited, transient. */
  telegramRetried: Counter<'reason'>;
  /** Chats whose subscriptions were paused because the bot can no longer write there. */
  telegramPausedChats: Counter;
  /** Telegram deliveries not yet sent or failed. */
  telegramQueueDepth: Gauge;
  /** Sources admins were told about and that have not recovered, by alert: failing, empty. */
  sourcesInAlert: Gauge<'alert'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tidings_' });
  const registers = [registry];
  return {
    registry,
    polls: new Counter({ name: 'tidings_polls_total', help: 'Source polls by outcome (new, unchanged, not_modified, error)', labelNames: ['outcome'], registers }),
    pollErrors: new Counter({ name: 'tidings_poll_errors_total', help: 'Failed polls by error kind', labelNames: ['kind'], registers }),
    newArticles: new Counter({ name: 'tidings_new_articles_total', help: 'Articles stored for the first time', registers }),
    storedArticles: new Counter({ name: 'tidings_articles_written_total', help: 'Article writes (new and updated)', registers }),
    fetchDuration: new Histogram({
      name: 'tidings_fetch_duration_seconds',
      help: 'HTTP fetch duration for sources and article pages',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
      registers,
    }),
    fetchBytes: new Counter({ name: 'tidings_fetch_bytes_total', help: 'Bytes received on the wire', registers }),
    sources: new Gauge({ name: 'tidings_sources', help: 'Sources by state (ok, failing, paused, never_polled)', labelNames: ['state'], registers }),
    telegramSent: new Counter({ name: 'tidings_telegram_sent_total', help: 'Telegram messages accepted, by kind (alert, folded, plain)', labelNames: ['kind'], registers }),
    telegramFailed: new Counter({ name: 'tidings_telegram_failed_total', help: 'Telegram deliveries given up, by reason', labelNames: ['reason'], registers }),
    telegramRetried: new Counter({ name: 'tidings_telegram_retried_total', help: 'Telegram deliveries put back for later, by reason (rate_limited, transient, dropped: the connection failed after the request went out, so Telegram may have the message)', labelNames: ['reason'], registers }),
    telegramPausedChats: new Counter({ name: 'tidings_telegram_paused_chats_total', help: 'Chats paused because the bot can no longer write there', registers }),
    telegramQueueDepth: new Gauge({ name: 'tidings_telegram_queue_depth', help: 'Telegram deliveries not yet sent or failed', registers }),
    sourcesInAlert: new Gauge({ name: 'tidings_sources_in_alert', help: 'Sources reported to admins and not yet recovered, by alert (failing, empty)', labelNames: ['alert'], registers }),
  };
}
