/**
 * Telling admins about sources that stopped working, once per episode:
 * - "failing": the source has been failing (consecutive errors) for at least
 *   `failingAfterMs` (SOURCE_FAILING_ALERT_AFTER, default 1 h);
 * - "empty": a poll succeeded but its list yielded nothing while the previous successful
 *   poll had at least `emptyAfterItems` items (a site redesign, a broken selector);
 * - "recovered": a source in either alert polled fine again with items.
 *
 * `onPolled` runs after every poll (wire it to `PollDeps.onPolled`); it decides the transition
 * from the poll's result and state, keeps the alert in the store under `source-alert:<id>` (so a
 * restart does not repeat a report) and calls `notifyAdmins` with a plain-text report. A report
 * whose delivery failed stays pending in the record and is retried after the next poll of that
 * source. `alerts(ids)` is what /healthz shows; the `tidings_sources_in_alert` gauge follows.
 */
import { randomBytes } from 'node:crypto';
import { formatDuration } from '../config/interval.js';
import type { Source } from '../domain/source.js';
import type { KeyValue } from '../store/keyv-store.js';
import type { SourceState, Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { PollResult } from './poll-source.js';

export type SourceAlertKind = 'failing' | 'empty';

/** What is kept per source (key `source-alert:<id>`). */
export interface SourceAlertRecord {
  /** The alert admins were told about and that has not recovered. */
  alert?: SourceAlertKind;
  /** When that alert was raised (ISO). */
  since?: string;
  /** Items found by the last successful poll. */
  lastItems?: number;
  /** A report decided but not yet delivered. */
  pending?: { id: string; text: string };
}

/** A source's alert as /healthz shows it. */
export interface SourceAlertView {
  kind: SourceAlertKind;
  since: string;
}

export interface AlertTransition {
  from?: SourceAlertKind;
  to?: SourceAlertKind;
  text: string;
}

export interface AlertRules {
  /** Report a source failing for at least this long (0: at its first failure). */
  failingAfterMs: number;
  /** An empty list is "sudden" when the previous successful poll had at least this many items. */
  emptyAfterItems: number;
}

export const DEFAULT_EMPTY_AFTER_ITEMS = 5;

export interface SourceAlertsOptions extends Partial<AlertRules> {
  kv: KeyValue;
  /** For the per-source lease (several processes may poll). */
  store: Pick<Store, 'withLock'>;
  /** Sends a plain-text report to the admins (the Telegram admin chats). */
  notifyAdmins: (text: string) => Promise<void>;
  logger?: Logger;
  metrics?: Pick<Metrics, 'sourcesInAlert'>;
  /** Clock for polls whose state carries no time (default: the real clock). */
  now?: () => Date;
}

const KEY_PREFIX = 'source-alert:';
const LOCK_MS = 5_000;
const KINDS: readonly SourceAlertKind[] = ['failing', 'empty'];

function label(source: Source): string {
  return source.name && source.name !== source.id ? `${source.id} (${source.name})` : source.id;
}

/** The moment the poll happened, by the poll's own clock. */
function pollTime(state: SourceState, fallback: Date): number {
  const t = Date.parse(state.lastErrorAt ?? state.lastPolledAt ?? '');
  return Number.isFinite(t) ? t : fallback.getTime();
}

/**
 * Pure decision: the record after this poll, and the report to send, if any. A source keeps
 * its alert until it polls fine with items; a failing source whose list then comes back empty
 * moves to "empty" (one report), and the other way round.
 */
export function decideAlert(
  record: SourceAlertRecord,
  source: Source,
  result: PollResult,
  state: SourceState,
  rules: AlertRules,
  fallbackNow: Date,
): { record: SourceAlertRecord; transition?: AlertTransition } {
  const now = pollTime(state, fallbackNow);
  const current = record.alert;
  let next: SourceAlertKind | undefined;
  let lastItems = record.lastItems;

  if (result.outcome === 'error') {
    // A document that was fetched but yields no list at all (an HTML list page after a
    // redesign, a feed turned into a web page) is a parse error: it yielded nothing.
    const nothing = result.error?.kind === 'parse' && (current === 'empty' || (record.lastItems ?? 0) >= rules.emptyAfterItems);
    const since = Date.parse(state.failingSince ?? '');
    const longEnough = state.consecutiveErrors > 0 && Number.isFinite(since) && now - since >= rules.failingAfterMs;
    next = nothing ? 'empty' : longEnough ? 'failing' : current;
  } else if (result.items === 0) {
    const sudden = (record.lastItems ?? 0) >= rules.emptyAfterItems;
    next = current === 'empty' || sudden ? 'empty' : current === 'failing' ? undefined : current;
    lastItems = 0;
  } else {
    next = undefined;
    lastItems = result.items;
  }

  const out: SourceAlertRecord = { lastItems, pending: record.pending };
  if (next) {
    out.alert = next;
    out.since = next === current && record.since ? record.since : new Date(now).toISOString();
  }
  if (next === current) return { record: out };

  let text: string;
  if (next === 'failing') {
    const failingFor = now - Date.parse(state.failingSince!);
    text =
      `⚠️ Source ${label(source)} has been failing for ${formatDuration(failingFor)} (${state.consecutiveErrors} polls in a row).\n` +
      `Last error: ${state.lastError ?? result.error?.message ?? 'unknown'}\n` +
      `URL: ${source.url}\nNext try: ${state.nextDueAt ?? result.nextDueAt}`;
  } else if (next === 'empty') {
    const had = record.lastItems ?? 0;
    const why = result.error ? `\n${result.error.message}` : '';
    text =
      `⚠️ Source ${label(source)} yielded nothing: the previous poll found ${had} items, this one none (site redesign? list selectors to update?).${why}\n` +
      `Stored articles are kept. URL: ${source.url}`;
  } else {
    const was = current === 'failing' ? 'failing' : 'yielding nothing';
    const sinceAt = Date.parse(record.since ?? '');
    const lasted = Number.isFinite(sinceAt) ? ` (reported ${formatDuration(now - sinceAt)} ago)` : '';
    text = `✅ Source ${label(source)} recovered: it was ${was}${lasted}; this poll found ${result.items} items.`;
  }
  // A report still undelivered is sent together with this one, never dropped.
  out.pending = { id: randomBytes(6).toString('hex'), text: record.pending ? `${record.pending.text}\n\n${text}` : text };
  return { record: out, transition: { from: current, to: next, text } };
}

export class SourceAlerts {
  private readonly rules: AlertRules;
  /** Alerts of the sources seen by this process, for the gauge. */
  private readonly known = new Map<string, SourceAlertKind | undefined>();

  constructor(private readonly opts: SourceAlertsOptions) {
    this.rules = {
      failingAfterMs: opts.failingAfterMs ?? 3_600_000,
      emptyAfterItems: opts.emptyAfterItems ?? DEFAULT_EMPTY_AFTER_ITEMS,
    };
    if (!Number.isFinite(this.rules.failingAfterMs) || this.rules.failingAfterMs < 0) throw new RangeError('failingAfterMs must be a non-negative number');
    if (!Number.isInteger(this.rules.emptyAfterItems) || this.rules.emptyAfterItems < 1) throw new RangeError('emptyAfterItems must be a positive integer');
  }

  /** After a poll: decide, keep, report. Never throws (a failed report is retried later). */
  async onPolled(source: Source, result: PollResult, state: SourceState): Promise<AlertTransition | undefined> {
    const key = `${KEY_PREFIX}${source.id}`;
    let decided: { record: SourceAlertRecord; transition?: AlertTransition } | undefined;
    try {
      decided = await this.opts.store.withLock(key, LOCK_MS, async () => {
        const record = (await this.opts.kv.get<SourceAlertRecord>(key)) ?? {};
        const d = decideAlert(record, source, result, state, this.rules, this.opts.now?.() ?? new Date());
        await this.opts.kv.set(key, d.record);
        return d;
      });
    } catch (err) {
      this.opts.logger?.error({ err, source: source.id }, 'could not record the source alert state');
      return undefined;
    }
    this.known.set(source.id, decided.record.alert);
    this.updateGauge();
    if (decided.record.pending) await this.deliver(source.id, decided.record.pending);
    return decided.transition;
  }

  /** The alert of each of these sources that has one (for /healthz); refreshes the gauge. */
  async alerts(ids: string[]): Promise<Map<string, SourceAlertView>> {
    const records = await this.opts.kv.getMany<SourceAlertRecord>(ids.map((id) => `${KEY_PREFIX}${id}`));
    const out = new Map<string, SourceAlertView>();
    this.known.clear();
    ids.forEach((id, i) => {
      const r = records[i];
      this.known.set(id, r?.alert);
      if (r?.alert) out.set(id, { kind: r.alert, since: r.since ?? '' });
    });
    this.updateGauge();
    return out;
  }

  private async deliver(sourceId: string, pending: { id: string; text: string }): Promise<void> {
    try {
      await this.opts.notifyAdmins(pending.text);
    } catch (err) {
      this.opts.logger?.warn({ err, source: sourceId }, 'could not tell the admins about the source; will try again after its next poll');
      return;
    }
    const key = `${KEY_PREFIX}${sourceId}`;
    try {
      await this.opts.store.withLock(key, LOCK_MS, async () => {
        const record = await this.opts.kv.get<SourceAlertRecord>(key);
        // Only our report: a newer one decided meanwhile stays pending.
        if (record?.pending?.id !== pending.id) return;
        const { pending: _sent, ...rest } = record;
        await this.opts.kv.set(key, rest);
      });
    } catch (err) {
      this.opts.logger?.error({ err, source: sourceId }, 'could not mark the source report as sent');
    }
  }

  private updateGauge(): void {
    const gauge = this.opts.metrics?.sourcesInAlert;
    if (!gauge) return;
    const counts: Record<SourceAlertKind, number> = { failing: 0, empty: 0 };
    for (const kind of this.known.values()) if (kind) counts[kind]++;
    for (const kind of KINDS) gauge.set({ alert: kind }, counts[kind]);
  }
}
