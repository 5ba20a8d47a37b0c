/**
 * bench/email: deliveries a second through the email worker (EmailNotifier) and the pooled
 * nodemailer transport into a real SMTP server (smtp-server) on loopback.
 *
 *   npx tsx bench/email/run.ts [--addresses 1000] [--stories 3] [--pool 5] [--concurrency 10] [--store memory]
 *
 * Every delivery is real: subscriptions and articles on the store, the dispatcher records
 * the deliveries (one per address and story) in the outbox, one drain sends them all, one
 * message each (instant mode). Reported: drain time and deliveries a second (target ≥ 300/s),
 * messages the server received, lost (a delivery not `sent` at the end; must be 0),
 * duplicates (one Message-ID received twice; must be 0), CPU and peak RSS (the server and
 * the worker share the process, so both are counted).
 */
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Dispatcher } from '../../src/delivery/dispatch.js';
import { Outbox } from '../../src/delivery/outbox.js';
import type { Article } from '../../src/domain/article.js';
import { EmailNotifier, emailMetrics } from '../../src/notify/email/email-notifier.js';
import { createMailTransport } from '../../src/notify/email/transport.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { createStore } from '../../src/store/store.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { startSmtpDouble } from '../../test/notify/email/smtp-double.js';
import { storedArticle } from '../../test/helpers/articles.js';

const { values } = parseArgs({
  options: {
    addresses: { type: 'string', default: '1000' },
    stories: { type: 'string', default: '3' },
    pool: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '10' },
    store: { type: 'string', default: 'memory' },
  },
});
const ADDRESSES = Number(values.addresses);
const STORIES = Number(values.stories);
const POOL = Number(values.pool);
const CONCURRENCY = Number(values.concurrency);

const REPORT =
  '第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。新疆维吾尔自治区科技厅、兵团科技局与援疆省市科技部门签署了新一轮科技对口援疆创新合作协议。';

function article(i: number): Article {
  return storedArticle({
    id: `bench-${i}`,
    sourceId: `src-${i % 4}`,
    url: `https://www.mrxw.example/kjqy/2024-10-13/${8800 + i}.html`,
    title: `第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开（${i}）`,
    published: new Date(Date.UTC(2024, 9, 13, 10, i)).toISOString().replace('Z', '+00:00'),
    author: i % 2 ? '记者 李明' : null,
    origin: '央视新闻客户端',
    text: `${REPORT}\n${REPORT}`,
    summary: REPORT,
    html: `<p>${REPORT}</p><p>${REPORT}</p>`,
    tags: ['科技援疆'],
    storedAt: '2024-10-13T11:00:00Z',
  });
}

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 100);

const kv = await openKeyValue(values.store);
const store = createStore(kv);
const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
const outbox = new Outbox(kv, store, 86_400_000);
const dispatcher = new Dispatcher(subs, outbox, { timeZone: 'Asia/Shanghai', alertSpam: false });
const smtp = await startSmtpDouble({ parse: false });
const transport = createMailTransport(smtp.url, { maxConnections: POOL });
const metrics = createMetrics({ defaultMetrics: false });

const setupStart = performance.now();
for (let a = 0; a < ADDRESSES; a++) {
  await subs.add({ subscriber: { kind: 'email', address: `reader${a}@example.com` }, query: '科技援疆', createdBy: 'bench' });
}
const articles = Array.from({ length: STORIES }, (_, i) => article(i));
for (const a of articles) await store.putArticle(a);
const recorded = await dispatcher.dispatch(articles, new Date());
const setupMs = performance.now() - setupStart;

const notifier = new EmailNotifier({
  transport,
  outbox,
  subscriptions: subs,
  store,
  kv,
  sourceName: (id) => `每日新闻网 ${id}`,
  logger: silentLogger(),
  metrics: emailMetrics(metrics.registry),
  render: { publicUrl: 'https://news.example.org', secret: 'bench-secret-0123456789abcdef', mailFrom: 'tidings <alerts@news.example.org>' },
  timeZone: 'Asia/Shanghai',
  maxFailures: 3,
  concurrency: CONCURRENCY,
  batchSize: recorded.length + 10,
});

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const report = await notifier.drain();
const drainMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await smtp.waitFor(report.messages, 30_000);

const statuses = await Promise.all(recorded.map((d) => outbox.get(d.key)));
const lost = statuses.filter((d) => d?.status !== 'sent').length;
const ids = new Map<string, number>();
for (const m of smtp.received) {
  const id = /^Message-ID: (.*)$/im.exec(m.raw)?.[1] ?? '';
  ids.set(id, (ids.get(id) ?? 0) + 1);
}
const duplicates = [...ids.values()].reduce((sum, n) => sum + (n - 1), 0);
const bytes = smtp.received.reduce((sum, m) => sum + m.raw.length, 0);

clearInterval(sampler);
transport.close();
await smtp.close();
await store.close();

const rate = (report.sent / drainMs) * 1000;
const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
console.log(`bench/email: ${ADDRESSES} addresses × ${STORIES} stories, pool ${POOL}, concurrency ${CONCURRENCY}, store ${values.store}`);
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`);
line('setup (subscriptions, dispatch)', `${(setupMs / 1000).toFixed(2)} s, ${recorded.length} deliveries recorded`);
line('drain time', `${(drainMs / 1000).toFixed(2)} s`);
line('deliveries per second', `${rate.toFixed(0)}/s (target ≥ 300/s: ${rate >= 300 ? 'met' : 'NOT met'})`);
line('messages received by the server', `${smtp.received.length} (${(bytes / smtp.received.length / 1024).toFixed(1)} KiB each on average)`);
line('lost / duplicates', `${lost} / ${duplicates}`);
line('report', JSON.stringify(report));
line('CPU during the drain', `${(((cpu.user + cpu.system) / 1000 / drainMs) * 100).toFixed(0)} % of a core (server + worker)`);
line('peak RSS', `${(peakRss / 2 ** 20).toFixed(0)} MiB`);
