/**
 * Subscription names and hashtags in emails, end to end through the email worker and a real
 * SMTP server on loopback (as email-notifier.test.ts): the subject, the matched line and the
 * unsubscribe links name a subscription by its label (its name, else its query), its hashtags
 * are a `#a #b` line under the title in both parts and an `X-Tidings-Tags` header; a name
 * cannot add a header; digests keep one group per subscription headed by its label; without
 * a name or hashtags (or with them cleared) the message is what it was before they existed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src/delivery/dispatch.js';
import { Outbox } from '../../../src/delivery/outbox.js';
import type { Article } from '../../../src/domain/article.js';
import type { Delivery, Subscription } from '../../../src/domain/subscription.js';
import { silentLogger } from '../../../src/ops/logger.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { EmailNotifier, emailMetrics } from '../../../src/notify/email/email-notifier.js';
import { renderAlertEmail, type EmailContext } from '../../../src/notify/email/render-email.js';
import { unsubscribeAllUrl, unsubscribeUrl } from '../../../src/notify/email/tokens.js';
import { createMailTransport } from '../../../src/notify/email/transport.js';
import { openKeyValue, type KeyValue } from '../../../src/store/keyv-store.js';
import { createStore, type Store } from '../../../src/store/store.js';
import { SubscriptionStore } from '../../../src/subscriptions/subscription-store.js';
import { headerLines, startSmtpDouble, type Received, type SmtpDouble } from './smtp-double.js';
import { storedArticle } from '../../helpers/articles.js';

const SECRET = 'test-secret-0123456789abcdef';
const PUBLIC_URL = 'https://news.example.org';
const MAIL_FROM = 'tidings <alerts@news.example.org>';
const T0 = Date.parse('2024-10-13T12:00:00Z');
const ADDRESS = 'reader@example.com';
const TITLE = '第七次全国科技援疆暨“四方合作”推进会议在乌鲁木齐召开';
const TEXT = '推进会议在乌鲁木齐召开，共商科技援疆的目标思路和任务举措。';

interface Env {
  kv: KeyValue;
  store: Store;
  subs: SubscriptionStore;
  dispatcher: Dispatcher;
  notifier: EmailNotifier;
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
  const transport = createMailTransport(smtp.url, { maxConnections: 2 });
  const metrics = createMetrics({ defaultMetrics: false });
  env = {
    kv,
    store,
    subs,
    dispatcher: new Dispatcher(subs, outbox, { timeZone: 'Asia/Shanghai', alertSpam: false }),
    notifier: new EmailNotifier({
      transport,
      outbox,
      subscriptions: subs,
      store,
      kv,
      sourceName: (id) => ({ mrxw: '每日新闻网' })[id] ?? id,
      logger: silentLogger(),
      metrics: emailMetrics(metrics.registry),
      render: { publicUrl: PUBLIC_URL, secret: SECRET, mailFrom: MAIL_FROM },
      timeZone: 'Asia/Shanghai',
      maxFailures: 3,
      concurrency: 4,
      now: () => env.t,
      random: () => 0.5,
    }),
    smtp,
    transport,
    t: T0,
  };
});

afterEach(async () => {
  env.transport.close();
  await env.smtp.close();
  await env.store.close();
});

let seq = 0;

function article(over: Partial<Article> = {}): Article {
  const n = ++seq;
  return storedArticle({ id: `mrxw-${n}`, url: `https://www.mrxw.example/kjqy/2024-10-13/88${n}.html`, title: TITLE, text: TEXT, summary: TEXT, html: `<p>${TEXT}</p>`, ...over });
}

async function subscribe(query: string, over: { name?: string; hashtags?: string; digestAt?: string } = {}): Promise<Subscription> {
  return env.subs.add({
    subscriber: { kind: 'email', address: ADDRESS },
    query,
    ...(over.name !== undefined ? { name: over.name } : {}),
    ...(over.hashtags !== undefined ? { hashtags: over.hashtags } : {}),
    ...(over.digestAt ? { mode: 'digest' as const, digestAt: over.digestAt } : {}),
    createdBy: 'cli',
  });
}

/** Store the articles, record their deliveries as a poll would, send them, and return what the server got. */
async function send(articles: Article[], expected: number): Promise<{ deliveries: Delivery[]; received: Received[] }> {
  for (const a of articles) await env.store.putArticle(a);
  const deliveries = await env.dispatcher.dispatch(articles, new Date(env.t));
  await env.notifier.drain();
  await env.smtp.waitFor(expected);
  return { deliveries, received: env.smtp.received };
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

const CODE = '<code style="font-family:Menlo,Consolas,monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px;">';

describe('alert emails with a subscription name and hashtags', () => {
  it('subject, matched line and unsubscribe link show the name; the tags are a line under the title in both parts and an X-Tidings-Tags header', async () => {
    const sub = await subscribe('四方合作 OR 援疆', { name: '新疆 合作', hashtags: '#新疆, 科技援疆' });
    const { received } = await send([article()], 1);
    const m = received[0]!;
    const mail = m.parsed;

    // Subject: encoded on the wire (RFC 2047), the name instead of the query when decoded.
    const subject = header(m.raw, 'Subject');
    expect(subject).toHaveLength(1);
    expect(subject[0]).toMatch(/^=\?UTF-8\?[BQ]\?/);
    expect(decodeWords(subject[0]!)).toBe(`[tidings] 新疆 合作: ${TITLE}`);
    expect(mail.subject).toBe(`[tidings] 新疆 合作: ${TITLE}`);

    // X-Tidings-Tags: one header, the tags without `#`, comma-separated; the query is still in X-Tidings-Query.
    const tags = header(m.raw, 'X-Tidings-Tags');
    expect(tags).toHaveLength(1);
    expect(decodeWords(tags[0]!)).toBe('新疆, 科技援疆');
    expect(decodeWords(header(m.raw, 'X-Tidings-Query')[0]!)).toBe('四方合作 OR 援疆');

    // Text part: the tag line right under the title; the name (plain) as the matched subscription.
    const text = mail.text!.split('\n');
    expect(text.slice(0, 3)).toEqual([TITLE, '#新疆 #科技援疆', '']);
    expect(text).toContain('订阅：新疆 合作');
    expect(text).toContain('退订「新疆 合作」');
    expect(mail.text).not.toContain('四方合作 OR 援疆');

    // HTML part: the tag line right after the <h1>; the name as text, not as code.
    const html = mail.html as string;
    expect(html).toMatch(/<\/h1>\n<p dir="auto" style="[^"]*">#新疆 #科技援疆<\/p>\n<p style="margin:0 0 16px 0;font-size:14px;color:#656d76;">每日新闻网 · /);
    expect(html).toContain('订阅：新疆 合作</p>');
    expect(html).not.toContain(CODE);
    expect(html).toContain(`<a href="${unsubscribeUrl(PUBLIC_URL, SECRET, sub.id)}" style="color:#656d76;">退订「新疆 合作」</a>`);
  });

  it('ASCII tags go on the wire as they are, for filters that do not decode headers', async () => {
    await subscribe('四方合作', { hashtags: 'xinjiang science_tech' });
    const { received } = await send([article()], 1);
    const m = received[0]!;
    expect(header(m.raw, 'X-Tidings-Tags')).toEqual(['xinjiang, science_tech']);
    // No name: the subject and the matched line keep the query (as code in the HTML).
    expect(m.parsed.subject).toBe(`[tidings] 四方合作: ${TITLE}`);
    expect(m.parsed.text!.split('\n').slice(0, 2)).toEqual([TITLE, '#xinjiang #science_tech']);
    expect(m.parsed.html).toContain(`订阅：${CODE}四方合作</code></p>`);
  });

  it('two matching subscriptions: the first label and +1 in the subject, both in the matched line, their tags once each', async () => {
    await subscribe('四方合作', { name: '四方', hashtags: 'xinjiang 合作' });
    await subscribe('乌鲁木齐', { hashtags: '合作 urumqi' });
    const { received } = await send([article()], 1);
    const m = received[0]!;
    expect(m.parsed.subject).toBe(`[tidings] 四方 +1: ${TITLE}`);
    expect(decodeWords(header(m.raw, 'X-Tidings-Tags')[0]!)).toBe('xinjiang, 合作, urumqi');
    expect(m.parsed.text).toContain('#xinjiang #合作 #urumqi\n');
    expect(m.parsed.text).toContain('订阅：四方、乌鲁木齐');
    expect(m.parsed.html).toContain(`订阅：四方、${CODE}乌鲁木齐</code></p>`);
  });

  it('a name or a tag carrying CR/LF (written to the store by other means) adds no header and no recipient', async () => {
    const evil = '\r\nBcc: victim@evil.example\r\nX-Injected: yes';
    const sub = await subscribe('四方合作');
    // normalizeSubscriptionName would make either one line: written to the store directly.
    await env.kv.set(`sub:${sub.id}`, { ...sub, name: `合作${evil}`, hashtags: [`tag${evil}`, 'ok'] });
    const { received } = await send([article()], 1);
    const m = received[0]!;
    expect(env.smtp.rcpts).toEqual([ADDRESS]);
    expect(m.to).toEqual([ADDRESS]);
    const lines = headerLines(m.raw);
    expect(lines.filter((l) => /^bcc:/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /^x-injected:/i.test(l))).toEqual([]);
    expect(lines.filter((l) => /^subject:/i.test(l))).toHaveLength(1);
    expect(m.parsed.bcc).toBeUndefined();
    expect(m.parsed.subject).toBe(`[tidings] 合作 Bcc: victim@evil.example X-Injected: yes: ${TITLE}`);
    expect(header(m.raw, 'X-Tidings-Tags')).toEqual(['tag_Bcc_victim_evil_example_X_Injected_yes, ok']);
    expect(m.parsed.text).not.toMatch(/\nX-Injected/);
  });

  it('without a name or hashtags the message is as before: query in subject and code, no tag line, no X-Tidings-Tags', async () => {
    const sub = await subscribe('四方合作');
    const a = article();
    const { received } = await send([a], 1);
    const m = received[0]!;
    expect(m.parsed.subject).toBe(`[tidings] 四方合作: ${TITLE}`);
    expect(header(m.raw, 'X-Tidings-Tags')).toEqual([]);
    expect(m.parsed.text).toBe(
      [
        TITLE,
        '',
        '每日新闻网 · 2024-10-13 18:44',
        '',
        TEXT,
        '',
        '订阅：四方合作',
        '',
        `URL: ${a.url}`,
        '来自 每日新闻网',
        '',
        '-- ',
        '您收到这封邮件，是因为订阅了 tidings 的关键词提醒。',
        '退订「四方合作」',
        `URL: ${unsubscribeUrl(PUBLIC_URL, SECRET, sub.id)}`,
        '退订全部',
        `URL: ${unsubscribeAllUrl(PUBLIC_URL, SECRET, ADDRESS)}`,
        '',
      ].join('\n'),
    );
    const html = m.parsed.html as string;
    expect(html).toMatch(/<\/h1>\n<p style="margin:0 0 16px 0;font-size:14px;color:#656d76;">每日新闻网 · /);
    expect(html).toContain(`订阅：${CODE}四方合作</code></p>`);
    expect(html).not.toMatch(/>#/);
  });

  it('a name and hashtags set and then cleared render exactly as a subscription that never had them', async () => {
    const plain = await subscribe('四方合作');
    const labelled = await env.subs.relabel(plain.id, plain.subscriberKey, { name: '合作', hashtags: 'a b' });
    expect(labelled).toMatchObject({ name: '合作', hashtags: ['a', 'b'] });
    const cleared = (await env.subs.relabel(plain.id, plain.subscriberKey, { name: '', hashtags: '' }))!;
    expect(cleared).toEqual(plain);
    const ctx: EmailContext = { publicUrl: PUBLIC_URL, secret: SECRET, mailFrom: MAIL_FROM, timeZone: 'Asia/Shanghai', lang: 'zh', now: new Date(T0) };
    const a = article();
    const render = (s: Subscription) => renderAlertEmail(ADDRESS, s.subscriberKey, { article: a, sourceName: '每日新闻网', alsoReportedBy: [], subscriptions: [s] }, ctx).message;
    expect(render(cleared)).toEqual(render(plain));
    expect(render({ ...plain, name: undefined, hashtags: [] })).toEqual(render(plain));
  });
});

describe('digest emails with subscription names', () => {
  it('one group per subscription, headed and listed in the contents by its label: a name as text, a query as code', async () => {
    const named = await subscribe('四方合作', { name: '合作动态', hashtags: 'xinjiang', digestAt: '08:00' });
    const plain = await subscribe('克拉玛依', { digestAt: '08:00' });
    // The same name on another subscription: still a group of its own.
    const twin = await subscribe('光伏', { name: '合作动态', digestAt: '08:00' });
    const articles = [
      article({ title: '四方合作早间消息', published: '2024-10-13T08:00:00+08:00' }),
      article({ title: '四方合作晚间消息', published: '2024-10-13T20:00:00+08:00' }),
      article({ title: '克拉玛依调研', text: '自治区科技厅赴克拉玛依市调研科技工作。', summary: '自治区科技厅赴克拉玛依市调研科技工作。', html: '', published: '2024-10-13T19:00:00+08:00' }),
      article({ title: '光伏项目签约', text: '光伏项目在哈密签约。', summary: '光伏项目在哈密签约。', html: '', published: '2024-10-13T18:00:00+08:00' }),
    ];
    for (const a of articles) await env.store.putArticle(a);
    await env.dispatcher.dispatch(articles, new Date(env.t));
    env.t = Date.parse('2024-10-14T00:00:00Z'); // 08:00 Asia/Shanghai
    expect(await env.notifier.drain()).toMatchObject({ taken: 4, messages: 1, digests: 1 });
    await env.smtp.waitFor(1);
    const m = env.smtp.received[0]!;
    expect(m.parsed.subject).toBe('[tidings] 每日摘要 2024-10-14：4 篇');

    // Text: each group's heading and its articles (titles only, newest first), in the order of the contents.
    const text = m.parsed.text!;
    const sections = text
      .slice(text.indexOf('\n== '), text.indexOf('\n-- \n'))
      .split(/\n(?=== )/)
      .filter((s) => s.trim() !== '')
      .map((s) => [/^== (.*) ==$/m.exec(s)![1], ...[...s.matchAll(/^\[\d+\] (.*)$/gm)].map((x) => x[1])]);
    expect(sections).toHaveLength(3);
    expect(sections).toEqual(
      expect.arrayContaining([
        ['订阅：合作动态', '四方合作晚间消息', '四方合作早间消息'],
        ['订阅：克拉玛依', '克拉玛依调研'],
        ['订阅：合作动态', '光伏项目签约'],
      ]),
    );
    const contents = text
      .slice(text.indexOf('目录'), text.indexOf('\n== '))
      .split('\n')
      .filter((l) => l.startsWith('* '));
    const count = (n: number) => `${n} 篇`;
    expect(contents).toEqual(sections.map((s) => `* ${s[0]!.replace('订阅：', '')} (${count(s.length - 1)})`));
    expect(text).toContain('退订「合作动态」');
    expect(text).toContain('退订「克拉玛依」');

    // HTML: the same groups; a name as text, a query as code, in the contents and the headings.
    const html = m.parsed.html as string;
    const code = '<code style="font-family:Menlo,Consolas,monospace;">';
    sections.forEach((s, i) => {
      const q = `q${i + 1}`;
      const label = s[0] === '订阅：克拉玛依' ? `${code}克拉玛依</code>` : '合作动态';
      expect(html).toContain(`<a href="#${q}" style="color:#1a56db;">${label}</a> (${count(s.length - 1)})`);
      expect(html).toMatch(new RegExp(`<h2 id="${q}"[^>]*><a name="${q}"></a>订阅：${label}</h2>`));
    });
    // The named subscriptions' queries are not shown (they are in X-Tidings-Query for filters).
    expect(html).not.toContain(`${code}四方合作`);
    expect(decodeWords(header(m.raw, 'X-Tidings-Query')[0]!).split(' | ').sort()).toEqual([named.query, plain.query, twin.query].sort());
  });

  it('without names the groups are headed by their queries, as before', async () => {
    await subscribe('四方合作', { digestAt: '08:00' });
    await subscribe('克拉玛依', { digestAt: '08:00' });
    const articles = [article({ title: '四方合作消息' }), article({ title: '克拉玛依调研', text: '克拉玛依。', summary: '克拉玛依。', html: '' })];
    for (const a of articles) await env.store.putArticle(a);
    await env.dispatcher.dispatch(articles, new Date(env.t));
    env.t = Date.parse('2024-10-14T00:00:00Z');
    await env.notifier.drain();
    await env.smtp.waitFor(1);
    const m = env.smtp.received[0]!;
    expect(m.parsed.text!.match(/^(\* .*|== .* ==)$/gm)).toEqual(['* 四方合作 (1 篇)', '* 克拉玛依 (1 篇)', '== 订阅：四方合作 ==', '== 订阅：克拉玛依 ==']);
    expect(m.parsed.html).toContain('<a href="#q1" style="color:#1a56db;"><code style="font-family:Menlo,Consolas,monospace;">四方合作</code></a>');
    expect(header(m.raw, 'X-Tidings-Tags')).toEqual([]);
  });
});
