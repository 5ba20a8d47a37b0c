/**
 * SourceAlerts: which polls make a report to the admins. Once per episode ("failing" after
 * the configured time, "yielded nothing" on a sudden empty list), once on recovery, never
 * again after a restart, and a report whose delivery failed is delivered later, once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type SourceState, type Store } from '../../src/store/store.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import type { PollResult } from '../../src/pipeline/poll-source.js';
import { SourceAlerts, decideAlert } from '../../src/pipeline/source-alerts.js';
import { formatDuration } from '../../src/config/interval.js';
import type { Source } from '../../src/domain/source.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-10-13T00:00:00Z');
const src: Source = { id: 'kjt', name: '科技厅', url: 'https://kjt.example.gov.cn/feed.xml', interval: { kind: 'every', ms: 900_000 }, fulltext: 'never', tags: [], origin: 'test' };

/** A poll at `T0 + ms`: failing since `failingSince` (ms after T0), or succeeding with `items`. */
function failed(atMs: number, failingSinceMs: number, errors: number, kind = 'http'): [PollResult, SourceState] {
  const at = new Date(T0 + atMs).toISOString();
  const message = `kjt: HTTP 500 Internal Server Error from ${src.url}`;
  return [
    { sourceId: 'kjt', outcome: 'error', stored: [], alertable: [], corrected: [], items: 0, durationMs: 5, error: { kind, message }, nextDueAt: new Date(T0 + atMs + HOUR).toISOString() },
    { consecutiveErrors: errors, failingSince: new Date(T0 + failingSinceMs).toISOString(), lastError: message, lastErrorKind: kind, lastErrorAt: at, lastPolledAt: at, initialized: true },
  ];
}

function succeeded(atMs: number, items: number): [PollResult, SourceState] {
  const at = new Date(T0 + atMs).toISOString();
  return [
    { sourceId: 'kjt', outcome: 'unchanged', stored: [], alertable: [], corrected: [], items, durationMs: 5, nextDueAt: new Date(T0 + atMs + HOUR).toISOString() },
    { consecutiveErrors: 0, lastPolledAt: at, lastSuccessAt: at, itemsLastSeen: items, initialized: true },
  ];
}

describe('source alerts', () => {
  let kv: KeyValue;
  let store: Store;
  let metrics: Metrics;
  let notes: string[];
  let alerts: SourceAlerts;
  const make = (extra: Partial<ConstructorParameters<typeof SourceAlerts>[0]> = {}) =>
    new SourceAlerts({ kv, store, metrics, notifyAdmins: async (t) => void notes.push(t), failingAfterMs: HOUR, ...extra });
  const poll = (a: SourceAlerts, [r, st]: [PollResult, SourceState]) => a.onPolled(src, r, st);
  const gauge = async (kind: string) => (await metrics.sourcesInAlert.get()).values.find((v) => v.labels.alert === kind)?.value;

  beforeEach(async () => {
    kv = await openKeyValue('memory');
    store = createStore(kv);
    metrics = createMetrics({ defaultMetrics: false });
    notes = [];
    alerts = make();
  });

  it('failing: nothing before the configured time, one report once it has passed, none for later failures', async () => {
    await poll(alerts, succeeded(0, 10));
    await poll(alerts, failed(1_000, 1_000, 1));
    await poll(alerts, failed(30 * 60_000, 1_000, 2));
    await poll(alerts, failed(HOUR, 1_000, 3)); // 59 min 59 s
    expect(notes).toEqual([]);
    const t = await poll(alerts, failed(HOUR + 1_000, 1_000, 4));
    expect(t).toMatchObject({ from: undefined, to: 'failing' });
    expect(notes).toEqual([
      `⚠️ Source kjt (科技厅) has been failing for 1 h (4 polls in a row).\nLast error: kjt: HTTP 500 Internal Server Error from ${src.url}\nURL: ${src.url}\nNext try: ${new Date(T0 + 2 * HOUR + 1_000).toISOString()}`,
    ]);
    for (let i = 0; i < 5; i++) expect(await poll(alerts, failed(2 * HOUR + i * HOUR, 1_000, 5 + i))).toBeUndefined();
    expect(notes).toHaveLength(1);
    expect(await gauge('failing')).toBe(1);
    expect(await alerts.alerts(['kjt', 'other'])).toEqual(new Map([['kjt', { kind: 'failing', since: new Date(T0 + HOUR + 1_000).toISOString() }]]));
  });

  it('recovered: one report when it polls fine again, none after', async () => {
    await poll(alerts, failed(0, 0, 1));
    await poll(alerts, failed(2 * HOUR, 0, 2));
    await poll(alerts, succeeded(3 * HOUR, 8));
    await poll(alerts, succeeded(4 * HOUR, 8));
    expect(notes).toHaveLength(2);
    expect(notes[1]).toBe('✅ Source kjt (科技厅) recovered: it was failing (reported 1 h ago); this poll found 8 items.');
    expect(await gauge('failing')).toBe(0);
    expect(await alerts.alerts(['kjt'])).toEqual(new Map());
  });

  it('a failure shorter than the configured time is never reported, nor its recovery', async () => {
    await poll(alerts, failed(0, 0, 1));
    await poll(alerts, failed(50 * 60_000, 0, 2));
    await poll(alerts, succeeded(55 * 60_000, 8));
    expect(notes).toEqual([]);
  });

  it('after a restart (a new instance on the same store) nothing is reported again; the recovery is, once', async () => {
    await poll(alerts, failed(0, 0, 1));
    await poll(alerts, failed(2 * HOUR, 0, 2));
    expect(notes).toHaveLength(1);
    const restarted = make();
    await poll(restarted, failed(3 * HOUR, 0, 3));
    await poll(restarted, failed(5 * HOUR, 0, 4));
    expect(notes).toHaveLength(1);
    await poll(restarted, succeeded(6 * HOUR, 3));
    expect(notes).toHaveLength(2);
    await poll(make(), succeeded(7 * HOUR, 3));
    expect(notes).toHaveLength(2);
  });

  it('a report whose delivery failed is delivered after the next poll, once', async () => {
    let down = true;
    const flaky = make({ notifyAdmins: async (t) => (down ? Promise.reject(new Error('telegram down')) : void notes.push(t)) });
    await poll(flaky, failed(0, 0, 1));
    await poll(flaky, failed(2 * HOUR, 0, 2));
    expect(notes).toEqual([]);
    down = false;
    await poll(flaky, failed(3 * HOUR, 0, 3));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^⚠️ Source kjt \(科技厅\) has been failing for 2 h \(2 polls in a row\)/);
    await poll(flaky, failed(4 * HOUR, 0, 4));
    expect(notes).toHaveLength(1);
    // An undelivered report is never dropped by a newer one: both go out together.
    down = true;
    await poll(flaky, succeeded(5 * HOUR, 2));
    await poll(flaky, failed(8 * HOUR, 6 * HOUR, 1));
    await poll(flaky, failed(8 * HOUR, 6 * HOUR, 2));
    down = false;
    await poll(flaky, failed(9 * HOUR, 6 * HOUR, 3));
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^✅ Source kjt \(科技厅\) recovered[\s\S]*\n\n⚠️ Source kjt \(科技厅\) has been failing for 2 h/);
  });

  it('yielded nothing: a list that had items and now has none is reported at once, once; recovery once', async () => {
    await poll(alerts, succeeded(0, 20));
    const t = await poll(alerts, succeeded(HOUR, 0));
    expect(t).toMatchObject({ to: 'empty' });
    expect(notes).toEqual([`⚠️ Source kjt (科技厅) yielded nothing: the previous poll found 20 items, this one none (site redesign? list selectors to update?).\nStored articles are kept. URL: ${src.url}`]);
    await poll(alerts, succeeded(2 * HOUR, 0));
    await poll(alerts, failed(3 * HOUR, 3 * HOUR, 1, 'parse'));
    expect(notes).toHaveLength(1);
    expect(await gauge('empty')).toBe(1);
    await poll(alerts, succeeded(4 * HOUR, 20));
    expect(notes).toHaveLength(2);
    expect(notes[1]).toBe('✅ Source kjt (科技厅) recovered: it was yielding nothing (reported 3 h ago); this poll found 20 items.');
    expect(await gauge('empty')).toBe(0);
  });

  it('yielded nothing: a page that no longer parses as a list (parse error) after a full one', async () => {
    await poll(alerts, succeeded(0, 20));
    await poll(alerts, failed(HOUR, HOUR, 1, 'parse'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^⚠️ Source kjt \(科技厅\) yielded nothing: the previous poll found 20 items, this one none .*\nkjt: HTTP 500/);
  });

  it('a small list going empty, or a first poll finding nothing, is not "sudden"', async () => {
    await poll(alerts, succeeded(0, 0));
    await poll(alerts, succeeded(HOUR, 4));
    await poll(alerts, succeeded(2 * HOUR, 0));
    expect(notes).toEqual([]);
    const strict = make({ emptyAfterItems: 4 });
    await poll(strict, succeeded(3 * HOUR, 4));
    await poll(strict, succeeded(4 * HOUR, 0));
    expect(notes).toHaveLength(1);
  });

  it('an empty source that then fails for long moves to failing: one report for each', async () => {
    await poll(alerts, succeeded(0, 20));
    await poll(alerts, succeeded(HOUR, 0));
    await poll(alerts, failed(2 * HOUR, 2 * HOUR, 1, 'timeout'));
    expect(notes).toHaveLength(1);
    await poll(alerts, failed(4 * HOUR, 2 * HOUR, 2, 'timeout'));
    expect(notes).toHaveLength(2);
    expect(notes[1]).toMatch(/^⚠️ Source kjt \(科技厅\) has been failing for 2 h/);
    expect(await gauge('failing')).toBe(1);
    expect(await gauge('empty')).toBe(0);
  });

  it('decideAlert is pure and keeps the alert start while the alert lasts', () => {
    const [r1, s1] = failed(2 * HOUR, 0, 3);
    const first = decideAlert({ lastItems: 9 }, src, r1, s1, { failingAfterMs: HOUR, emptyAfterItems: 5 }, new Date());
    expect(first.record).toMatchObject({ alert: 'failing', since: new Date(T0 + 2 * HOUR).toISOString(), lastItems: 9 });
    const [r2, s2] = failed(5 * HOUR, 0, 4);
    const again = decideAlert({ ...first.record, pending: undefined }, src, r2, s2, { failingAfterMs: HOUR, emptyAfterItems: 5 }, new Date());
    expect(again.transition).toBeUndefined();
    expect(again.record.since).toBe(first.record.since);
    expect(formatDuration(90 * 60_000)).toBe('1 h 30 min');
    expect(formatDuration(50 * HOUR)).toBe('2 d 2 h');
  });

  it('rejects nonsense options', () => {
    expect(() => make({ failingAfterMs: -1 })).toThrow(RangeError);
    expect(() => make({ emptyAfterItems: 0 })).toThrow(RangeError);
  });
});
