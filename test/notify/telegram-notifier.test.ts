/**
 * The Telegram delivery worker against the Bot API test double over HTTP (the real grammY
 * client, auto-retry installed as in production), with a real outbox, subscriptions and
 * articles on the memory store.
 *
 * Timing: tests that look at Telegram's limits either use real time with small numbers (a
 * few messages 1 s apart) or a fake clock whose sleeps jump ahead at once, with the send
 * times recorded on that clock by an API transformer.
 */
import type { Api } from 'grammy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src/delivery/outbox.js';
import type { Article } from '../../src/domain/article.js';
import type { Delivery, Subscription } from '../../src/domain/subscription.js';
import { createMetrics, type Metrics } from '../../src/ops/metrics.js';
import { silentLogger } from '../../src/ops/logger.js';
import { ChatPrefs } from '../../src/notify/telegram/chat-prefs.js';
import type { RateLimits } from '../../src/notify/telegram/rate-limiter.js';
import { createTelegramApi, TelegramNotifier, transientBackoffMs, type TelegramNotifierDeps } from '../../src/notify/telegram/telegram-notifier.js';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { checkTelegramHtml, replies, startFakeBotApi, visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { storedArticle } from '../helpers/articles.js';
import { JumpClock } from '../helpers/jump-clock.js';

const T0 = Date.parse('2024-10-13T12:00:00Z');
const LIMITS: RateLimits = { globalPerSecond: 100, perChatIntervalMs: 1000, groupPerMinute: 20 };

interface Env {
  kv: KeyValue;
  store: Store;
  outbox: Outbox;
  subs: SubscriptionStore;
  prefs: ChatPrefs;
  metrics: Metrics;
  bot: FakeBotApi;
  api: Api;
  /** Send times of sendMessage calls on the test's clock (set by `notifier`). */
  sends: { chatId: number; at: number }[];
}

let env: Env;
let seq = 0;

beforeEach(async () => {
  const kv = await openKeyValue('memory');
  const store = createStore(kv);
  const bot = await startFakeBotApi();
  env = {
    kv,
    store,
    outbox: new Outbox(kv, store, 86_400_000),
    subs: new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 }),
    prefs: new ChatPrefs(kv),
    metrics: createMetrics({ defaultMetrics: false }),
    bot,
    api: createTelegramApi('123:test', bot.url),
    sends: [],
  };
});

afterEach(async () => {
  await env.bot.close();
  await env.store.close();
});

function notifier(over: Partial<TelegramNotifierDeps> = {}): TelegramNotifier {
  const clock = over.clock;
  env.api.config.use((prev, method, payload, signal) => {
    if (method === 'sendMessage') env.sends.push({ chatId: Number((payload as { chat_id: number }).chat_id), at: clock ? clock.now() : Date.now() });
    return prev(method, payload, signal);
  });
  return new TelegramNotifier({
    api: env.api,
    outbox: env.outbox,
    subscriptions: env.subs,
    store: env.store,
    sourceName: (id) => (id === 'shzf' ? '上海市人民政府' : id),
    chatPrefs: env.prefs,
    limits: LIMITS,
    logger: silentLogger(),
    metrics: env.metrics,
    timeZone: 'Asia/Shanghai',
    foldThreshold: 3,
    random: () => 0.5,
    ...over,
  });
}

function article(id: string, over: Partial<Article> = {}): Article {
  return storedArticle({
    id,
    sourceId: 'shzf',
    url: `https://www.shanghai.example.gov.cn/nw4411/20241013/${id}.html`,
    title: `长三角一体化示范区第${id}号通知 <试行> & 解读`,
    updated: '2024-10-13T18:44:04+08:00',
    text: `为推进长三角一体化发展，示范区执委会发布第${id}号通知。\n通知明确了下一阶段的重点任务。`,
    summary: `为推进长三角一体化发展，示范区执委会发布第${id}号通知。`,
    html: '<p>为推进长三角一体化发展。</p>',
    storedAt: '2024-10-13T10:50:00.000Z',
    ...over,
  });
}

async function subscribe(chatId: number, query = '长三角'): Promise<Subscription> {
  return env.subs.add({ subscriber: { kind: 'telegram', chatId }, query, createdBy: 'test' });
}

/** `n` alerts for a chat, each with its own article in the store, oldest first. */
async function alerts(chatId: number, n: number, opts: { sub?: Subscription; store?: boolean } = {}): Promise<Delivery[]> {
  const sub = opts.sub ?? (await subscribe(chatId));
  const out: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const id = `a${++seq}`;
    if (opts.store !== false) await env.store.putArticle(article(id));
    const at = new Date(T0 - 3_600_000 + seq * 1000).toISOString();
    out.push({
      key: `telegram:${sub.subscriberKey}:story-${id}`,
      channel: 'telegram',
      subscriberKey: sub.subscriberKey,
      subscriber: { kind: 'telegram', chatId },
      subscriptionIds: [sub.id],
      articleId: id,
      storyKey: `story-${id}`,
      status: 'pending',
      attempts: 0,
      createdAt: at,
      notBefore: at,
    });
  }
  expect(await env.outbox.enqueue(out)).toHaveLength(n);
  return out;
}

async function status(d: Delivery): Promise<Delivery> {
  return (await env.outbox.get(d.key))!;
}

async function counter(c: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await c.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

const attemptsTo = (chatId: number): RecordedCall[] => env.bot.callsOf('sendMessage').filter((c) => Number(c.params.chat_id) === chatId);

describe('TelegramNotifier', () => {
  it('asks the chat prefs once per message whether to send silently; without the question, or when it fails, alerts keep their sound', async () => {
    await env.prefs.setSilent(111, true);
    await alerts(111, 1);
    await alerts(112, 1);
    let asked = 0;
    const silent = async (chatId: number) => {
      asked++;
      return env.prefs.silent(chatId);
    };
    await notifier({ clock: new JumpClock(T0), chatPrefs: { language: (id) => env.prefs.language(id), silent } }).drain();
    // Two chats, sent in either order.
    expect(new Map(env.bot.sent.map((m) => [m.params.chat_id, m.params.disable_notification]))).toEqual(
      new Map<unknown, unknown>([
        [111, true],
        [112, undefined],
      ]),
    );
    expect(asked).toBe(2);

    // Callers that only give the language (older wiring), and a failing lookup: with sound.
    await alerts(111, 1);
    await notifier({ clock: new JumpClock(T0 + 60_000), chatPrefs: { language: (id) => env.prefs.language(id) } }).drain();
    await alerts(111, 1);
    const failing = { language: (id: number) => env.prefs.language(id), silent: () => Promise.reject(new Error('store down')) };
    await notifier({ clock: new JumpClock(T0 + 120_000), chatPrefs: failing }).drain();
    expect(env.bot.sent.slice(2).map((m) => [m.params.chat_id, m.params.disable_notification])).toEqual([
      [111, undefined],
      [111, undefined],
    ]);
  });

  it('sends one alert as one valid HTML message with the link and buttons', async () => {
    const [d] = await alerts(101, 1);
    const report = await notifier({ clock: new JumpClock(T0) }).drain();
    expect(report).toMatchObject({ taken: 1, sent: 1, failed: 0, retried: 0, messages: 1, folded: 0 });
    expect(env.bot.sent).toHaveLength(1);
    const msg = env.bot.sent[0]!;
    const text = String(msg.params.text);
    expect(msg.params.chat_id).toBe(101);
    expect(msg.params.parse_mode).toBe('HTML');
    expect(checkTelegramHtml(text)).toBeUndefined();
    const url = article(d!.articleId).url;
    expect(text).toContain(`href="${url}"`);
    expect(visibleText(text)).toContain('<试行> & 解读');
    const keyboard = (msg.params.reply_markup as { inline_keyboard: { text: string; url?: string; callback_data?: string }[][] }).inline_keyboard;
    expect(keyboard.flat().some((b) => b.url === url)).toBe(true);
    expect(keyboard.flat().some((b) => b.callback_data !== undefined)).toBe(true);
    expect(msg.params.link_preview_options).toEqual({ is_disabled: true });
    const done = await status(d!);
    expect(done.status).toBe('sent');
    expect(done.sentAt).toBe(new Date(T0).toISOString());
    expect(await env.outbox.pendingCount('telegram')).toBe(0);
    expect(await counter(env.metrics.telegramSent, { kind: 'alert' })).toBe(1);
    expect(await counter(env.metrics.telegramQueueDepth)).toBe(0);
    // Nothing is sent twice.
    expect(await notifier({ clock: new JumpClock(T0 + 60_000) }).drain()).toMatchObject({ taken: 0, messages: 0 });
    expect(env.bot.sent).toHaveLength(1);
  });

  it('folds more than foldThreshold alerts for one chat into one message, and marks all sent', async () => {
    const many = await alerts(102, 5);
    const few = await alerts(103, 2);
    const report = await notifier({ clock: new JumpClock(T0) }).drain();
    expect(report).toMatchObject({ taken: 7, sent: 7, messages: 3, folded: 1 });
    const folded = env.bot.sentTo(102);
    expect(folded).toHaveLength(1);
    const text = String(folded[0]!.params.text);
    expect(checkTelegramHtml(text)).toBeUndefined();
    for (const d of many) expect(text).toContain(`href="${article(d.articleId).url}"`);
    expect(visibleText(text)).toContain('5');
    // Two alerts are not more than the threshold: two messages, oldest first.
    const separate = env.bot.sentTo(103).map((c) => String(c.params.text));
    expect(separate).toHaveLength(2);
    expect(separate[0]).toContain(article(few[0]!.articleId).url);
    expect(separate[1]).toContain(article(few[1]!.articleId).url);
    for (const d of [...many, ...few]) expect((await status(d)).status).toBe('sent');
    expect(await counter(env.metrics.telegramSent, { kind: 'folded' })).toBe(1);
  });

  it('a short retry_after holds only that chat: it waits, others flow, then it is delivered', async () => {
    const [a] = await alerts(201, 1);
    await alerts(202, 2);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 201, replies.tooManyRequests(2));
    const report = await notifier().drain();
    expect(report).toMatchObject({ sent: 3, failed: 0 });
    const tries = attemptsTo(201);
    expect(tries).toHaveLength(2);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1950);
    // Chat 202's two messages (1 s apart) went while 201 waited.
    const other = env.bot.sentTo(202);
    expect(other).toHaveLength(2);
    expect(other[1]!.at).toBeLessThan(tries[1]!.at);
    expect((await status(a!)).status).toBe('sent');
  });

  it('a long retry_after puts the chat back in order, as often as it comes, and never drops it', async () => {
    const clock = new JumpClock(T0);
    const [first, second] = await alerts(301, 2);
    await alerts(302, 1);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 301, replies.tooManyRequests(30), 3);
    const n = notifier({ clock });

    const r1 = await n.drain();
    expect(r1).toMatchObject({ sent: 1, retried: 1, deferred: 1, failed: 0 });
    expect(env.bot.sentTo(302)).toHaveLength(1);
    const waiting = await status(first!);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(Date.parse(waiting.notBefore)).toBeGreaterThanOrEqual(T0 + 30_000);
    expect(waiting.lastError).toMatch(/429/);
    expect(n.limiter.blockedUntil(301)).toBeGreaterThanOrEqual(T0 + 30_000);

    // Before retry_after: nothing goes to the chat, not even its second alert.
    clock.t += 29_000;
    expect(await n.drain()).toMatchObject({ taken: 0 });
    expect(attemptsTo(301)).toHaveLength(1);

    for (let round = 2; round <= 3; round++) {
      clock.t = Math.max(clock.t, Date.parse((await status(first!)).notBefore));
      expect(await n.drain()).toMatchObject({ retried: 1, sent: 0 });
      expect(attemptsTo(301)).toHaveLength(round);
      expect((await status(first!)).attempts).toBe(round);
    }
    clock.t = Math.max(clock.t, Date.parse((await status(first!)).notBefore));
    expect(await n.drain()).toMatchObject({ sent: 2, failed: 0 });
    const delivered = env.bot.sentTo(301).map((c) => String(c.params.text));
    expect(delivered).toHaveLength(2);
    expect(delivered[0]).toContain(article(first!.articleId).url);
    expect(delivered[1]).toContain(article(second!.articleId).url);
    expect(await status(first!)).toMatchObject({ status: 'sent', attempts: 4 });
    expect(await counter(env.metrics.telegramRetried, { reason: 'rate_limited' })).toBe(3);
    // Each attempt came after the wait Telegram asked for (on the worker's clock).
    const times = env.sends.filter((s) => s.chatId === 301).map((s) => s.at);
    for (let i = 1; i < 4; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(30_000);
  });

  it.each([
    ['403 blocked', replies.blocked()],
    ['400 chat not found', replies.chatNotFound()],
  ])('%s: pauses the chat, fails its alerts, and sends it nothing more', async (_name, reply) => {
    const clock = new JumpClock(T0);
    const sub1 = await subscribe(401, '长三角');
    const sub2 = await subscribe(401, '一体化');
    const other = await subscribe(402, '长三角');
    const blocked = await alerts(401, 3, { sub: sub1 });
    await alerts(402, 1, { sub: other });
    env.bot.failNext('sendMessage', (p) => p.chat_id === 401, reply);
    const blockedChats: number[] = [];
    const n = notifier({ clock, onChatBlocked: (chatId) => void blockedChats.push(chatId) });

    expect(await n.drain()).toMatchObject({ sent: 1, failed: 3, pausedChats: 1, retried: 0 });
    expect(attemptsTo(401)).toHaveLength(1);
    for (const d of blocked) {
      const s = await status(d);
      expect(s.status).toBe('failed');
      expect(s.lastError).toBeTruthy();
    }
    expect((await status(blocked[0]!)).lastError).toContain(reply.body.description);
    for (const id of [sub1.id, sub2.id]) expect(await env.subs.get(id)).toMatchObject({ paused: true, pausedReason: 'blocked' });
    expect(await env.subs.get(other.id)).toMatchObject({ paused: false });
    expect(blockedChats).toEqual([401]);
    expect(await counter(env.metrics.telegramPausedChats)).toBe(1);
    expect(await counter(env.metrics.telegramFailed, { reason: 'blocked' })).toBe(3);

    // An alert recorded before the pause took effect fails without a request.
    const [late] = await alerts(401, 1, { sub: sub2 });
    clock.t += 60_000;
    expect(await n.drain()).toMatchObject({ failed: 1, messages: 0 });
    expect(attemptsTo(401)).toHaveLength(1);
    expect((await status(late!)).lastError).toMatch(/paused \(blocked\)/);
  });

  it("can't parse entities: the same alert goes as plain text and is marked sent", async () => {
    const [d] = await alerts(501, 1);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 501, replies.cantParse());
    expect(await notifier({ clock: new JumpClock(T0) }).drain()).toMatchObject({ sent: 1, failed: 0, messages: 1 });
    const tries = attemptsTo(501);
    expect(tries).toHaveLength(2);
    expect(tries[0]!.params.parse_mode).toBe('HTML');
    expect(tries[1]!.params.parse_mode).toBeUndefined();
    const plain = String(tries[1]!.params.text);
    expect(plain).toContain('<试行> & 解读');
    expect(plain).toContain(article(d!.articleId).url);
    expect(plain).not.toMatch(/<\/?[ab]>|&amp;/);
    expect(tries[1]!.params.reply_markup).toEqual(tries[0]!.params.reply_markup);
    expect(env.bot.sentTo(501)).toHaveLength(1);
    expect((await status(d!)).status).toBe('sent');
    expect(await counter(env.metrics.telegramSent, { kind: 'plain' })).toBe(1);
  });

  it("can't parse entities and the worker lease is lost meanwhile: no plain-text resend; pending again for the new holder", async () => {
    const [d] = await alerts(511, 1);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 511, replies.cantParse());
    let held = true;
    env.api.config.use(async (prev, method, payload, signal) => {
      const res = await prev(method, payload, signal);
      if (method === 'sendMessage') held = false; // the lease expires while the refusal comes back
      return res;
    });
    expect(await notifier({ clock: new JumpClock(T0), mayRun: () => held }).drain()).toMatchObject({ sent: 0, failed: 0, deferred: 1 });
    expect(attemptsTo(511)).toHaveLength(1);
    expect(await status(d!)).toMatchObject({ status: 'pending' });
    expect((await status(d!)).lastError).toMatch(/lease lost before the plain-text resend/);
  });

  it('another 400: sent once more as plain text without buttons; failed with both reasons when refused again', async () => {
    const clock = new JumpClock(T0);
    const [ok] = await alerts(601, 1);
    const [refused] = await alerts(602, 1);
    const buttonInvalid = { status: 400, body: { ok: false as const, error_code: 400, description: 'Bad Request: BUTTON_URL_INVALID' } };
    const tooLong = { status: 400, body: { ok: false as const, error_code: 400, description: 'Bad Request: message is too long' } };
    env.bot.failNext('sendMessage', (p) => p.chat_id === 601, buttonInvalid);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 602, tooLong, 2);
    expect(await notifier({ clock }).drain()).toMatchObject({ sent: 1, failed: 1 });
    const retry = attemptsTo(601)[1]!;
    expect(retry.params.parse_mode).toBeUndefined();
    expect(retry.params.reply_markup).toBeUndefined();
    expect((await status(ok!)).status).toBe('sent');
    expect(attemptsTo(602)).toHaveLength(2);
    const failed = await status(refused!);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/message is too long.*as plain text without buttons: 400: Bad Request: message is too long/);
    expect(await counter(env.metrics.telegramFailed, { reason: 'rejected' })).toBe(1);
  });

  it('500: back to pending with backoff, then delivered', async () => {
    const clock = new JumpClock(T0);
    const [d] = await alerts(701, 1);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 701, replies.serverError());
    const n = notifier({ clock });
    expect(await n.drain()).toMatchObject({ retried: 1, sent: 0, failed: 0 });
    const waiting = await status(d!);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting.lastError).toMatch(/500/);
    const retryAt = Date.parse(waiting.notBefore);
    expect(retryAt).toBe(clock.t + transientBackoffMs(1, () => 0.5));
    expect(await n.drain()).toMatchObject({ taken: 0 });
    clock.t = retryAt;
    expect(await n.drain()).toMatchObject({ sent: 1 });
    expect(attemptsTo(701)).toHaveLength(2);
    expect(await status(d!)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await counter(env.metrics.telegramRetried, { reason: 'transient' })).toBe(1);
  });

  it('500 again and again: retried for DELIVERY_RETRY_FOR from the first failure, then failed as expired; a 429 does not start the count', async () => {
    const clock = new JumpClock(T0);
    const [d] = await alerts(702, 1);
    env.bot.failNext('sendMessage', (p) => p.chat_id === 702, replies.tooManyRequests(30), 1);
    let down = true;
    env.bot.failNext('sendMessage', (p) => down && p.chat_id === 702, replies.serverError(), 1000);
    const n = notifier({ clock, retryForMs: 3_600_000 });
    expect(await n.drain()).toMatchObject({ retried: 1 });
    // Rate-limited: waits, but that is not a failure.
    expect((await status(d!)).firstFailedAt).toBeUndefined();
    clock.t = Date.parse((await status(d!)).notBefore);
    const first = clock.t;
    for (;;) {
      const r = await n.drain();
      const now = await status(d!);
      if (now.status !== 'pending') {
        expect(r).toMatchObject({ failed: 1 });
        break;
      }
      expect(now.firstFailedAt).toBe(new Date(first).toISOString());
      expect(clock.t - first).toBeLessThan(3_600_000);
      clock.t = Date.parse(now.notBefore);
    }
    const failed = await status(d!);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^given up after 1 h of failed attempts \(\d+\); last: .*500/);
    expect(clock.t - first).toBeGreaterThanOrEqual(3_600_000);
    expect(await counter(env.metrics.telegramFailed, { reason: 'expired' })).toBe(1);
    // The chat is not paused: a later alert goes out.
    const [later] = await alerts(702, 1, { sub: (await env.subs.listOf('telegram:702'))[0] });
    down = false;
    clock.t += 3_600_000;
    expect(await n.drain()).toMatchObject({ sent: 1 });
    expect((await status(later!)).status).toBe('sent');
  });

  it('backoff doubles from 5 s with jitter and is capped at an hour', () => {
    expect(transientBackoffMs(1, () => 0)).toBe(2_500);
    expect(transientBackoffMs(1, () => 0.999)).toBeLessThanOrEqual(5_000);
    expect(transientBackoffMs(3, () => 0)).toBe(10_000);
    expect(transientBackoffMs(40, () => 0.999)).toBeLessThanOrEqual(3_600_000);
    expect(transientBackoffMs(40, () => 0)).toBe(1_800_000);
  });

  it('an article gone from the store fails with a clear reason and sends nothing', async () => {
    const [d] = await alerts(801, 1, { store: false });
    expect(await notifier({ clock: new JumpClock(T0) }).drain()).toMatchObject({ failed: 1, messages: 0 });
    expect(env.bot.callsOf('sendMessage')).toHaveLength(0);
    expect((await status(d!)).lastError).toMatch(/article a\d+ is no longer in the store/);
    expect(await counter(env.metrics.telegramFailed, { reason: 'missing_article' })).toBe(1);
  });

  it('after a crash: a delivery left in sending is sent by the next worker; wake() drains at once', async () => {
    const [stuck] = await alerts(901, 1);
    await env.outbox.markSending(stuck!);
    expect((await status(stuck!)).status).toBe('sending');
    const n = notifier();
    n.start(60_000);
    try {
      await env.bot.waitForSent(1, 5_000);
      await expect.poll(async () => (await status(stuck!)).status).toBe('sent');
      expect((await status(stuck!)).attempts).toBe(2);
      // The loop sleeps a minute; wake() makes it look again now.
      const [fresh] = await alerts(902, 1);
      n.wake();
      await env.bot.waitForSent(2, 5_000);
      await expect.poll(async () => (await status(fresh!)).status).toBe('sent');
    } finally {
      await n.stop();
    }
  });

  it('stop() finishes the message in flight and starts nothing new', async () => {
    const [d] = await alerts(1001, 3);
    env.bot.latencyMs = 300;
    const n = notifier({ foldThreshold: 10 });
    n.start(60_000);
    await env.bot.waitFor(() => env.bot.callsOf('sendMessage').length >= 1, 5_000, 'a send in flight');
    await n.stop();
    expect(env.bot.sent).toHaveLength(1);
    expect((await status(d!)).status).toBe('sent');
    expect(await env.outbox.pendingCount('telegram')).toBe(2);
    const left = await env.outbox.due('telegram', new Date(T0), 10);
    expect(left.map((x) => x.status)).toEqual(['pending', 'pending']);
  });

  it('per chat: at most one message a second, in order, while other chats go at the same time (real time)', async () => {
    const a = await alerts(1101, 3);
    await alerts(1102, 3);
    const n = notifier({ foldThreshold: 10 });
    const started = Date.now();
    expect(await n.drain()).toMatchObject({ sent: 6, messages: 6 });
    const elapsed = Date.now() - started;
    const times = env.bot.sentTo(1101).map((c) => c.at);
    expect(times).toHaveLength(3);
    for (let i = 1; i < 3; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(env.bot.sentTo(1101).map((c) => String(c.params.text).includes(article(a[0]!.articleId).url))).toEqual([true, false, false]);
    // The two chats ran side by side: about 2 s in all, not 5.
    expect(elapsed).toBeLessThan(3_500);
    expect(env.bot.sentTo(1102)[0]!.at).toBeLessThan(times[1]!);
  });

  it('prepares at most prepareAhead sends ahead of the gate, and still sends every chat in order (fake clock)', async () => {
    const clock = new JumpClock(T0);
    const chats = Array.from({ length: 12 }, (_, i) => 1301 + i);
    for (const chat of chats) await alerts(chat, 2);
    const n = notifier({ clock, foldThreshold: 10, prepareAhead: 3, limits: { globalPerSecond: 50, perChatIntervalMs: 1000, groupPerMinute: 20 } });
    n.warmUp();
    // Marked sending but not yet granted by the gate: the prepared window.
    let waiting = 0;
    let most = 0;
    const markSending = env.outbox.markSending.bind(env.outbox);
    env.outbox.markSending = async (d) => {
      const next = await markSending(d);
      most = Math.max(most, ++waiting);
      return next;
    };
    const take = n.limiter.take.bind(n.limiter);
    n.limiter.take = (chatId) => {
      waiting--;
      take(chatId);
    };
    expect(await n.drain()).toMatchObject({ sent: 24, messages: 24, deferred: 0 });
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    for (const chat of chats) {
      const texts = env.bot.sentTo(chat).map((c) => String(c.params.text));
      expect(texts).toHaveLength(2);
      expect(Number(/第a(\d+)号/.exec(texts[0]!)![1])).toBeLessThan(Number(/第a(\d+)号/.exec(texts[1]!)![1]));
    }
  });

  it('groups: at most TELEGRAM_GROUP_RATE a minute; overall: at most TELEGRAM_RATE a second (fake clock)', async () => {
    const clock = new JumpClock(T0);
    await alerts(-1001, 25);
    for (let chat = 1201; chat <= 1230; chat++) await alerts(chat, 1);
    const n = notifier({ clock, foldThreshold: 100, limits: { globalPerSecond: 10, perChatIntervalMs: 1000, groupPerMinute: 20 } });
    // Sends are timed where the worker commits to them (the limiter's take), on the fake clock.
    const taken: { chatId: number; at: number }[] = [];
    const take = n.limiter.take.bind(n.limiter);
    n.limiter.take = (chatId) => {
      taken.push({ chatId, at: clock.now() });
      take(chatId);
    };
    expect(await n.drain()).toMatchObject({ sent: 55, messages: 55 });
    expect(taken).toHaveLength(55);
    expect(env.bot.sent).toHaveLength(55);
    const group = taken.filter((s) => s.chatId === -1001).map((s) => s.at);
    expect(group).toHaveLength(25);
    for (let i = 20; i < group.length; i++) expect(group[i]! - group[i - 20]!).toBeGreaterThanOrEqual(60_000);
    const all = taken.map((s) => s.at);
    // A bucket of 10/s with a burst of 2: any 21 sends span at least 1.9 s.
    for (let i = 20; i < all.length; i++) expect(all[i]! - all[i - 20]!).toBeGreaterThanOrEqual(1_900);
    // The private chats did not wait for the group's minute.
    const privateLast = Math.max(...taken.filter((s) => s.chatId > 0).map((s) => s.at));
    expect(privateLast).toBeLessThan(group[20]!);
  });
});
