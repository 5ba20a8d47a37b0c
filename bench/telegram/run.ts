/**
 * bench/telegram: 10,000 alerts to 2,000 chats through the Telegram delivery worker and the
 * Bot API test double over loopback HTTP (the real grammY client, auto-retry installed).
 *
 *   npx tsx bench/telegram/run.ts [--chats 2000] [--per-chat 5] [--rate 150] [--store memory]
 *                                 [--keep-alive-ms 5000]
 *
 * Every alert is a real delivery in the outbox with its article in the store; one drain
 * sends them all. Reported: drain time against the time the configured overall rate allows
 * (achieved / configured rate, target ≥ 95 %), messages sent, lost (a delivery not `sent`
 * at the end; must be 0), duplicates (a chat given the same article twice; must be 0), the
 * per-chat gap and the busiest second as the server saw them, and peak RSS.
 *
 * The fold threshold is set above the alerts per chat (10 > 5), so each alert is its own
 * message: folding would turn 5 alerts into one message and measure the renderer, not the
 * send path and its rate limits.
 *
 * `--keep-alive-ms` sets how long the test double keeps an idle connection (Node's default,
 * 5 s, unless given). With 2,000 chats each chat's next message comes ~13 s after its last,
 * so at 5 s the client keeps reconnecting, and some requests stall for seconds on loopback.
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Outbox } from '../../src/delivery/outbox.js';
import type { Article } from '../../src/domain/article.js';
import type { Delivery } from '../../src/domain/subscription.js';
import { ChatPrefs } from '../../src/notify/telegram/chat-prefs.js';
import { createTelegramApi, TelegramNotifier } from '../../src/notify/telegram/telegram-notifier.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { startFakeBotApi } from '../../test/helpers/fake-bot-api.js';
import { storedArticle } from '../../test/helpers/articles.js';

const { values } = parseArgs({
  options: {
    chats: { type: 'string', default: '2000' },
    'per-chat': { type: 'string', default: '5' },
    rate: { type: 'string', default: '150' },
    store: { type: 'string', default: 'memory' },
    'keep-alive-ms': { type: 'string' },
  },
});
const CHATS = Number(values.chats);
const PER_CHAT = Number(values['per-chat']);
const RATE = Number(values.rate);
const FOLD_THRESHOLD = PER_CHAT * 2;
const ARTICLES = 1000;

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);

function article(i: number): Article {
  const id = `bench-${i}`;
  return storedArticle({
    id,
    sourceId: `src-${i % 40}`,
    url: `https://www.region${i % 40}.example.gov.cn/xwdt/2024/${id}.html`,
    title: `关于推进长三角一体化示范区第${i}批重点项目建设的通知`,
    text: `为深入推进长三角一体化发展，示范区执委会确定第${i}批重点项目。\n各有关单位要加快推进项目建设，确保按期完成年度目标任务。`,
    summary: `为深入推进长三角一体化发展，示范区执委会确定第${i}批重点项目。各有关单位要加快推进项目建设。`,
    html: '<p>为深入推进长三角一体化发展。</p>',
    storedAt: '2024-10-13T10:50:00.000Z',
  });
}

async function main(): Promise<void> {
  const kv = await openKeyValue(values.store!);
  const store = createStore(kv);
  const outbox = new Outbox(kv, store, 86_400_000);
  const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
  const bot = await startFakeBotApi();
  if (values['keep-alive-ms'] !== undefined) {
    bot.keepAliveTimeoutMs = Number(values["keep-alive-ms"]);
  }

  const setupStart = performance.now();
  for (let i = 0; i < ARTICLES; i++) await store.putArticle(article(i));
  const deliveries: Delivery[] = [];
  const created = Date.now() - 3_600_000;
  for (let c = 0; c < CHATS; c++) {
    const chatId = 100_000 + c;
    const sub = await subs.add({ subscriber: { kind: 'telegram', chatId }, query: '长三角 一体化', createdBy: 'bench' });
    for (let k = 0; k < PER_CHAT; k++) {
      const a = (c * PER_CHAT + k) % ARTICLES;
      const at = new Date(created + k * CHATS + c).toISOString();
      deliveries.push({
        key: `telegram:${sub.subscriberKey}:story-${a}`,
        channel: 'telegram',
        subscriberKey: sub.subscriberKey,
        subscriber: { kind: 'telegram', chatId },
        subscriptionIds: [sub.id],
        articleId: `bench-${a}`,
        storyKey: `story-${a}`,
        status: 'pending',
        attempts: 0,
        createdAt: at,
        notBefore: at,
      });
    }
  }
  const recorded = await outbox.enqueue(deliveries);
  if (recorded.length !== deliveries.length) throw new Error(`enqueue recorded ${recorded.length} of ${deliveries.length}`);
  const setupMs = performance.now() - setupStart;

  const notifier = new TelegramNotifier({
    api: createTelegramApi('123:bench', bot.url),
    outbox,
    subscriptions: subs,
    store,
    sourceName: (id) => `地区政府网 ${id}`,
    chatPrefs: new ChatPrefs(kv),
    limits: { globalPerSecond: RATE, perChatIntervalMs: 1000, groupPerMinute: 20 },
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    timeZone: 'Asia/Shanghai',
    foldThreshold: FOLD_THRESHOLD,
  });

  // When the worker committed to each send (the limiter's take), to compare with arrival.
  const takes: { chatId: number; at: number }[] = [];
  const take = notifier.limiter.take.bind(notifier.limiter);
  notifier.limiter.take = (chatId) => {
    takes.push({ chatId, at: Date.now() });
    take(chatId);
  };

  // Start-up measured on its own: compiling the templates and date formats for the first
  // render (the OpenCC dictionaries load with the modules, before this).
  const warmStart = performance.now();
  notifier.warmUp();
  const warmMs = performance.now() - warmStart;

  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const startEpoch = Date.now();
  const report = await notifier.drain();
  const drainMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);

  // Every delivery must end sent; each chat gets each article once.
  let lost = 0;
  for (const d of deliveries) if ((await outbox.get(d.key))?.status !== 'sent') lost++;
  const seen = new Map<string, number>();
  for (const m of bot.sent) {
    const url = /href="([^"]+)"/.exec(String(m.params.text))?.[1] ?? '';
    const key = `${String(m.params.chat_id)} ${url}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const duplicates = [...seen.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
  const attempts = bot.callsOf('sendMessage').length;

  // As the server saw it: the smallest gap between two messages to one chat, and the busiest second.
  const byChat = new Map<string, number[]>();
  for (const m of bot.sent) {
    const list = byChat.get(String(m.params.chat_id)) ?? [];
    list.push(m.at);
    byChat.set(String(m.params.chat_id), list);
  }
  let minGap = Infinity;
  for (const times of byChat.values()) for (let i = 1; i < times.length; i++) minGap = Math.min(minGap, times[i]! - times[i - 1]!);
  const takesByChat = new Map<number, number[]>();
  for (const t of takes) takesByChat.set(t.chatId, [...(takesByChat.get(t.chatId) ?? []), t.at]);
  let minTakeGap = Infinity;
  for (const list of takesByChat.values()) for (let i = 1; i < list.length; i++) minTakeGap = Math.min(minTakeGap, list[i]! - list[i - 1]!);
  // Take → arrival at the server, per chat in order (the n-th take of a chat is its n-th message).
  const lags: number[] = [];
  for (const [chatId, list] of takesByChat) {
    const arrived = byChat.get(String(chatId)) ?? [];
    list.forEach((t, i) => arrived[i] !== undefined && lags.push(arrived[i]! - t));
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? NaN;
  const times = bot.sent.map((m) => m.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }

  const messages = bot.sent.length;
  const burst = Math.max(1, Math.ceil(RATE / 5));
  const idealMs = (Math.max(0, messages - burst) / RATE) * 1000;
  const achievedRate = messages / (drainMs / 1000);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);

  const rows: [string, string][] = [
    ['alerts', `${deliveries.length} (${CHATS} chats × ${PER_CHAT}), fold threshold ${FOLD_THRESHOLD}`],
    ['configured rate', `${RATE}/s overall, 1/s per chat; server keep-alive ${values['keep-alive-ms'] ?? '120000 (default)'} ms`],
    ['setup (not timed)', `${(setupMs / 1000).toFixed(1)} s`],
    ['warm-up (not timed)', `${warmMs.toFixed(0)} ms (first render)`],
    ['first send', `${takes.length > 0 ? (takes[0]!.at - startEpoch).toFixed(0) : '?'} ms after the drain started`],
    ['drain time', `${(drainMs / 1000).toFixed(2)} s (ideal at ${RATE}/s: ${(idealMs / 1000).toFixed(2)} s)`],
    ['achieved rate', `${achievedRate.toFixed(1)}/s = ${((achievedRate / RATE) * 100).toFixed(1)} % of configured (ideal time / drain time ${((idealMs / drainMs) * 100).toFixed(1)} %)`],
    ['messages sent', `${messages} (sendMessage calls ${attempts}); report ${JSON.stringify(report)}`],
    ['lost', String(lost)],
    ['duplicates', String(duplicates)],
    ['per chat, smallest gap', `${minTakeGap} ms at the worker (limiter), ${minGap} ms at the server`],
    ['take → arrival', `median ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms (loopback HTTP in the same process)`],
    ['busiest second', `${busiest} messages`],
    ['CPU', `${((cpu.user + cpu.system) / 1000 / drainMs * 100).toFixed(0)} % of one core during the drain (server and worker in one process)`],
    ['peak RSS', `${(peakRss / 1024 / 1024).toFixed(0)} MiB`],
    ['machine', `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

  await bot.close();
  await store.close();
  const ok = lost === 0 && duplicates === 0 && messages === deliveries.length && minTakeGap >= 1000 && achievedRate / RATE >= 0.95;
  if (!ok) {
    console.error('FAILED: a target was missed (lost, duplicates, messages, per-chat gap or ≥ 95 % of the configured rate)');
    process.exitCode = 1;
  }
}

await main();
