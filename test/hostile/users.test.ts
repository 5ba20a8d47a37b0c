/**
 * Hostile matrix rows 24–26 (../shared/docs/hostile-matrix.md, "Users and process"), end to
 * end: the bot against the Bot API double over HTTP, the `tidings` CLI as a child process on
 * a SQLite store, and the product's HTTP server on 127.0.0.1 (feeds, private feeds,
 * /unsubscribe) asked with raw request paths.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import type { Source } from '../../src/domain/source.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { botDepsFromApp, createTidingsBot, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { parseQuery } from '../../src/match/parse-query.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import { createFeedHandler } from '../../src/publish/feed-http.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { createSubscribeRoutes } from '../../src/http/subscribe-pages.js';
import { signToken, unsubscribeUrl } from '../../src/notify/email/tokens.js';
import { SubscriptionLimitError } from '../../src/subscriptions/subscription-store.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { checkTelegramHtml, startFakeBotApi, visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { runCli } from '../helpers/cli.js';
import { routeServer, type RouteServer } from './content-checks.js';

// Every HMAC comparison of the process, counted (the real one is called): the token checks
// of the HTTP routes must go through crypto.timingSafeEqual.
const timing = vi.hoisted(() => ({ calls: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  const timingSafeEqual: typeof real.timingSafeEqual = (a, b) => {
    timing.calls++;
    return real.timingSafeEqual(a, b);
  };
  return { ...real, default: { ...real, timingSafeEqual }, timingSafeEqual };
});

const source: Source = { id: 'xjkjt', name: '新疆科技厅', url: 'https://kjt.xinjiang.gov.cn/rss.xml', interval: { kind: 'every', ms: 900_000 }, fulltext: 'never', tags: ['科技'], origin: 'feeds/test.yaml:1' };
const ADMIN = { id: 9001, language_code: 'en' };

interface BotWorld {
  api: FakeBotApi;
  app: App;
  tb: TidingsBot;
  site: RouteServer;
}

async function botWorld(env: Record<string, string>): Promise<BotWorld> {
  const site = await routeServer();
  const api = await startFakeBotApi();
  const settings = loadSettings({ STORE_URL: 'memory', ALLOW_PRIVATE_NETWORKS: 'true', FETCH_TIMEOUT: '5s', TELEGRAM_BOT_TOKEN: '123:users', TELEGRAM_API_ROOT: api.url, TELEGRAM_ADMIN_IDS: String(ADMIN.id), ...env });
  const app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [source] });
  await app.registry.load();
  const tb = createTidingsBot(botDepsFromApp(app, 'secret', { maxRetries: 0 }));
  await tb.start();
  return { api, app, tb, site };
}

async function closeBotWorld(w: BotWorld | undefined): Promise<void> {
  await w?.tb.stop();
  await w?.api.close();
  await w?.app.close();
  await w?.site.close();
}

/** Push a message and return the visible text of the bot's reply to that chat. */
async function talk(w: BotWorld, text: string, from: { id: number; language_code?: string }): Promise<{ text: string; ms: number }> {
  const before = w.api.sentTo(from.id).length;
  const started = Date.now();
  w.api.pushMessage(text, from);
  await w.api.waitFor(() => w.api.sentTo(from.id).length > before, 10_000, `a reply to ${text.slice(0, 40)}`);
  const reply: RecordedCall = w.api.sentTo(from.id)[before]!;
  if (reply.params.parse_mode === 'HTML') expect(checkTelegramHtml(String(reply.params.text))).toBeUndefined();
  return { text: visibleText(String(reply.params.text)), ms: Date.now() - started };
}

async function press(w: BotWorld, data: string, from: { id: number; language_code?: string }, chatId: number): Promise<string> {
  const before = w.api.callsOf('answerCallbackQuery').length;
  w.api.pushCallback(data, from, { chat_id: chatId, message_id: 1 });
  await w.api.waitFor(() => w.api.callsOf('answerCallbackQuery').length > before, 10_000, `the answer to ${data}`);
  return String(w.api.callsOf('answerCallbackQuery').at(-1)!.params.text ?? '');
}

describe('hostile #24: one user adds 10,000 subscriptions, a 1 MB query, 10,000 nested parentheses', () => {
  let w: BotWorld;
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-hostile24-'));

  beforeAll(async () => {
    w = await botWorld({ SUBS_PER_SUBSCRIBER: '50', QUERY_MAX_LENGTH: '10000' });
  }, 30_000);

  afterAll(async () => {
    await closeBotWorld(w);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('10,000 adds: 50 kept, the other 9,950 refused with n/limit, fast; the bot says 50/50; another user is unaffected', async () => {
    const subscriber = { kind: 'telegram' as const, chatId: 2401 };
    const started = Date.now();
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      try {
        await w.app.subscriptions.add({ subscriber, query: `关键词${i}`, createdBy: 'telegram:2401' });
      } catch (err) {
        expect(err).toBeInstanceOf(SubscriptionLimitError);
        if (refused === 0) expect((err as Error).message).toContain('(50/50)');
        refused++;
      }
    }
    expect(refused).toBe(9_950);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await w.app.subscriptions.listOf('tg:2401')).toHaveLength(50);

    const over = await talk(w, '/sub 再来一个', { id: 2401, language_code: 'en' });
    expect(over.text).toContain('50/50');
    expect(await w.app.subscriptions.listOf('tg:2401')).toHaveLength(50);

    const other = await talk(w, '/sub 科技援疆', { id: 2402, language_code: 'en' });
    expect(other.text).toContain('Subscribed: 科技援疆');
    expect(other.ms).toBeLessThan(3_000);
  }, 60_000);

  it('`tidings subs add` beyond the cap exits 2 with n/limit', async () => {
    const store = `sqlite://${path.join(tmp, 'tidings.sqlite')}`;
    const kv = await openKeyValue(store);
    const subs = new SubscriptionStore(kv, createStore(kv), { perSubscriber: 3, maxLength: 500 });
    for (const q of ['光伏', '风电', '储能']) await subs.add({ subscriber: { kind: 'email', address: 'many@example.com' }, query: q, createdBy: 'cli' });
    await kv.close?.();
    const r = await runCli(['subs', 'add', '--email', 'many@example.com', '--query', '氢能'], { cwd: tmp, env: { STORE_URL: store, SUBS_PER_SUBSCRIBER: '3', LOG_LEVEL: 'warn' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('3/3');
  }, 60_000);

  it('a 1 MB query and 10,000 nested parentheses: a clear error at once, nothing stored, the bot goes on', async () => {
    const subscriber = { kind: 'telegram' as const, chatId: 2403 };
    const mega = '科'.repeat(1024 * 1024);
    let t = Date.now();
    await expect(w.app.subscriptions.add({ subscriber, query: mega, createdBy: 'test' })).rejects.toThrow(/query too long: 1048576 characters, at most 10000/);
    expect(Date.now() - t).toBeLessThan(3_000);
    const nested = `${'('.repeat(10_000)}科技${')'.repeat(10_000)}`;
    t = Date.now();
    await expect(w.app.subscriptions.add({ subscriber, query: nested, createdBy: 'test' })).rejects.toThrow(/query too long/);
    // Past the length cap too, the parser stops at the nesting cap (no stack overflow).
    expect(() => parseQuery(nested, { maxLength: 1_000_000 })).toThrow(/nesting deeper than 20 at 21/);
    expect(Date.now() - t).toBeLessThan(3_000);

    // Through the bot: as long as Telegram allows (4096), nested 2,000 deep.
    const deep = await talk(w, `/sub ${'('.repeat(2_000)}科技${')'.repeat(2_000)}`, { id: 2403, language_code: 'en' });
    expect(deep.text).toContain('nesting deeper than 20');
    const long = await talk(w, `/sub ${'科技 '.repeat(1_300)}`, { id: 2403, language_code: 'en' });
    expect(long.text).toMatch(/too many terms|query too long/);
    expect(await w.app.subscriptions.listOf('tg:2403')).toHaveLength(0);
    const other = await talk(w, '/sub 乌鲁木齐', { id: 2404, language_code: 'en' });
    expect(other.text).toContain('Subscribed: 乌鲁木齐');
  }, 30_000);

  it('no regex from users: "(a+)+$" and ".*" are words, matched literally and fast (`tidings match`)', async () => {
    const file = path.join(tmp, 'articles.jsonl');
    const line = (url: string, title: string) => JSON.stringify({ id: url, sourceId: 's', url, title, text: title, summary: title, published: new Date().toISOString(), tags: [], lang: 'zh' });
    writeFileSync(file, [line('https://e.example/1', `${'a'.repeat(50_000)}!`), line('https://e.example/2', '正则 .* 字面')].join('\n') + '\n');
    const started = Date.now();
    const redos = await runCli(['match', '(a+)+$', '--file', file], { cwd: tmp, env: { LOG_LEVEL: 'warn' } });
    expect(redos.code, redos.stderr).not.toBe(1);
    expect(redos.stdout).not.toContain('https://e.example/1');
    const dotStar = await runCli(['match', '".*"', '--file', file], { cwd: tmp, env: { LOG_LEVEL: 'warn' } });
    expect(dotStar.stdout).not.toContain('https://e.example/1');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});

describe('hostile #25: a non-admin runs admin commands; a user edits another chat\'s subscription', () => {
  let w: BotWorld;
  const stranger = { id: 4242, language_code: 'en' };
  const owner = { id: 2501, language_code: 'en' };

  beforeAll(async () => {
    w = await botWorld({});
    w.site.routes.set('/rss.xml', { body: '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>' });
  }, 30_000);

  afterAll(() => closeBotWorld(w));

  it('every admin command is refused to a non-admin, and nothing changes (registry, store, the target site)', async () => {
    const before = JSON.stringify(w.app.registry.all());
    for (const cmd of ['/sources', '/stats', `/addsource ${w.site.origin}/rss.xml 科技`, '/delsource xjkjt', '/pausesource xjkjt', '/resumesource xjkjt', '/addsource', '/delsource']) {
      const r = await talk(w, cmd, stranger);
      expect(r.text, cmd).toBe('This command is for tidings admins only. Nothing was changed.');
    }
    expect(w.site.hitsOf('/rss.xml')).toBe(0);
    await w.app.registry.refresh();
    expect(JSON.stringify(w.app.registry.all())).toBe(before);
    expect(w.app.registry.get('xjkjt')!.paused).toBeUndefined();
    // The admin can (the refusal is about who asks, not the command).
    expect((await talk(w, '/pausesource xjkjt', ADMIN)).text).toBe('Paused source xjkjt.');
    expect((await talk(w, '/resumesource xjkjt', ADMIN)).text).toBe('Resumed source xjkjt.');
  });

  it('forged callback data naming another chat\'s subscription is refused; the subscription is untouched', async () => {
    await talk(w, '/sub 科技援疆', owner);
    const [sub] = await w.app.subscriptions.listOf('tg:2501');
    const snapshot = JSON.stringify(sub);
    for (const data of [`unsub:${sub!.id}`, `stop:${sub!.id}`]) {
      expect(await press(w, data, stranger, stranger.id), data).toMatch(/no such subscription/i);
    }
    // Junk and overlong data, and a "forget" in the stranger's own chat.
    for (const data of ['unsub:../../etc', `unsub:${'x'.repeat(60)}`, 'stop:', 'pause:all', `unsub:${sub!.id}:${owner.id}`]) await press(w, data, stranger, stranger.id);
    await press(w, 'forget:yes', stranger, stranger.id);
    // /unsub with the other chat's number, /pause and /digest in the stranger's chat touch only that chat.
    await talk(w, '/unsub 1', stranger);
    await talk(w, '/pause', stranger);
    await talk(w, '/digest 08:00', stranger);
    expect(JSON.stringify(await w.app.subscriptions.get(sub!.id))).toBe(snapshot);
    expect(await w.app.subscriptions.listOf('tg:2501')).toHaveLength(1);
  });
});

interface Reply {
  status: number;
  body: string;
}

/** A raw request: the path goes on the wire exactly as given (no URL normalization). */
function send(origin: string, pathOnWire: string, method = 'GET'): Promise<Reply> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: pathOnWire, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hostile #26: traversal and NUL in paths; unknown and forged tokens', () => {
  let app: App;
  let http: RunningHttpServer;
  let secret: string;
  const mailed: unknown[] = [];

  beforeAll(async () => {
    const settings = loadSettings({ STORE_URL: 'memory', PUBLIC_URL: 'http://127.0.0.1' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [source] });
    await app.registry.load();
    secret = await app.store.secret(settings.TIDINGS_SECRET);
    const feeds = new FeedService({ store: app.store, sources: () => [source], publicUrl: settings.PUBLIC_URL, maxEntries: settings.FEED_MAX_ENTRIES, subscriptions: app.subscriptions });
    const feedHandler = createFeedHandler({ getFeed: (p) => feeds.getFeed(p), cacheControl: 'public, max-age=60' });
    const routes = [
      (req: Parameters<typeof feedHandler>[0], res: Parameters<typeof feedHandler>[1]) => feedHandler(req, res),
      ...createSubscribeRoutes({
        subscriptions: app.subscriptions,
        store: app.store,
        kv: app.kv,
        outbox: app.outbox,
        sources: () => [source],
        logger: app.logger,
        publicUrl: 'http://127.0.0.1',
        secret,
        sendMail: async (m) => void mailed.push(m),
        mailFrom: 'tidings <tidings@example.org>',
      }),
    ];
    http = await startHttpServer({ store: app.store, logger: app.logger, metrics: app.metrics, sources: () => [source], routes, publicUrl: settings.PUBLIC_URL }, '127.0.0.1', 0);
  });

  afterAll(async () => {
    await http?.close();
    await app?.close();
  });

  it.each([
    '/feeds/../../etc/passwd',
    '/feeds/../../../../etc/passwd',
    '/feeds/%2e%2e/%2e%2e/etc/passwd',
    '/feeds/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/feeds/source/..%2f..%2f..%2fetc%2fpasswd.atom',
    '/feeds/tag/%2e%2e%2f%2e%2e%2fetc%2fpasswd.rss',
    '/feeds/%252e%252e/%252e%252e/etc/passwd',
    '/feeds/source/%252e%252e%252fetc%252fpasswd.atom',
    '/feeds/all.atom%00',
    '/feeds/all%00.atom',
    '/feeds/source/xjkjt%00.atom',
    '/feeds/source/xjkjt.atom%00.txt',
    '/feeds/sub/%00.atom',
    '/feeds/..\\..\\etc\\passwd',
    '/feeds/%c0%ae%c0%ae/etc/passwd',
    '/..%2f..%2fetc%2fpasswd',
  ])('%s → 400 or 404, no file content', async (p) => {
    const r = await send(http.url, p);
    expect([400, 404]).toContain(r.status);
    expect(r.body).not.toMatch(/root:|daemon:/);
  });

  it('private feed tokens: unknown, forged and junk → 404; the real one → 200', async () => {
    const sub = await app.subscriptions.add({ subscriber: { kind: 'telegram', chatId: 2601 }, query: '科技', createdBy: 'test' });
    expect((await send(http.url, `/feeds/sub/${sub.feedToken}.atom`)).status).toBe(200);
    const flipped = `${sub.feedToken.slice(0, -1)}${sub.feedToken.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [flipped, 'x'.repeat(sub.feedToken.length), 'nosuchtoken', '..', '%2e%2e', `${sub.feedToken}%00`]) {
      const r = await send(http.url, `/feeds/sub/${token}.atom`);
      expect(r.status, token).toBe(token.endsWith('%00') ? 400 : 404); // NUL: a bad request
      expect(r.body).not.toContain('科技');
    }
  });

  it('/unsubscribe with a forged, unknown or junk token: a clear page, nothing changes; compared with timingSafeEqual', async () => {
    const sub = await app.subscriptions.add({ subscriber: { kind: 'email', address: 'reader@example.com' }, query: '科技援疆', createdBy: 'test' });
    const snapshot = JSON.stringify(await app.subscriptions.get(sub.id));
    const real = new URL(unsubscribeUrl('http://127.0.0.1', secret, sub.id)).searchParams.get('t')!;
    const forged = `${real.slice(0, -2)}${real.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherSecret = signToken(`${secret}x`, 'unsubscribe', sub.id);
    const before = timing.calls;
    for (const t of [forged, otherSecret, 'nonsense', '', `${real}x`, '%00', '../../etc/passwd']) {
      for (const method of ['GET', 'POST']) {
        const r = await send(http.url, `/unsubscribe?t=${encodeURIComponent(t)}&lang=en`, method);
        expect(r.status, `${method} ${t}`).toBe(400);
        expect(r.body).toContain('This link does not work');
      }
    }
    // The well-formed forgeries reached the MAC comparison, which is crypto.timingSafeEqual.
    expect(timing.calls - before).toBeGreaterThanOrEqual(4);
    // A genuine token for a subscription that is not there: idempotent, "Already unsubscribed".
    const unknown = await send(http.url, `/unsubscribe?t=${signToken(secret, 'unsubscribe', 'nosuchsub')}&lang=en`, 'POST');
    expect(unknown.status).toBe(200);
    expect(unknown.body).toContain('Already unsubscribed');
    expect(JSON.stringify(await app.subscriptions.get(sub.id))).toBe(snapshot);
    expect(mailed).toEqual([]);
  });
});
