/**
 * bench/telegram/trace.ts: where the drain's time goes. The same workload as run.ts
 * (defaults: 2000 chats × 5 at 150/s, memory store), with instrumentation:
 *
 * - grants (the limiter's take) and arrivals at the double, per second;
 * - the send gate's waiters and the sends in flight, sampled every 50 ms (how often a token
 *   was free with nobody waiting);
 * - event-loop delay (p50/p99/max);
 * - time to the first grant (start-up: the first render loads the OpenCC dictionary);
 * - time spent in markSending / markSent per delivery.
 *
 *   npx tsx bench/telegram/trace.ts [--chats 2000] [--per-chat 5] [--rate 150]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Outbox } from '../../src/delivery/outbox.js';
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
    'no-warm-up': { type: 'boolean', default: false },
  },
});
const CHATS = Number(values.chats);
const PER_CHAT = Number(values['per-chat']);
const RATE = Number(values.rate);

async function main(): Promise<void> {
  const kv = await openKeyValue('memory');
  const store = createStore(kv);
  const outbox = new Outbox(kv, store, 86_400_000);
  const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
  const bot = await startFakeBotApi();
  for (let i = 0; i < 1000; i++) {
    await store.putArticle(
      storedArticle({
        id: `bench-${i}`, sourceId: `src-${i % 40}`, url: `https://www.region${i % 40}.example.gov.cn/xwdt/2024/bench-${i}.html`,
        title: `关于推进长三角一体化示范区第${i}批重点项目建设的通知`,
        text: `为深入推进长三角一体化发展，示范区执委会确定第${i}批重点项目。`, summary: `为深入推进长三角一体化发展，第${i}批。`,
        html: '<p>x</p>', storedAt: '2024-10-13T10:50:00.000Z',
      }),
    );
  }
  const deliveries: Delivery[] = [];
  const created = Date.now() - 3_600_000;
  for (let c = 0; c < CHATS; c++) {
    const chatId = 100_000 + c;
    const sub = await subs.add({ subscriber: { kind: 'telegram', chatId }, query: '长三角 一体化', createdBy: 'bench' });
    for (let k = 0; k < PER_CHAT; k++) {
      const a = (c * PER_CHAT + k) % 1000;
      const at = new Date(created + k * CHATS + c).toISOString();
      deliveries.push({ key: `telegram:${sub.subscriberKey}:story-${a}`, channel: 'telegram', subscriberKey: sub.subscriberKey, subscriber: { kind: 'telegram', chatId }, subscriptionIds: [sub.id], articleId: `bench-${a}`, storyKey: `story-${a}`, status: 'pending', attempts: 0, createdAt: at, notBefore: at });
    }
  }
  await outbox.enqueue(deliveries);

  const api = createTelegramApi('123:bench', bot.url);
  let inFlight = 0;
  const send = api.sendMessage.bind(api);
  api.sendMessage = (async (...args: Parameters<typeof send>) => {
    inFlight++;
    try {
      return await send(...args);
    } finally {
      inFlight--;
    }
  }) as typeof send;
  const storeMs = { markSending: 0, markSent: 0, n: 0 };
  for (const m of ['markSending', 'markSent'] as const) {
    const orig = (outbox[m] as (...a: unknown[]) => Promise<unknown>).bind(outbox);
    (outbox as unknown as Record<string, unknown>)[m] = async (...a: unknown[]) => {
      const t = performance.now();
      try {
        return await orig(...a);
      } finally {
        storeMs[m] += performance.now() - t;
        if (m === 'markSent') storeMs.n++;
      }
    };
  }
  const notifier = new TelegramNotifier({
    api, outbox, subscriptions: subs, store, sourceName: (id) => `地区政府网 ${id}`, chatPrefs: new ChatPrefs(kv),
    limits: { globalPerSecond: RATE, perChatIntervalMs: 1000, groupPerMinute: 20 }, logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }), timeZone: 'Asia/Shanghai', foldThreshold: PER_CHAT * 2,
  });
  const grants: number[] = [];
  const take = notifier.limiter.take.bind(notifier.limiter);
  notifier.limiter.take = (chatId) => {
    grants.push(Date.now());
    take(chatId);
  };
  const gate = (notifier as unknown as { gate: { waiters: unknown[] } }).gate;
  const samples: { t: number; waiters: number; inFlight: number }[] = [];
  if (!values['no-warm-up']) notifier.warmUp();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = Date.now();
  const sampler = setInterval(() => samples.push({ t: Date.now() - t0, waiters: gate.waiters?.length ?? -1, inFlight }), 50);
  const report = await notifier.drain();
  const drainMs = Date.now() - t0;
  clearInterval(sampler);
  loop.disable();

  const arrivals = bot.sent.map((m) => m.at).sort((a, b) => a - b);
  const firstGrant = (grants[0] ?? t0) - t0;
  const lastGrant = (grants[grants.length - 1] ?? t0) - t0;
  const lastArrival = (arrivals[arrivals.length - 1] ?? t0) - t0;
  const ideal = ((grants.length - Math.ceil(RATE / 5)) / RATE) * 1000;
  console.log(`drain ${drainMs} ms, ideal ${ideal.toFixed(0)} ms (${((ideal / drainMs) * 100).toFixed(1)} %); report ${JSON.stringify(report)}`);
  console.log(`first grant at ${firstGrant} ms; last grant ${lastGrant} ms; last arrival ${lastArrival} ms; grants ${firstGrant}..${lastGrant} → ${((grants.length / (lastGrant - firstGrant)) * 1000).toFixed(1)}/s`);
  const perSec = (ts: number[]) => {
    const out: number[] = [];
    for (const t of ts) out[Math.floor((t - t0) / 1000)] = (out[Math.floor((t - t0) / 1000)] ?? 0) + 1;
    return Array.from(out, (n) => n ?? 0);
  };
  console.log(`grants/s   ${perSec(grants).join(' ')}`);
  console.log(`arrivals/s ${perSec(arrivals).join(' ')}`);
  const empty = samples.filter((s) => s.waiters === 0 && s.t > firstGrant && s.t < lastGrant).length;
  const active = samples.filter((s) => s.t > firstGrant && s.t < lastGrant);
  console.log(`gate empty in ${empty}/${active.length} samples; waiters median ${median(active.map((s) => s.waiters))}; in flight median ${median(active.map((s) => s.inFlight))} max ${Math.max(...samples.map((s) => s.inFlight))}`);
  console.log(`event-loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`);
  console.log(`store: markSending ${(storeMs.markSending / storeMs.n).toFixed(2)} ms, markSent ${(storeMs.markSent / storeMs.n).toFixed(2)} ms per delivery (wall, incl. waits)`);
  const gaps = grants.slice(1).map((g, i) => g - grants[i]!);
  const hist = new Map<number, number>();
  for (const g of gaps) hist.set(Math.min(g, 50), (hist.get(Math.min(g, 50)) ?? 0) + 1);
  console.log(`grant gaps (ms:count) ${[...hist].sort((a, b) => a[0] - b[0]).map(([g, n]) => `${g}:${n}`).join(' ')}`);
  await bot.close();
  await store.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

await main();
