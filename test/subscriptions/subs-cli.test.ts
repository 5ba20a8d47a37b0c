/**
 * `tidings subs add | list | remove` on a temporary SQLite store: what add prints (id, the
 * query as understood, the private feed URL), list as a table and as JSON, remove, and exit 2
 * with the flag named for each kind of bad input. Most cases call runSubs in this process
 * (starting the CLI costs seconds on a busy machine); the `tidings` command itself runs as a
 * child process for the path through main.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { runSubs } from '../../src/cli/subs.js';
import { UsageError } from '../../src/cli/usage-error.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-subs-cli-'));
const env = { STORE_URL: `sqlite://${path.join(tmp, 'tidings.sqlite')}`, PUBLIC_URL: 'https://news.example.org', SUBS_PER_SUBSCRIBER: '2', LOG_LEVEL: 'warn' };
const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
beforeAll(() => Object.assign(process.env, env));
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** runSubs in this process, its output captured. */
async function subs(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await runSubs(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
const tidings = (...args: string[]) => runCli(args, { cwd: tmp, env });

describe('tidings subs', () => {
  let id = '';

  it('adds a subscription and prints its id, the query as understood and its feed URL', async () => {
    const r = await subs('add', '--telegram', '-1001234567890', '--query', '科技援疆 -庆阳 OR 兩區', '--digest', 'daily@8:30', '--tz', 'Europe/Berlin', '--script', 'hant');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /^added: (\w+) for tg:-1001234567890$/m.exec(r.stdout);
    expect(m).not.toBeNull();
    id = m![1]!;
    expect(r.stdout).toContain('query: (科技援疆 AND NOT 庆阳) OR 两区\n');
    expect(r.stdout).toContain('alerts: daily@08:30 Europe/Berlin, script hant\n');
    expect(r.stdout).toMatch(/^feed: https:\/\/news\.example\.org\/feeds\/sub\/[A-Za-z0-9_-]{20,}\.atom$/m);
    const all = /^feed of all tg:-1001234567890 subscriptions: (\S+)$/m.exec(r.stdout);
    expect(all?.[1]).toMatch(/^https:\/\/news\.example\.org\/feeds\/sub\/[A-Za-z0-9_-]{20,}\.atom$/);
    // The same chat keeps its one token.
    const second = await subs('add', '--telegram', '-1001234567890', '--query', '科技援疆 -庆阳 OR 兩區');
    expect(second.stdout).toContain(`feed of all tg:-1001234567890 subscriptions: ${all![1]}`);
  });

  it('answers the same query again with the existing subscription, and refuses more than the cap with n/limit', async () => {
    const again = await subs('add', '--telegram=-1001234567890', '--query', '科技援疆 -庆阳 OR 兩區');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`already subscribed: ${id} for tg:-1001234567890`);
    expect((await subs('add', '--telegram', '-1001234567890', '--query', '乌鲁木齐')).code).toBe(0);
    const over = await subs('add', '--telegram', '-1001234567890', '--query', '喀什');
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('tg:-1001234567890 already has 2/2 subscriptions');
  });

  it('lists subscriptions as a table, per subscriber, and as JSON with feed URLs', async () => {
    expect((await subs('add', '--email', 'Wang@Example.cn', '--query', 'title:会议')).code).toBe(0);
    const table = await subs('list');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+subscriber\s+mode\s+state\s+query$/);
    expect(table.stdout).toContain('mail:wang@example.cn');
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+tg:-1001234567890\\s+daily@08:30 Europe/Berlin\\s+active\\s+科技援疆 -庆阳 OR 兩區`));
    const one = await subs('list', '--json', '--email', 'wang@example.cn');
    expect(one.code).toBe(0);
    const parsed = JSON.parse(one.stdout) as { query: string; subscriberKey: string; feedUrl: string; feedToken: string }[];
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ query: 'title:会议', subscriberKey: 'mail:wang@example.cn' });
    expect(parsed[0]!.feedUrl).toBe(`https://news.example.org/feeds/sub/${parsed[0]!.feedToken}.atom`);
    const none = await subs('list', '--telegram', '42');
    expect(none.stdout).toBe('no subscriptions for tg:42\n');
  });

  it('removes a subscription by id; an unknown id exits 1', async () => {
    const r = await subs('remove', id);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`removed: ${id} for tg:-1001234567890`);
    expect((await subs('list')).stdout).not.toContain(id);
    const again = await subs('remove', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no subscription with id "${id}"`);
  });

  it('exits 2 naming the flag and what was expected', async () => {
    const cases: [string[], RegExp][] = [
      [['add', '--telegram', '1', '--query', '科技 (援疆'], /--query "科技 \(援疆": .*\(.* at 4\b.*positions count characters from 1/],
      [['add', '--telegram', '1', '--query', '-庆阳'], /--query "-庆阳": only excluded terms at 1/],
      [['add', '--email', 'not-an-address', '--query', 'a'], /--email address "not-an-address": expected an email address/],
      [['add', '--telegram', '12ab', '--query', 'a'], /--telegram "12ab": expected a Telegram chat id/],
      [['add', '--telegram', '1', '--query', 'a', '--digest', 'daily@25:00'], /--digest "daily@25:00": expected daily@HH:MM/],
      [['add', '--telegram', '1', '--query', 'a', '--digest', 'weekly'], /--digest "weekly": expected daily@HH:MM/],
      [['add', '--telegram', '1', '--query', 'a', '--tz', 'Asia/Nowhere'], /--tz "Asia\/Nowhere": expected an IANA time zone/],
      [['add', '--telegram', '1', '--query', 'a', '--script', 'latin'], /--script "latin": expected original, hans, hant/],
      [['add', '--query', 'a'], /expected --telegram CHAT_ID or --email ADDRESS/],
      [['add', '--telegram', '1', '--email', 'a@b.cn', '--query', 'a'], /--telegram and --email: expected one of them/],
      [['add', '--telegram', '1'], /expected --query QUERY/],
      [['remove'], /subs remove: expected one subscription id/],
    ];
    for (const [args, message] of cases) {
      const r = await subs(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    await expect(runSubs(['rename'])).rejects.toThrow(UsageError);
  });

  it('runs as `tidings subs` (add, list --json, bad input, unknown subcommand)', async () => {
    const added = await tidings('subs', 'add', '--email', 'li@example.cn', '--query', '"国家风力发电技术创新中心" OR 风电');
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('query: "国家风力发电技术创新中心" OR 风电\n');
    const [listed, bad, unknown] = await Promise.all([
      tidings('subs', 'list', '--json', '--email', 'li@example.cn'),
      tidings('subs', 'add', '--email', 'li@example.cn', '--query', '风电 AND'),
      tidings('subs', 'rename'),
    ]);
    expect(listed.code).toBe(0);
    const feedUrl = /^feed: (\S+)$/m.exec(added.stdout)![1];
    expect((JSON.parse(listed.stdout) as { feedUrl: string }[]).map((s) => s.feedUrl)).toEqual([feedUrl]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^tidings: --query "风电 AND": .*AND.* at 4/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('subs: expected add, edit, export, import, list or remove; got "rename"');
    expect(unknown.stderr).toContain('tidings subs add (--telegram CHAT_ID | --email ADDRESS) --query QUERY');
  });
});
