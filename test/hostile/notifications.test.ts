/**
 * Hostile matrix rows 18–23 (../shared/docs/hostile-matrix.md, "Notifications"), end to end:
 * an app on the memory store (loopback allowed), articles polled from a loopback feed or
 * recorded by the real dispatcher, the real Telegram worker (grammY, auto-retry as in
 * production) against the Bot API double over HTTP, the real email worker over the pooled
 * nodemailer transport against a real SMTP server on loopback, and the bot's /stats.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Article } from '../../src/domain/article.js';
import type { Delivery, Subscriber, Subscription } from '../../src/domain/subscription.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import { botDepsFromApp, createTidingsBot, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { createTelegramApi, TelegramNotifier, type TelegramNotifierDeps } from '../../src/notify/telegram/telegram-notifier.js';
import { EmailNotifier, emailMetrics, type EmailNotifierDeps } from '../../src/notify/email/email-notifier.js';
import { createMailTransport } from '../../src/notify/email/transport.js';
import { SubscriptionInputError } from '../../src/subscriptions/subscription-store.js';
import { checkTelegramHtml, replies, startFakeBotApi, visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { headerLines, startSmtpDouble, type SmtpDouble } from '../notify/email/smtp-double.js';
import { feedSource, pollingApp, routeServer, type RouteServer } from './content-checks.js';
import { storedArticle } from '../helpers/articles.js';
import { JumpClock } from '../helpers/jump-clock.js';

const ADMIN = { id: 9001, language_code: 'en' };

interface World {
  app: App;
  bot: FakeBotApi;
  smtp?: SmtpDouble;
  site?: RouteServer;
  transport?: ReturnType<typeof createMailTransport>;
  tidingsBot?: TidingsBot;
  notifiers: TelegramNotifier[];
}

let world: World | undefined;

async function makeWorld(opts: { smtp?: boolean; site?: boolean; env?: Record<string, string> } = {}): Promise<World> {
  const bot = await startFakeBotApi();
  const smtp = opts.smtp ? await startSmtpDouble() : undefined;
  const site = opts.site ? await routeServer() : undefined;
  const app = await pollingApp({
    TELEGRAM_BOT_TOKEN: '123:hostile',
    TELEGRAM_API_ROOT: bot.url,
    TELEGRAM_ADMIN_IDS: String(ADMIN.id),
    ...(smtp ? { SMTP_URL: smtp.url, EMAIL_MAX_FAILURES: '2' } : {}),
    ...opts.env,
  });
  world = { app, bot, smtp, site, notifiers: [], transport: smtp ? createMailTransport(smtp.url, { maxConnections: 2 }) : undefined };
  return world;
}

afterEach(async () => {
  const w = world;
  world = undefined;
  if (!w) return;
  for (const n of w.notifiers) await n.stop();
  await w.tidingsBot?.stop();
  w.transport?.close();
  await w.bot.close();
  await w.smtp?.close();
  await w.site?.close();
  await w.app.close();
});

/** The Telegram worker as telegram-runtime builds it, with an optional test clock. */
function telegramWorker(w: World, over: Partial<TelegramNotifierDeps> = {}): TelegramNotifier {
  const s = w.app.settings;
  const n = new TelegramNotifier({
    api: createTelegramApi(s.TELEGRAM_BOT_TOKEN!, s.TELEGRAM_API_ROOT),
    outbox: w.app.outbox,
    subscriptions: w.app.subscriptions,
    store: w.app.store,
    sourceName: (id) => w.app.registry.get(id)?.name ?? id,
    chatPrefs: w.app.chatPrefs,
    limits: { globalPerSecond: s.TELEGRAM_RATE, perChatIntervalMs: 1000, groupPerMinute: s.TELEGRAM_GROUP_RATE },
    logger: w.app.logger,
    metrics: w.app.metrics,
    timeZone: s.DEFAULT_TIMEZONE,
    foldThreshold: s.ALERT_FOLD_THRESHOLD,
    random: () => 0.5,
    ...over,
  });
  w.notifiers.push(n);
  return n;
}

/** The email worker as email-runtime builds it, with a movable clock. */
async function emailWorker(w: World, now: () => number, over: Partial<EmailNotifierDeps> = {}): Promise<EmailNotifier> {
  const s = w.app.settings;
  return new EmailNotifier({
    transport: w.transport!,
    outbox: w.app.outbox,
    subscriptions: w.app.subscriptions,
    store: w.app.store,
    kv: w.app.kv,
    sourceName: (id) => w.app.registry.get(id)?.name ?? id,
    logger: w.app.logger,
    metrics: emailMetrics(w.app.metrics.registry),
    render: { publicUrl: s.PUBLIC_URL, secret: await w.app.store.secret(s.TIDINGS_SECRET), mailFrom: s.MAIL_FROM, unsubscribeMailto: s.MAIL_UNSUBSCRIBE_MAILTO },
    timeZone: s.DEFAULT_TIMEZONE,
    maxFailures: s.EMAIL_MAX_FAILURES,
    concurrency: 2,
    now,
    random: () => 0.5,
    ...over,
  });
}

let seq = 0;

function article(over: Partial<Article> = {}): Article {
  const n = ++seq;
  const now = new Date().toISOString();
  return storedArticle({
    id: `hostile-${n}`,
    url: `https://www.mrxw.example/kjqy/2024/88${n}.html`,
    title: `科技援疆推进会议第${n}次召开`,
    published: now,
    updated: now,
    text: '会议总结科技援疆工作成效。',
    summary: '会议总结科技援疆工作成效。',
    html: '<p>会议总结科技援疆工作成效。</p>',
    storedAt: now,
    ...over,
  });
}

async function subscribe(w: World, subscriber: Subscriber, query = '科技援疆'): Promise<Subscription> {
  return w.app.subscriptions.add({ subscriber, query, createdBy: 'test' });
}

/** Store the articles and record their deliveries, as a poll does. */
async function publish(w: World, articles: Article[], now = new Date()): Promise<Delivery[]> {
  for (const a of articles) await w.app.store.putArticle(a);
  return w.app.dispatcher.dispatch(articles, now);
}

async function metric(w: World, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await w.app.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

async function status(w: World, d: Delivery): Promise<Delivery> {
  return (await w.app.outbox.get(d.key))!;
}

const attemptsTo = (w: World, chatId: number): RecordedCall[] => w.bot.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === chatId);

/** A lone UTF-16 surrogate: a code point cut in half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const rssOf = (items: { title: string; link: string; description: string }[]) =>
  `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>每日新闻网</title><link>http://news.example.gov.cn/</link>${items
    .map((i) => `<item><title><![CDATA[${i.title}]]></title><link>${i.link}</link><pubDate>${new Date().toUTCString()}</pubDate><description><![CDATA[${i.description}]]></description></item>`)
    .join('')}</channel></rss>`;

describe('hostile #18: article text with <, &, an unclosed <b> and 10k characters', () => {
  it('polled from a feed and sent through the worker: valid Telegram HTML within 4096, cut at a safe boundary, never "can\'t parse entities"', async () => {
    const w = await makeWorld({ site: true });
    const site = w.site!;
    const src = feedSource('hostile18', `${site.origin}/feed.xml`);
    site.routes.set('/feed.xml', { body: rssOf([{ title: '专项通知', link: 'http://news.example.gov.cn/a/0.html', description: '<p>旧文章</p>' }]) });
    await pollSource(src, w.app.pollDeps); // first poll: initializes, alerts nothing
    const chat = 1801;
    await subscribe(w, { kind: 'telegram', chatId: chat }, '专项');

    const unit = '专项资金 a < b && c > d 😀 <b>未闭合的粗体 &amp 半个实体 &#x1F6 </i>。';
    const longText = unit.repeat(Math.ceil(10_000 / unit.length)).slice(0, 10_000);
    const longTitle = `专项 <b>标题 & "引号" <script>x</script> ${'长'.repeat(9_000)}`;
    site.routes.set('/feed.xml', {
      body: rssOf([
        { title: '专项通知 <b>未闭合 & 1 < 2', link: 'http://news.example.gov.cn/a/1.html', description: longText },
        { title: longTitle, link: 'http://news.example.gov.cn/a/2.html', description: `<b>${longText}` },
        { title: '专项通知 <b>未闭合 & 1 < 2', link: 'http://news.example.gov.cn/a/0.html', description: '<p>旧文章</p>' },
      ]),
    });
    const polled = await pollSource(src, w.app.pollDeps);
    expect(polled.outcome).toBe('new');
    const recorded = (await w.app.outbox.due('telegram', new Date(Date.now() + 1000), 100)).filter((d) => d.subscriber.kind === 'telegram' && d.subscriber.chatId === chat);
    expect(recorded).toHaveLength(2);

    const report = await telegramWorker(w, { clock: new JumpClock(Date.now()) }).drain();
    expect(report).toMatchObject({ sent: 2, failed: 0, retried: 0, messages: 2 });
    const tries = attemptsTo(w, chat);
    // Accepted as HTML at the first try: no "can't parse entities", no plain-text fallback.
    expect(tries).toHaveLength(2);
    for (const call of tries) {
      expect(call.params.parse_mode).toBe('HTML');
      expect((call as RecordedCall & { accepted?: boolean }).accepted).toBe(true);
      const html = String(call.params.text);
      expect(checkTelegramHtml(html)).toBeUndefined();
      const shown = visibleText(html);
      expect(shown.length).toBeLessThanOrEqual(4096);
      expect(LONE_SURROGATE.test(shown)).toBe(false);
      expect(html).not.toMatch(/&[a-zA-Z#0-9]*$|<[^>]*$/); // not cut inside an entity or a tag
      expect(shown).not.toContain('<script>');
    }
    const shownAll = tries.map((c) => visibleText(String(c.params.text)));
    const first = shownAll.find((x) => x.includes('专项通知'))!;
    const second = shownAll.find((x) => x.includes('引号'))!;
    // The characters are shown, escaped, not interpreted.
    expect(first).toContain('专项通知 未闭合 & 1 < 2'); // the tag in the title is markup (dropped), the rest is text
    expect(first).toContain('a < b && c > d');
    // The 9k-character title and the 10k lead are cut, with an ellipsis, well within the limit.
    expect(second).toContain('…');
    expect(second.length).toBeLessThan(4096);
    expect(await metric(w, 'tidings_telegram_sent_total', { kind: 'plain' })).toBe(0);
    expect(await metric(w, 'tidings_telegram_sent_total', { kind: 'alert' })).toBe(2);
    for (const d of recorded) expect((await status(w, d)).status).toBe('sent');
  });
});

describe('hostile #19: Telegram 429 retry_after N', () => {
  it('short N (waited out by auto-retry, real time): that chat waits ≥ N s while the others flow; nothing lost', async () => {
    const w = await makeWorld();
    const slow = 1901;
    const others = [1902, 1903, 1904];
    for (const chat of [slow, ...others]) await subscribe(w, { kind: 'telegram', chatId: chat });
    const deliveries = await publish(w, [article(), article()]);
    expect(deliveries).toHaveLength(8);
    w.bot.failNext('sendMessage', (p) => Number(p.chat_id) === slow, replies.tooManyRequests(2));
    const report = await telegramWorker(w, { foldThreshold: 10 }).drain();
    expect(report).toMatchObject({ sent: 8, failed: 0, messages: 8 });
    const tries = attemptsTo(w, slow);
    expect(tries).toHaveLength(3); // the refused one, its retry, the second alert
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1_950);
    for (const chat of others) {
      const got = w.bot.sentTo(chat);
      expect(got).toHaveLength(2);
      // The other chats got their first alert while the slow one waited.
      expect(got[0]!.at).toBeLessThan(tries[1]!.at);
    }
    expect(w.bot.sentTo(slow)).toHaveLength(2);
    for (const d of deliveries) expect((await status(w, d)).status).toBe('sent');
  });

  it('long N (fake clock): the delivery goes back with notBefore ≥ N, nothing is sent to the chat before, then it is delivered; others unaffected', async () => {
    const w = await makeWorld();
    const clock = new JumpClock(Date.now());
    const slow = 1911;
    await subscribe(w, { kind: 'telegram', chatId: slow });
    await subscribe(w, { kind: 'telegram', chatId: 1912 });
    const deliveries = await publish(w, [article(), article()], new Date(clock.t));
    w.bot.failNext('sendMessage', (p) => Number(p.chat_id) === slow, replies.tooManyRequests(120), 2);
    const n = telegramWorker(w, { clock, foldThreshold: 10 });
    const t0 = clock.t;
    expect(await n.drain()).toMatchObject({ sent: 2, retried: 1, failed: 0 });
    expect(w.bot.sentTo(1912)).toHaveLength(2);
    const mine = deliveries.filter((d) => d.subscriber.kind === 'telegram' && d.subscriber.chatId === slow);
    const held = (await Promise.all(mine.map((d) => status(w, d)))).find((d) => d.attempts === 1)!;
    expect(held.status).toBe('pending');
    expect(Date.parse(held.notBefore) - t0).toBeGreaterThanOrEqual(120_000);
    expect(held.lastError).toMatch(/429/);

    clock.t = t0 + 119_000;
    expect(await n.drain()).toMatchObject({ taken: 0 });
    expect(attemptsTo(w, slow)).toHaveLength(1);
    clock.t = Date.parse(held.notBefore);
    expect(await n.drain()).toMatchObject({ retried: 1 }); // refused a second time: back in line again, never dropped
    clock.t = Date.parse((await w.app.outbox.get(held.key))!.notBefore);
    expect(await n.drain()).toMatchObject({ sent: 2, failed: 0 });
    expect(w.bot.sentTo(slow)).toHaveLength(2);
    for (const d of deliveries) expect((await status(w, d)).status).toBe('sent');
    expect(await metric(w, 'tidings_telegram_retried_total', { reason: 'rate_limited' })).toBe(2);
  });
});

describe('hostile #20: Telegram 403 (bot blocked) and 400 chat not found', () => {
  it('pauses the subscriptions after one request, fails the rest without a retry storm, and /stats shows why', async () => {
    const w = await makeWorld();
    const clock = new JumpClock(Date.now());
    const blocked = 2001;
    const gone = 2002;
    const fine = 2003;
    const subs = new Map<number, Subscription[]>();
    for (const chat of [blocked, gone, fine]) subs.set(chat, [await subscribe(w, { kind: 'telegram', chatId: chat }), await subscribe(w, { kind: 'telegram', chatId: chat }, '会议')]);
    const deliveries = await publish(w, [article(), article(), article()], new Date(clock.t));
    w.bot.failNext('sendMessage', (p) => Number(p.chat_id) === blocked, replies.blocked(), 100);
    w.bot.failNext('sendMessage', (p) => Number(p.chat_id) === gone, replies.chatNotFound(), 100);
    const told: number[] = [];
    const n = telegramWorker(w, { clock, foldThreshold: 10, onChatBlocked: (chat) => void told.push(chat) });

    expect(await n.drain()).toMatchObject({ sent: 3, failed: 6, pausedChats: 2, retried: 0 });
    expect(attemptsTo(w, blocked)).toHaveLength(1);
    expect(attemptsTo(w, gone)).toHaveLength(1);
    expect(w.bot.sentTo(fine)).toHaveLength(3);
    for (const chat of [blocked, gone]) {
      for (const s of subs.get(chat)!) expect(await w.app.subscriptions.get(s.id)).toMatchObject({ paused: true, pausedReason: 'blocked' });
    }
    for (const s of subs.get(fine)!) expect((await w.app.subscriptions.get(s.id))!.paused).toBe(false);
    for (const d of deliveries) {
      const s = await status(w, d);
      expect(s.status).toBe(d.subscriber.kind === 'telegram' && d.subscriber.chatId === fine ? 'sent' : 'failed');
    }
    expect(told.sort()).toEqual([blocked, gone]);
    expect(await metric(w, 'tidings_telegram_paused_chats_total')).toBe(2);
    expect(await metric(w, 'tidings_telegram_failed_total', { reason: 'blocked' })).toBe(6);

    // Later stories and later drains: nothing is recorded or sent for the paused chats.
    clock.t += 3_600_000;
    await publish(w, [article(), article()], new Date(clock.t));
    for (let i = 0; i < 3; i++) {
      await n.drain();
      clock.t += 600_000;
    }
    expect(attemptsTo(w, blocked)).toHaveLength(1);
    expect(attemptsTo(w, gone)).toHaveLength(1);
    expect(w.bot.sentTo(fine)).toHaveLength(5);

    // Admins can see why.
    w.tidingsBot = createTidingsBot(botDepsFromApp(w.app, 'secret', { maxRetries: 0 }));
    await w.tidingsBot.start();
    const before = w.bot.sentTo(ADMIN.id).length;
    w.bot.pushMessage('/stats', ADMIN);
    await w.bot.waitFor(() => w.bot.sentTo(ADMIN.id).length > before, 10_000, 'the /stats reply');
    const stats = visibleText(String(w.bot.sentTo(ADMIN.id)[before]!.params.text));
    expect(stats).toContain('Paused chats (2)');
    expect(stats).toContain(`${blocked} 2 subscriptions — the bot was blocked or removed`);
    expect(stats).toContain(`${gone} 2 subscriptions — the bot was blocked or removed`);
  });
});

describe('hostile #21: the server accepts, then the connection drops before the answer', () => {
  it('README "Delivery guarantee" promises no loss, duplicates only for sends in flight; this is the policy for a drop', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = (/### Delivery guarantee\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '').replace(/\s+/g, ' ');
    expect(section).toContain('a message and the connection drops before the answer: it is sent again');
    expect(section).toContain('Duplicates are therefore possible only for sends in flight at a crash or a dropped connection, never losses');
  });

  it('Telegram: the alert is sent again (at least once, never lost), counted as a dropped retry; other chats get exactly one', async () => {
    const w = await makeWorld();
    const clock = new JumpClock(Date.now());
    await subscribe(w, { kind: 'telegram', chatId: 2101 });
    await subscribe(w, { kind: 'telegram', chatId: 2102 });
    const deliveries = await publish(w, [article()], new Date(clock.t));
    w.bot.dropAfterAccept('sendMessage', (p) => Number(p.chat_id) === 2101);
    const n = telegramWorker(w, { clock });

    expect(await n.drain()).toMatchObject({ sent: 1, retried: 1, failed: 0 });
    const mine = deliveries.find((d) => d.subscriber.kind === 'telegram' && d.subscriber.chatId === 2101)!;
    const held = await status(w, mine);
    expect(held).toMatchObject({ status: 'pending', attempts: 1 });
    expect(held.lastError).toMatch(/network/);
    expect(w.bot.sentTo(2101)).toHaveLength(1); // Telegram has it already
    expect(await metric(w, 'tidings_telegram_retried_total', { reason: 'dropped' })).toBe(1);
    expect(await metric(w, 'tidings_telegram_retried_total', { reason: 'transient' })).toBe(0);

    clock.t = Date.parse(held.notBefore);
    expect(await n.drain()).toMatchObject({ sent: 1, failed: 0 });
    // At least once: the user has it twice, the record says sent; the other chat once.
    expect(w.bot.sentTo(2101)).toHaveLength(2);
    expect(w.bot.sentTo(2102)).toHaveLength(1);
    for (const d of deliveries) expect(await status(w, d)).toMatchObject({ status: 'sent' });
    expect(await n.drain()).toMatchObject({ taken: 0 });
    expect(w.bot.sentTo(2101)).toHaveLength(2);
  });

  it('SMTP: the message is sent again with the same Message-ID, counted in tidings_email_ambiguous_total', async () => {
    const w = await makeWorld({ smtp: true });
    let t = Date.now();
    await subscribe(w, { kind: 'email', address: 'drop@example.com' });
    const [d] = await publish(w, [article()], new Date(t));
    let data = 0;
    w.smtp!.onData = () => (++data === 1 ? 'drop' : undefined);
    const n = await emailWorker(w, () => t);
    expect(await n.drain()).toMatchObject({ retried: 1, ambiguous: 1, sent: 0 });
    expect((await status(w, d!)).status).toBe('pending');
    expect(await metric(w, 'tidings_email_ambiguous_total')).toBe(1);
    expect(await metric(w, 'tidings_email_retried_total', { reason: 'dropped' })).toBe(1);
    t = Date.parse((await status(w, d!)).notBefore);
    expect(await n.drain()).toMatchObject({ sent: 1 });
    await w.smtp!.waitFor(2);
    const [first, second] = w.smtp!.received;
    expect(second!.parsed.messageId).toBe(first!.parsed.messageId);
    expect((await status(w, d!)).status).toBe('sent');
    expect(await n.drain()).toMatchObject({ taken: 0 });
    expect(w.smtp!.received).toHaveLength(2);
  });
});

describe('hostile #22: SMTP 421/450/451, then 550/553', () => {
  it('421, 450 and 451 are retried with a growing backoff and delivered', async () => {
    const w = await makeWorld({ smtp: true });
    let t = Date.now();
    await subscribe(w, { kind: 'email', address: 'busy@example.com' });
    const [d] = await publish(w, [article()], new Date(t));
    const script: ({ code: number; message: string } | undefined)[] = [
      { code: 421, message: 'Service not available, closing channel' },
      { code: 450, message: 'Mailbox unavailable, try later' },
      { code: 451, message: 'Local error in processing' },
    ];
    let rcpt = 0;
    w.smtp!.onRcpt = () => (rcpt++ === 1 ? script[1] : undefined);
    let data = 0;
    w.smtp!.onData = () => {
      data++;
      return data === 1 ? script[0] : data === 2 ? script[2] : undefined;
    };
    const n = await emailWorker(w, () => t);
    const waits: number[] = [];
    for (const code of [421, 450, 451]) {
      expect(await n.drain()).toMatchObject({ retried: 1, sent: 0, failed: 0 });
      const s = await status(w, d!);
      expect(s.status).toBe('pending');
      expect(s.lastError).toContain(String(code));
      waits.push(Date.parse(s.notBefore) - t);
      expect(await n.drain()).toMatchObject({ taken: 0 }); // not before the backoff
      t = Date.parse(s.notBefore);
    }
    expect(waits).toEqual([22_500, 45_000, 90_000]);
    expect(await n.drain()).toMatchObject({ sent: 1 });
    await w.smtp!.waitFor(1);
    expect(w.smtp!.received).toHaveLength(1);
    expect((await status(w, d!)).status).toBe('sent');
    expect(await metric(w, 'tidings_email_retried_total', { reason: 'transient' })).toBe(3);
  });

  it('550 and 553 fail at once, count against the address, and pause it after EMAIL_MAX_FAILURES (2); others unaffected', async () => {
    const w = await makeWorld({ smtp: true });
    let t = Date.now();
    const bad = await subscribe(w, { kind: 'email', address: 'nobody@example.com' });
    const good = await subscribe(w, { kind: 'email', address: 'fine@example.com' });
    let refusals = 0;
    w.smtp!.onRcpt = (a) => (a === 'nobody@example.com' ? (refusals++ === 0 ? { code: 550, message: 'No such user' } : { code: 553, message: 'Mailbox name not allowed' }) : undefined);
    const n = await emailWorker(w, () => t);
    const mine: Delivery[] = [];
    for (const code of [550, 553]) {
      const ds = await publish(w, [article()], new Date(t));
      mine.push(...ds.filter((d) => d.subscriberKey === bad.subscriberKey));
      expect(await n.drain()).toMatchObject({ sent: 1, failed: 1, retried: 0 });
      const s = await status(w, mine.at(-1)!);
      expect(s.status).toBe('failed');
      expect(s.lastError).toContain(String(code));
      t += 60_000;
    }
    expect(await w.app.subscriptions.get(bad.id)).toMatchObject({ paused: true, pausedReason: 'bounced' });
    expect((await w.app.subscriptions.get(good.id))!.paused).toBe(false);
    expect(await metric(w, 'tidings_email_paused_addresses_total')).toBe(1);
    const rcpts = w.smtp!.rcpts.filter((a) => a === 'nobody@example.com').length;
    expect(rcpts).toBe(2); // one try each: no retry of a permanent failure
    await publish(w, [article()], new Date(t));
    await n.drain();
    expect(w.smtp!.rcpts.filter((a) => a === 'nobody@example.com')).toHaveLength(2);
    await w.smtp!.waitFor(3);
    expect(w.smtp!.received.map((m) => m.to.join())).toEqual(['fine@example.com', 'fine@example.com', 'fine@example.com']);
  });
});

describe('hostile #23: CRLF + Bcc: in a title, query, source name or address', () => {
  const evil = '\r\nBcc: victim@evil.example\r\nX-Injected: yes';

  it('one header line each and no extra recipient, checked on the raw message and the RCPT TO list', async () => {
    const w = await makeWorld({ smtp: true });
    const t = Date.now();
    // The query goes in through the subscription store (as the CLI and the pages add it):
    // "Bcc:" reads as an unknown field and is refused; CRLF with a bare Bcc is a query.
    await expect(subscribe(w, { kind: 'email', address: 'reader@example.com' }, `四方合作${evil}`)).rejects.toThrow(/unknown field "Bcc:"/);
    const sub = await subscribe(w, { kind: 'email', address: 'reader@example.com' }, '四方合作\r\nBcc victim@evil.example\r\nX-Injected yes');
    expect(sub.query).toContain('\r\n');
    await publish(w, [article({ title: `四方合作${evil}`, author: `记者${evil}`, text: `四方合作 Bcc victim X-Injected yes${evil}` })], new Date(t));
    const n = await emailWorker(w, () => t, { sourceName: () => `每日新闻网${evil}` });
    expect(await n.drain()).toMatchObject({ sent: 1, failed: 0 });
    await w.smtp!.waitFor(1);
    const m = w.smtp!.received[0]!;
    expect(w.smtp!.rcpts).toEqual(['reader@example.com']);
    expect(m.to).toEqual(['reader@example.com']);
    const lines = headerLines(m.raw);
    expect(lines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /^x-injected:/i.test(l))).toEqual([]);
    for (const name of ['subject', 'from', 'to', 'message-id']) expect(lines.filter((l) => l.toLowerCase().startsWith(`${name}:`)), name).toHaveLength(1);
    expect(m.parsed.bcc).toBeUndefined();
    expect(m.parsed.subject).not.toMatch(/[\r\n]/);
  });

  it('an address with CRLF or a second mailbox is refused at subscription time, and nothing is stored', async () => {
    const w = await makeWorld({ smtp: true });
    for (const address of [`reader@example.com${evil}`, 'reader@example.com\r\nRCPT TO:<victim@evil.example>', 'reader@example.com, victim@evil.example', 'reader@example.com\nBcc: victim@evil.example']) {
      await expect(subscribe(w, { kind: 'email', address })).rejects.toThrow(SubscriptionInputError);
    }
    expect(await w.app.subscriptions.all()).toEqual([]);
    await publish(w, [article()]);
    expect(await (await emailWorker(w, Date.now)).drain()).toMatchObject({ taken: 0 });
    expect(w.smtp!.rcpts).toEqual([]);
  });
});
