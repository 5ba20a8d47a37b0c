/**
 * The whole path in one real process: `tidings start` with the bot pointed at the Bot API
 * test double (TELEGRAM_API_ROOT) and a loopback news source. A user subscribes with /sub;
 * a matching article appears at the source → exactly one alert, valid HTML, with the link;
 * a non-matching one → nothing; a restart → old articles alert nobody; a non-admin's
 * /addsource is refused.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../helpers/corpus.js';
import { newsRss, waiterOn, type FeedItem } from '../helpers/start-process.js';
import { spawnCli } from '../helpers/cli.js';
import { checkTelegramHtml, startFakeBotApi, visibleText, type FakeBotApi } from '../helpers/fake-bot-api.js';

const USER = { id: 4242, language_code: 'zh-hans' };
const ADMIN = 1001;

describe('tidings start with Telegram (Bot API test double)', () => {
  let api: FakeBotApi;
  let site: RunningServer;
  let dir: string;
  let polls = 0;
  const items: FeedItem[] = [
    { guid: 'old-1', title: '第七次全国科技援疆工作会议召开', date: new Date(Date.now() - 3 * 86_400_000).toUTCString() },
    { guid: 'old-2', title: '四方合作机制推进会举行', date: new Date(Date.now() - 2 * 86_400_000).toUTCString() },
  ];
  let child: ChildProcess | undefined;
  let stderr = '';

  beforeAll(async () => {
    api = await startFakeBotApi();
    site = await listen((req, res) => {
      if (req.url === '/feed.xml') {
        polls++;
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(newsRss(site.origin, items));
      } else {
        res.writeHead(404).end();
      }
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-e2e-'));
    mkdirSync(path.join(dir, 'feeds'));
    writeFileSync(
      path.join(dir, 'feeds', 'sources.yaml'),
      `sources:\n  - id: xjkjt\n    name: 新疆科技厅\n    url: ${site.origin}/feed.xml\n    interval: 5s\n    fulltext: never\n    tags: [科技]\n`,
    );
  });

  afterAll(async () => {
    await stop();
    await api.close();
    await site.close();
  });

  function start(): void {
    stderr = '';
    child = spawnCli(['start'], {
      cwd: dir,
      env: {
        HTTP_PORT: '0',
        ALLOW_PRIVATE_NETWORKS: 'true',
        SCHEDULER_TICK: '* * * * * *',
        POLL_JITTER: '0',
        TELEGRAM_BOT_TOKEN: '123456:test-token',
        TELEGRAM_API_ROOT: api.url,
        TELEGRAM_ADMIN_IDS: String(ADMIN),
        LOG_LEVEL: 'debug',
      },
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  }

  async function stop(): Promise<void> {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    child = undefined;
  }

  const until = waiterOn(() => ({ child, stderr }));


  /** Wait until the source has been polled `n` more times (and that poll had time to finish). */
  async function morePolls(n: number): Promise<void> {
    const target = polls + n;
    await until(() => polls >= target, `${n} more polls`);
    await new Promise((r) => setTimeout(r, 1500));
  }

  const alertsTo = (chatId: number) => api.sentTo(chatId).filter((c) => Array.isArray((c.params.reply_markup as { inline_keyboard?: unknown[] } | undefined)?.inline_keyboard) && String(c.params.text).includes('/a/'));

  it('subscribes, alerts once on a matching article, stays quiet otherwise and after a restart', async () => {
    start();
    await until(() => api.callsOf('getUpdates').length > 0 || api.callsOf('setMyCommands').length > 0, 'the bot to start');
    await until(() => polls >= 1, 'the first poll');
    await morePolls(1);

    // Subscribe.
    api.pushMessage('/sub 科技援疆', USER);
    await until(() => api.sentTo(USER.id).length >= 1, 'the /sub reply');
    const reply = String(api.sentTo(USER.id)[0]!.params.text);
    expect(reply).toContain('科技援疆');
    expect(checkTelegramHtml(reply)).toBeUndefined();

    // Backlog: nothing.
    await morePolls(2);
    expect(alertsTo(USER.id)).toHaveLength(0);

    // A matching article appears.
    items.unshift({ guid: 'new-1', title: '兵团召开科技援疆项目对接会', date: new Date().toUTCString() });
    await until(() => alertsTo(USER.id).length >= 1, 'the alert');
    await morePolls(2);
    const alerts = alertsTo(USER.id);
    expect(alerts).toHaveLength(1);
    const html = String(alerts[0]!.params.text);
    expect(alerts[0]!.params.parse_mode).toBe('HTML');
    expect(checkTelegramHtml(html)).toBeUndefined();
    expect(html).toContain(`href="${site.origin}/a/new-1.html"`);
    expect(visibleText(html)).toContain('兵团召开科技援疆项目对接会');

    // A non-matching article: nothing.
    items.unshift({ guid: 'new-2', title: '自治区召开安全生产工作会议', date: new Date().toUTCString() });
    await morePolls(2);
    expect(alertsTo(USER.id)).toHaveLength(1);

    // A non-admin's /addsource is refused and adds nothing.
    const before = api.sentTo(USER.id).length;
    api.pushMessage(`/addsource ${site.origin}/other.xml`, USER);
    await until(() => api.sentTo(USER.id).length > before, 'the refusal');
    expect(String(api.sentTo(USER.id).at(-1)!.params.text)).toContain('管理员');
    const health = (await (await fetch(`${/"http":"([^"]+)"/.exec(stderr)?.[1] ?? ''}/healthz`)).json()) as { sources: unknown[] };
    expect(health.sources).toHaveLength(1);

    // Restart: the articles already seen alert nobody.
    await stop();
    const sentBefore = api.sent.length;
    start();
    await until(() => /tidings started/.test(stderr), 'the restart');
    await morePolls(3);
    expect(alertsTo(USER.id)).toHaveLength(1);
    expect(api.sent.length).toBe(sentBefore);
  }, 120_000);
});
