/**
 * The subscriptions file (src/subscriptions/transfer.ts): export, then import into another
 * chat or address gives the same subscriptions; plain-text backups from /unsuball import too;
 * bad files are refused whole with `file:line: field: what was expected`; the
 * per-subscriber cap stops adding and reports the rest by line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import type { Subscriber, Subscription } from '../../src/domain/subscription.js';
import { subBackup } from '../../src/notify/telegram/commands/user.js';
import {
  decodeSubscriptionsFile,
  exportSubscriptions,
  importSubscriptions,
  parseSubscriptionsFile,
  SubscriptionsFileError,
  TRANSFER_FORMAT,
} from '../../src/subscriptions/transfer.js';

const LIMITS = { perSubscriber: 5, maxLength: 60 };

/** The problems of a file that does not parse, as printed. */
function problemsOf(text: string, file = 'subs.yaml'): string[] {
  try {
    parseSubscriptionsFile(text, file, LIMITS);
  } catch (err) {
    if (err instanceof SubscriptionsFileError) return err.message.split('\n');
    throw err;
  }
  throw new Error('the file parsed');
}

/** What a subscription is, apart from who has it and its ids. */
const essence = (s: Subscription) => ({
  query: s.query,
  name: s.name,
  hashtags: s.hashtags,
  mode: s.mode,
  digestAt: s.digestAt,
  timeZone: s.timeZone,
  script: s.script,
  paused: s.paused,
  pausedReason: s.pausedReason,
});

describe('subscriptions file', () => {
  let kv: KeyValue;
  let store: Store;
  let subs: SubscriptionStore;
  let nextChat = 5_100_000;
  const chat = (): Subscriber => ({ kind: 'telegram', chatId: nextChat++ });

  beforeAll(async () => {
    kv = await openKeyValue('memory');
    store = createStore(kv);
    subs = new SubscriptionStore(kv, store, LIMITS);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('exports a header and only the fields that are set, and the file reads back as YAML', async () => {
    const from = chat();
    await subs.add({ subscriber: from, query: '芯片 OR 半导体', name: '芯片产业', hashtags: '#芯片 #半导体', mode: 'digest', digestAt: '08:00', timeZone: 'Asia/Shanghai', script: 'hans', pausedReason: 'user', createdBy: 'cli' });
    await subs.add({ subscriber: from, query: '"风力发电" OR 光伏 -招聘', createdBy: 'cli' });
    // Paused because the bot was blocked: not a choice of the subscriber, so not in the file.
    await subs.add({ subscriber: from, query: 'title:科技', script: 'hant', pausedReason: 'blocked', createdBy: 'cli' });
    const text = exportSubscriptions(await subs.listOf(from), new Date('2025-03-04T05:06:07Z'));
    expect(text).toBe(
      [
        '# tidings keyword subscriptions (3), exported 2025-03-04 05:06 UTC.',
        '# To import them into a Telegram chat, send this file to the tidings bot with the caption',
        '# /import (or reply /import to it); on the server: tidings subs import FILE --telegram CHAT_ID',
        '# (or --email ADDRESS). Subscriptions already there are kept (their name and tags updated).',
        '# Each entry: query, and when set name, tags, digest (daily@HH:MM), timeZone, script',
        '# (hans|hant) and paused.',
        '',
        'tidings: subscriptions/1',
        'subscriptions:',
        '  - query: 芯片 OR 半导体',
        '    name: 芯片产业',
        '    tags: [芯片, 半导体]',
        '    digest: daily@08:00',
        '    timeZone: Asia/Shanghai',
        '    script: hans',
        '    paused: true',
        `  - query: '"风力发电" OR 光伏 -招聘'`,
        '  - query: title:科技',
        '    script: hant',
        '',
      ].join('\n'),
    );
    expect(parseYaml(text)).toMatchObject({ tidings: TRANSFER_FORMAT, subscriptions: [{ query: '芯片 OR 半导体' }, { query: '"风力发电" OR 光伏 -招聘' }, { query: 'title:科技' }] });
    expect(exportSubscriptions([])).toMatch(/^# tidings keyword subscriptions \(0\)[\s\S]*\ntidings: subscriptions\/1\nsubscriptions: \[\]\n$/);
  });

  it('round trip: export, then import into another chat gives the same queries, names, tags, digest, zone, script and pause', async () => {
    const from = chat();
    const to = chat();
    await subs.add({ subscriber: from, query: '科技援疆 -庆阳', name: '援疆: "动态" #1', hashtags: ['新疆', '科技 援疆'], createdBy: 'cli' });
    await subs.add({ subscriber: from, query: '风电 OR 光伏', mode: 'digest', digestAt: '07:30', timeZone: 'Europe/Berlin', script: 'hant', createdBy: 'cli' });
    await subs.add({ subscriber: from, query: 'source:xjkjt 2024', pausedReason: 'user', timeZone: 'Asia/Urumqi', createdBy: 'cli' });
    const original = await subs.listOf(from);
    const text = exportSubscriptions(original);
    const entries = parseSubscriptionsFile(text, 'tidings-subscriptions.yaml', LIMITS);
    expect(entries.map((e) => e.line)).toEqual([10, 13, 17]);
    const report = await importSubscriptions(subs, to, entries, 'telegram:42');
    expect(report.failed).toEqual([]);
    expect(report.existing).toEqual([]);
    expect(report.added.map((a) => a.line)).toEqual([10, 13, 17]);
    const copied = await subs.listOf(to);
    expect(copied.map(essence)).toEqual(original.map(essence));
    expect(copied.every((s) => s.subscriberKey === `tg:${(to as { chatId: number }).chatId}` && s.createdBy === 'telegram:42')).toBe(true);
    expect(new Set(copied.map((s) => s.feedToken)).size).toBe(3);
    expect(copied.some((s) => original.some((o) => o.id === s.id || o.feedToken === s.feedToken))).toBe(false);

    // Into an email address too, and the copy exports to the same file.
    const mail: Subscriber = { kind: 'email', address: 'li@example.cn' };
    await importSubscriptions(subs, mail, entries, 'cli');
    expect(exportSubscriptions(await subs.listOf(mail), new Date(0))).toBe(exportSubscriptions(original, new Date(0)));
  });

  it('a second import adds nothing: queries already there are kept, and take the name and tags the file gives', async () => {
    const to = chat();
    await subs.add({ subscriber: to, query: '科技援疆', name: '旧名', hashtags: ['旧'], script: 'hans', createdBy: 'cli' });
    await subs.add({ subscriber: to, query: '风电', name: '保留', createdBy: 'cli' });
    const before = await subs.listOf(to);
    const file = ['tidings: subscriptions/1', 'subscriptions:', '  - query: 科技援疆', '    name: 新名', '    tags: []', '  - query: 风电', '  - query: 光伏', '    name: 光伏'].join('\n');
    const report = await importSubscriptions(subs, to, parseSubscriptionsFile(file, 'f.yaml', LIMITS), 'cli');
    expect(report.added.map((a) => [a.line, a.subscription.query])).toEqual([[7, '光伏']]);
    expect(report.existing.map((e) => [e.line, e.subscription.id, e.relabeled])).toEqual([
      [3, before[0]!.id, true],
      [6, before[1]!.id, false],
    ]);
    const after = await subs.listOf(to);
    // The name replaced, `tags: []` cleared the tags, the script kept; the second untouched.
    expect(after[0]).toMatchObject({ id: before[0]!.id, name: '新名', script: 'hans' });
    expect(after[0]!.hashtags).toBeUndefined();
    expect(after[1]).toEqual(before[1]);
    const again = await importSubscriptions(subs, to, parseSubscriptionsFile(file, 'f.yaml', LIMITS), 'cli');
    expect([again.added.length, again.existing.length, again.existing.filter((e) => e.relabeled).length]).toEqual([0, 3, 0]);
  });

  it('reads plain-text backups: the /unsuball messages (a /sub line, then one query a line) and plain query lists', async () => {
    const backup = subBackup(['科技援疆 -庆阳', '风电  OR\t光伏', '"国家风力发电技术创新中心"'], '/sub@tidings_test_bot').join('\n');
    expect(backup).toBe('/sub@tidings_test_bot 科技援疆 -庆阳\n风电 OR 光伏\n"国家风力发电技术创新中心"');
    expect(parseSubscriptionsFile(backup, 'backup.txt', LIMITS)).toEqual([
      { line: 1, query: '科技援疆 -庆阳' },
      { line: 2, query: '风电 OR 光伏' },
      { line: 3, query: '"国家风力发电技术创新中心"' },
    ]);
    const text = '\ufeff# my subscriptions\r\n/sub 科技援疆\r\n\r\n  title:芯片  \r\n/SUB\r\n/sub 光伏\r\n#芯片\r\n';
    expect(parseSubscriptionsFile(text, 'backup.txt', LIMITS)).toEqual([
      { line: 2, query: '科技援疆' },
      { line: 4, query: 'title:芯片' },
      { line: 6, query: '光伏' },
      { line: 7, query: '#芯片' },
    ]);
    const to = chat();
    const report = await importSubscriptions(subs, to, parseSubscriptionsFile(backup, 'backup.txt', LIMITS), 'cli');
    expect(report.added).toHaveLength(3);
    expect((await subs.listOf(to)).map((s) => [s.query, s.mode, s.script, s.paused])).toEqual([
      ['科技援疆 -庆阳', 'instant', 'original', false],
      ['风电 OR 光伏', 'instant', 'original', false],
      ['"国家风力发电技术创新中心"', 'instant', 'original', false],
    ]);

    expect(problemsOf('/sub 科技援疆\n/unsub 1\n科技 (援疆\n-庆阳\n', 'backup.txt')).toEqual([
      'backup.txt:2: expected a query, or /sub QUERY; got "/unsub"',
      'backup.txt:3: query: unclosed "(" at 4 in "科技 (援疆"; positions count characters from 1',
      'backup.txt:4: query: only excluded terms at 1: a query needs at least one term that must match in "-庆阳"; positions count characters from 1',
    ]);
    expect(parseSubscriptionsFile('', 'empty.txt', LIMITS)).toEqual([]);
  });

  it('refuses a bad file whole, naming file, line and field: unknown keys, bad queries, values', () => {
    const file = [
      'tidings: subscriptions/1', // 1
      'subscriptions:',
      '  - query: 科技援疆',
      '    colour: red', // 4
      '  - query: 科技 (援疆', // 5
      '    name: 芯片',
      '  - query: 风电 AND',
      '    digest: weekly', // 8
      '    timeZone: Mars/Olympus', // 9
      '    script: latin', // 10
      '  - query: 光伏',
      '    paused: yes', // 12
      '    tags: "###"', // 13
      `  - query: ${'长'.repeat(61)}`, // 14
      '  - 科技', // 15
      'extra: 1', // 16
    ].join('\n');
    // Keys of the file itself first (nothing else is looked at then).
    expect(problemsOf(file)).toEqual(['subs.yaml:16: extra: unknown key "extra" (allowed: tidings, subscriptions)']);
    expect(problemsOf(file.replace('\nextra: 1', ''))).toEqual([
      'subs.yaml:4: subscriptions[0].colour: unknown key "colour" (allowed: query, name, tags, digest, timeZone, script, paused)',
      'subs.yaml:5: subscriptions[1].query: unclosed "(" at 4 in "科技 (援疆"; positions count characters from 1',
      'subs.yaml:7: subscriptions[2].query: AND needs a term on both sides at 4 in "风电 AND"; positions count characters from 1',
      'subs.yaml:8: subscriptions[2].digest: expected daily@HH:MM with a time between 00:00 and 23:59 (like daily@08:00), or instant; got "weekly"',
      'subs.yaml:9: subscriptions[2].timeZone: expected an IANA time zone name, like Asia/Shanghai or Europe/Berlin; got "Mars/Olympus"',
      'subs.yaml:10: subscriptions[2].script: expected one of "original", "hans", "hant"; got "latin"',
      'subs.yaml:12: subscriptions[3].paused: expected boolean; got "yes"',
      'subs.yaml:13: subscriptions[3].tags: no usable hashtag in "###": a tag is letters, digits and _',
      `subs.yaml:14: subscriptions[4].query: query too long: 61 characters, at most 60 (the excess starts at 61) in "${'长'.repeat(61)}"; positions count characters from 1`,
      'subs.yaml:15: subscriptions[5]: expected a subscription, like query: 科技援疆 (with name:, tags:, … when set); got "科技"',
    ]);
    // Every problem of an entry, not only the first.
    expect(problemsOf(['tidings: subscriptions/1', 'subscriptions:', '  - query: AND 风电', '    tags: "###"', `    name: ${'名'.repeat(65)}`].join('\n'))).toEqual([
      'subs.yaml:3: subscriptions[0].query: AND needs a term on both sides at 1 in "AND 风电"; positions count characters from 1',
      'subs.yaml:4: subscriptions[0].tags: no usable hashtag in "###": a tag is letters, digits and _',
      `subs.yaml:5: subscriptions[0].name: "${'名'.repeat(65)}": expected at most 64 characters, got 65`,
    ]);
  });

  it('refuses another version, a file that is not ours, broken YAML and what is not UTF-8 text', () => {
    expect(problemsOf('# from the future\ntidings: subscriptions/2\nsubscriptions:\n  - query: x\n    weight: 3\n')).toEqual([
      'subs.yaml:2: tidings: expected subscriptions/1, the version this tidings reads; got "subscriptions/2"',
    ]);
    expect(problemsOf('subscriptions:\n  - query: 科技\n')).toEqual([
      'subs.yaml:1: tidings: missing: expected "tidings: subscriptions/1" at the top (a file from /export or tidings subs export, or one query a line)',
    ]);
    expect(problemsOf('- query: 科技\n')).toEqual([
      'subs.yaml:1: tidings: missing: expected "tidings: subscriptions/1" at the top (a file from /export or tidings subs export, or one query a line)',
    ]);
    expect(problemsOf('tidings: subscriptions/1\nsubscriptions:\n  - query: "科技\n')).toEqual(['subs.yaml:4:1: YAML syntax: Missing closing "quote']);
    expect(problemsOf('tidings: subscriptions/1\nsubscriptions:\n  - query: [科技\n')[0]).toMatch(/^subs\.yaml:\d+(:\d+)?: YAML syntax: /);
    expect(problemsOf('tidings: subscriptions/1\nsubscriptions: 科技\n')).toEqual(['subs.yaml:2: subscriptions: expected a list; got "科技"']);

    const decodeProblem = (bytes: Uint8Array) => {
      try {
        decodeSubscriptionsFile(bytes, 'f.bin');
      } catch (err) {
        return (err as Error).message;
      }
      return 'decoded';
    };
    expect(decodeProblem(new Uint8Array([0xff, 0xfe, 0x41, 0x00]))).toBe('f.bin: not UTF-8 text: expected a tidings subscriptions file (YAML) or one query a line');
    expect(decodeProblem(new Uint8Array([0xd6, 0xd0, 0xce, 0xc4]))).toBe('f.bin: not UTF-8 text: expected a tidings subscriptions file (YAML) or one query a line'); // GBK 中文
    expect(decodeProblem(new TextEncoder().encode('科技\u0000'))).toBe('f.bin: a binary file: expected a tidings subscriptions file (YAML) or one query a line');
    expect(decodeSubscriptionsFile(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('科技')]), 'f.txt')).toBe('科技');
  });

  it('stops adding at the per-subscriber cap and reports the rest by line with n/limit; queries already there still count', async () => {
    const to = chat();
    await subs.add({ subscriber: to, query: 'a1', createdBy: 'cli' });
    await subs.add({ subscriber: to, query: 'a2', createdBy: 'cli' });
    const lines = ['b1', 'b2', 'a1', 'b3', 'b4', 'b5', 'a2'];
    const report = await importSubscriptions(subs, to, parseSubscriptionsFile(lines.join('\n'), 'more.txt', LIMITS), 'cli');
    expect(report.added.map((a) => [a.line, a.subscription.query])).toEqual([
      [1, 'b1'],
      [2, 'b2'],
      [4, 'b3'],
    ]);
    expect(report.existing.map((e) => [e.line, e.subscription.query])).toEqual([
      [3, 'a1'],
      [7, 'a2'],
    ]);
    expect(report.failed).toEqual([
      { line: 5, query: 'b4', reason: 'at most 5 subscriptions per chat or address (5/5)', limit: { count: 5, limit: 5 } },
      { line: 6, query: 'b5', reason: 'at most 5 subscriptions per chat or address (5/5)', limit: { count: 5, limit: 5 } },
    ]);
    expect((await subs.listOf(to)).map((s) => s.query)).toEqual(['a1', 'a2', 'b1', 'b2', 'b3']);
  });
});
