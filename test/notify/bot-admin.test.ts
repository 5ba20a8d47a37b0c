/**
 * The bot's admin commands and command menus: only TELEGRAM_ADMIN_IDS may run them; sources
 * are added from loopback feeds and pages (the guarded fetcher with private networks allowed,
 * as in the pipeline tests), checked once, and kept in the registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BotCommand } from 'grammy/types';
import { Counter } from 'prom-client';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import type { Source } from '../../src/domain/source.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { botDepsFromApp, createTidingsBot, USER_COMMANDS, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { checkTelegramHtml, startFakeBotApi, visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

const day = (d: number) => new Date(Date.now() - d * 86_400_000).toUTCString();
const rss = (title: string) => `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>${title}</title>
<item><title>市科技局召开工作会议</title><link>http://example.gov.cn/a/1.html</link><pubDate>${day(1)}</pubDate></item>
<item><title>科技援疆项目签约</title><link>http://example.gov.cn/a/2.html</link><pubDate>${day(2)}</pubDate></item></channel></rss>`;

const yamlSource: Source = { id: 'from-yaml', name: 'YAML 来源', url: 'https://example.gov.cn/feed.xml', interval: { kind: 'every', ms: 900_000 }, fulltext: 'auto', tags: [], origin: 'feeds/test.yaml:2' };

const admin = { id: 9001, language_code: 'en' };
const adminZh = { id: 9002, language_code: 'zh-CN' };
const stranger = { id: 4242, language_code: 'en' };

describe('tidings bot: admin commands and menus', () => {
  let api: FakeBotApi;
  let app: App;
  let tb: TidingsBot;
  let site: RunningServer;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    site = await listen((req: IncomingMessage, res: ServerResponse) => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(p, (hits.get(p) ?? 0) + 1);
      if (p === '/rss.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('某市科技局 工作动态'));
      if (p === '/news.xml') return void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('某区科技局 通知公告'));
      if (p === '/home.html')
        return void res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end('<html><head><title>某区科技局</title><link rel="alternate" type="application/rss+xml" title="通知公告" href="/news.xml"></head><body>首页</body></html>');
      res.writeHead(404).end();
    });
    api = await startFakeBotApi();
    const settings = loadSettings({
      STORE_URL: 'memory',
      ALLOW_PRIVATE_NETWORKS: 'true',
      FETCH_TIMEOUT: '5s',
      TELEGRAM_BOT_TOKEN: '123:admin',
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_ADMIN_IDS: '9001, 9002',
    });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [yamlSource] });
    await app.registry.load();
    await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 501 }, query: '科技援疆', createdBy: 'cli' });
    const blocked = await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: -502 }, query: '光伏', createdBy: 'cli' });
    await app.subscriptions.update({ ...blocked, paused: true, pausedReason: 'blocked' });
    tb = createTidingsBot(botDepsFromApp(app, 'secret', { maxRetries: 0 }));
    await tb.start();
  });

  afterAll(async () => {
    await tb?.stop();
    await api?.close();
    await app?.close();
    await site?.close();
  });

  async function talk(text: string, from: { id: number; language_code?: string }, chat?: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel' }): Promise<string> {
    const chatId = chat?.id ?? from.id;
    const before = api.sentTo(chatId).length;
    api.pushMessage(text, from, chat);
    await api.waitFor(() => api.sentTo(chatId).length > before, 15_000, `a reply to ${text}`);
    const reply: RecordedCall = api.sentTo(chatId)[before]!;
    expect(checkTelegramHtml(String(reply.params.text))).toBeUndefined();
    return visibleText(String(reply.params.text));
  }

  it('sets the user menu for everyone (English by default, Chinese for zh) and the admin menu in each admin chat', () => {
    const calls = api.callsOf('setMyCommands');
    const names = (c: RecordedCall) => (c.params.commands as BotCommand[]).map((x) => x.command);
    const defaults = calls.filter((c) => (c.params.scope as { type: string }).type === 'default');
    expect(defaults.map((c) => c.params.language_code ?? null).sort()).toEqual(['en', 'zh', null].sort());
    const userMenu = ['start', 'help', 'sub', 'unsub', 'unsuball', 'list', 'name', 'tags', 'pause', 'resume', 'digest', 'preview', 'script', 'feed', 'email', 'export', 'import', 'lang', 'silent', 'forget', 'version'];
    expect(USER_COMMANDS).toEqual(userMenu);
    for (const c of defaults) expect(names(c)).toEqual(userMenu);
    const zh = defaults.find((c) => c.params.language_code === 'zh')!;
    expect((zh.params.commands as BotCommand[]).find((x) => x.command === 'sub')!.description).toBe('订阅关键词：/sub 科技援疆');
    const en = defaults.find((c) => c.params.language_code === undefined)!;
    expect((en.params.commands as BotCommand[]).find((x) => x.command === 'sub')!.description).toBe('Subscribe to a query: /sub 科技援疆');

    for (const id of [9001, 9002]) {
      const scoped = calls.filter((c) => JSON.stringify(c.params.scope) === JSON.stringify({ type: 'chat', chat_id: id }));
      expect(scoped).toHaveLength(3);
      for (const c of scoped) expect(names(c)).toEqual([...userMenu, 'sources', 'stats', 'addsource', 'delsource', 'pausesource', 'resumesource']);
    }
  });

  it('refuses admin commands to anyone else, and changes nothing', async () => {
    const before = app.registry.all().map((s) => s.id);
    expect(await talk(`/addsource ${site.origin}/rss.xml 科技`, stranger)).toBe('This command is for tidings admins only. Nothing was changed.');
    expect(hits.get('/rss.xml')).toBeUndefined();
    expect(await talk('/pausesource from-yaml', stranger)).toContain('for tidings admins only');
    expect(await talk('/stats', stranger)).toContain('for tidings admins only');
    expect(await talk('/sources', stranger)).toContain('for tidings admins only');
    // A channel post has no sender, so it is never an admin's.
    expect(await talk('/delsource from-yaml', { id: 0 }, { id: -1001, type: 'channel' })).toContain('仅限 tidings 管理员');
    await app.registry.refresh();
    expect(app.registry.all().map((s) => s.id)).toEqual(before);
    expect(app.registry.get('from-yaml')!.paused).toBeUndefined();
    expect(await talk('/help', stranger)).not.toContain('/addsource');
    expect(await talk('/help', admin)).toContain('/addsource URL [tags]');
  });

  it('adds a loopback feed, and a page whose <link rel=alternate> names its feed', async () => {
    const added = await talk(`/addsource ${site.origin}/rss.xml 科技,援疆`, admin);
    expect(added).toMatch(/^Added source \S+ 某市科技局 工作动态/);
    expect(added).toContain(`${site.origin}/rss.xml`);
    const feed = app.registry.all().find((s) => s.url === `${site.origin}/rss.xml`)!;
    expect(feed).toMatchObject({ kind: 'feed', tags: ['科技', '援疆'], origin: 'store (added by telegram:9001)' });

    const page = await talk(`/addsource ${site.origin}/home.html`, adminZh);
    expect(page).toMatch(/^已添加来源 \S+ 通知公告/);
    expect(app.registry.all().find((s) => s.url === `${site.origin}/news.xml`)).toMatchObject({ kind: 'feed', name: '通知公告' });

    expect(await talk(`/addsource ${site.origin}/rss.xml`, admin)).toContain(`Not added: already a source: ${feed.id}`);
    expect(await talk(`/addsource ${site.origin}/missing.xml`, admin)).toMatch(/^Not added: .*404/);
    expect(await talk('/addsource ftp://example.org/x', admin)).toContain('only http:// and https://');
    expect(await talk('/addsource', admin)).toContain('Usage: /addsource');
    expect(app.registry.all()).toHaveLength(3);
  });

  it('/sources shows each source with its health; pause, resume and delete by id', async () => {
    const feed = app.registry.all().find((s) => s.url === `${site.origin}/rss.xml`)!;
    await app.store.putSourceState(feed.id, { consecutiveErrors: 2, lastError: 'HTTP 500 <boom>', lastPolledAt: new Date().toISOString(), lastSuccessAt: '2024-10-13T10:44:04Z', itemsLastSeen: 7, initialized: true });
    const list = await talk('/sources', admin);
    expect(list).toContain('Sources (3)');
    expect(list).toContain(`❌ ${feed.id} 某市科技局 工作动态`);
    expect(list).toContain('last success 2024-10-13 18:44 · errors in a row 2 · items 7');
    expect(list).toContain('HTTP 500 <boom>');
    expect(list).toContain('… from-yaml YAML 来源');

    expect(await talk(`/pausesource ${feed.id}`, admin)).toBe(`Paused source ${feed.id}.`);
    expect(app.registry.get(feed.id)!.paused).toBe(true);
    expect(await talk('/sources', admin)).toContain(`⏸ ${feed.id}`);
    expect(await talk(`/resumesource ${feed.id}`, admin)).toBe(`Resumed source ${feed.id}.`);
    expect(app.registry.get(feed.id)!.paused).toBeUndefined();

    expect(await talk('/delsource from-yaml', admin)).toContain('from-yaml is defined in feeds/test.yaml:2');
    expect(await talk('/delsource no-such', admin)).toBe('There is no source no-such (see /sources).');
    expect(await talk(`/delsource ${feed.id}`, admin)).toBe(`Deleted source ${feed.id}.`);
    expect(app.registry.get(feed.id)).toBeUndefined();
  });

  it('/stats counts subscriptions, chats, paused chats with reasons and deliveries', async () => {
    const sent = app.metrics.registry.getSingleMetric('tidings_telegram_sent_total') as Counter | undefined;
    const sentCounter = sent ?? new Counter({ name: 'tidings_telegram_sent_total', help: 'test', labelNames: ['kind'], registers: [app.metrics.registry] });
    sentCounter.inc({ kind: 'alert' }, 4);
    const stats = await talk('/stats', admin);
    expect(stats).toContain('subscriptions 2 · chats 2');
    expect(stats).toContain('alerts: pending 0 · sent 4 · failed 0');
    expect(stats).toContain('Paused chats (1):\n-502 1 subscription — the bot was blocked or removed');
  });
});
