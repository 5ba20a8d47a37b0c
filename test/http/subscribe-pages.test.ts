/**
 * Self-service email subscriptions over real HTTP (the product's server on 127.0.0.1 with
 * createSubscribeRoutes) and real SMTP (smtp-server on loopback, read with mailparser, sent
 * through the product's pooled nodemailer transport): subscribe → confirmation email →
 * confirm → active → unsubscribe (page and RFC 8058 one-click) → gone; invalid addresses and
 * queries, forged and expired tokens, CRLF in the address, cross-site and stale forms, and the
 * per-client and per-address limits, each checked against the store and the mailbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { startHttpServer, type Route, type RunningHttpServer } from '../../src/http/server.js';
import { clientKey, createSubscribeRoutes } from '../../src/http/subscribe-pages.js';
import { pageLang } from '../../src/http/page-i18n.js';
import { signToken, unsubscribeAllUrl, unsubscribeUrl } from '../../src/notify/email/tokens.js';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp-catcher.js';
import type { IncomingMessage } from 'node:http';
import { recentArticle, recentArticles, xjkjtSource } from '../helpers/articles.js';

const source = xjkjtSource;
const articles = recentArticles();

interface Reply {
  status: number;
  headers: Headers;
  body: string;
}

/** The visible text of a page (tags dropped, entities decoded, spaces collapsed). */
function visible(html: string): string {
  const { document } = parseHTML(html);
  return (document.body?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

describe('/subscribe, /confirm, /unsubscribe over HTTP and SMTP', () => {
  let app: App;
  let http: RunningHttpServer;
  let smtp: SmtpCatcher;
  let secret: string;
  let base: string;
  const routes: Route[] = [];
  let clientCounter = 0;
  /** A fresh client address per test (X-Forwarded-For, trusted here), so limits are per test unless a test shares one. */
  let client = '';

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    const settings = loadSettings({ STORE_URL: 'memory', SUBS_PER_SUBSCRIBER: '3' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [source] });
    for (const a of articles) await app.store.putArticle(a);
    await app.store.addToSourceIndex(source.id, articles.map((a) => ({ id: a.id, published: a.published })), 100);
    secret = await app.store.secret(settings.TIDINGS_SECRET);
    http = await startHttpServer({ store: app.store, logger: app.logger, metrics: app.metrics, sources: () => [source], routes, publicUrl: 'http://127.0.0.1' }, '127.0.0.1', 0);
    base = http.url;
    // The public URL is the server's own, known once it listens; routes are read per request.
    routes.push(
      ...createSubscribeRoutes({
        subscriptions: app.subscriptions,
        store: app.store,
        kv: app.kv,
        outbox: app.outbox,
        sources: () => [source],
        logger: app.logger,
        publicUrl: base,
        secret,
        sendMail: (m) => smtp.sendMail(m),
        mailFrom: 'tidings <tidings@example.org>',
        trustProxy: true,
      }),
    );
  });

  afterAll(async () => {
    await http?.close();
    await smtp?.close();
    await app?.close();
  });

  beforeEach(() => {
    clientCounter += 1;
    client = `198.51.100.${clientCounter}`;
  });

  async function get(pathOrUrl: string, headers: Record<string, string> = {}): Promise<Reply> {
    const r = await fetch(new URL(pathOrUrl, base), { headers: { 'x-forwarded-for': client, ...headers }, redirect: 'manual' });
    return { status: r.status, headers: r.headers, body: await r.text() };
  }

  async function post(pathOrUrl: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    const r = await fetch(new URL(pathOrUrl, base), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': client, ...headers },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    return { status: r.status, headers: r.headers, body: await r.text() };
  }

  /** The form's token, as a browser gets it with the page. */
  async function formToken(): Promise<string> {
    const page = await get('/subscribe');
    const m = /name="form" value="([^"]+)"/.exec(page.body);
    if (!m) throw new Error('no form token on /subscribe');
    return m[1]!;
  }

  async function submit(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return post('/subscribe', { form: await formToken(), action: 'subscribe', lang: 'en', ...fields }, headers);
  }

  function confirmLinkIn(text: string): string {
    const m = /(http:\/\/127\.0\.0\.1:\d+\/confirm\?t=[A-Za-z0-9_.-]+&lang=(?:zh|en))/.exec(text);
    if (!m) throw new Error(`no confirmation link in:\n${text}`);
    return m[1]!;
  }

  const subsOf = (address: string) => app.subscriptions.listOf(`mail:${address.toLowerCase()}`);

  it('GET /subscribe: a form without JavaScript, in Chinese or English, never cached or framed', async () => {
    const zh = await get('/subscribe', { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    expect(zh.status).toBe(200);
    expect(zh.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(zh.headers.get('cache-control')).toBe('no-store');
    expect(zh.headers.get('x-frame-options')).toBe('DENY');
    expect(zh.headers.get('referrer-policy')).toBe('same-origin');
    expect(zh.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(zh.headers.get('content-security-policy')).not.toContain('script-src');
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('name="viewport"');
    expect(zh.body).not.toMatch(/<script/i);
    expect(visible(zh.body)).toContain('邮件订阅关键词提醒');
    expect(zh.body).toMatch(/<form method="post" action="\/subscribe"/);
    for (const field of ['address', 'query', 'digest', 'form', 'lang']) expect(zh.body).toContain(`name="${field}"`);

    const en = await get('/subscribe', { 'accept-language': 'en-US,en;q=0.9' });
    expect(visible(en.body)).toContain('Email alerts for a query');
    expect(en.body).toContain('<html lang="en">');
    const chosen = await get('/subscribe?lang=en', { 'accept-language': 'zh-CN' });
    expect(visible(chosen.body)).toContain('Email alerts for a query');
    expect(chosen.body).toContain('href="/subscribe?lang=zh"');
    expect((await get('/subscribe')).body).toContain('<html lang="zh-CN">');
  });

  it('picks the language from Accept-Language weights, and an explicit choice first', () => {
    expect(pageLang(undefined, undefined)).toBe('zh');
    expect(pageLang(undefined, 'en;q=0.5, zh-TW;q=0.8')).toBe('zh');
    expect(pageLang(undefined, 'fr-FR, en;q=0.3, zh;q=0.2')).toBe('en');
    expect(pageLang(undefined, 'fr-FR')).toBe('en');
    expect(pageLang(undefined, '*')).toBe('zh');
    expect(pageLang('en', 'zh-CN')).toBe('en');
    expect(pageLang('xx', 'zh-CN')).toBe('zh');
  });

  it('the whole loop: form → confirmation email → confirm → alerts active → unsubscribe link → gone', async () => {
    const address = 'Reader.One@example.com';
    const before = smtp.mails.length;
    const sent = await submit({ address, query: '科技援疆' });
    expect(sent.status).toBe(200);
    const page = visible(sent.body);
    expect(page).toContain('Check your inbox');
    expect(page).toContain(address);
    expect(page).toContain('It would have matched 2 of the last 3 articles.');
    expect(sent.body).toContain('href="https://kjt.xinjiang.gov.cn/a/1.html"');
    expect(sent.body).toContain('庆阳市科技援疆项目 &lt;签约&gt; &amp; 启动');

    // Stored, but held until confirmed.
    let [sub] = await subsOf(address);
    expect(sub).toMatchObject({ query: '科技援疆', paused: true, pausedReason: 'unconfirmed', createdBy: 'web', mode: 'instant', subscriber: { kind: 'email', address } });

    await smtp.waitFor(before + 1);
    const mail = smtp.mails[before]!;
    expect(mail.rcptTo).toEqual([address]);
    expect(mail.from).toContain('tidings@example.org');
    expect(mail.subject).toBe('Confirm your tidings subscription');
    expect(mail.text).toContain('科技援疆');
    expect(mail.html).toContain('科技援疆');
    const link = confirmLinkIn(mail.text);
    expect(mail.html).toContain(link.replace('&', '&amp;'));

    // GET (what a mail scanner does) only shows the question.
    const shown = await get(link);
    expect(shown.status).toBe(200);
    expect(visible(shown.body)).toContain(`Send alerts for this query to ${address}?`);
    expect(shown.body).toMatch(/<form method="post" action="\/confirm\?t=[^"]+&amp;lang=en">/);
    [sub] = await subsOf(address);
    expect(sub!.paused).toBe(true);

    const confirmed = await post(link, {});
    expect(confirmed.status).toBe(200);
    expect(visible(confirmed.body)).toContain('You are subscribed');
    [sub] = await subsOf(address);
    expect(sub!.paused).toBe(false);
    expect(sub!.pausedReason).toBeUndefined();
    // The dispatcher now matches it: a new article would alert this address.
    const deliveries = await app.dispatcher.deliveriesFor([recentArticle(9, '科技援疆新项目', '正文', 0)], new Date());
    expect(deliveries.map((d) => d.subscriberKey)).toContain(`mail:${address.toLowerCase()}`);

    // Confirming again changes nothing and says so.
    const again = await post(link, {});
    expect(visible(again.body)).toContain('Already subscribed');

    // The link a later alert carries.
    const unsub = unsubscribeUrl(base, secret, sub!.id);
    const ask = await get(unsub, { 'accept-language': 'en' });
    expect(ask.status).toBe(200);
    expect(visible(ask.body)).toContain(`Stop sending alerts for this query to ${address}?`);
    expect(await app.subscriptions.get(sub!.id)).toBeDefined();
    const done = await post(unsub, {}, { 'accept-language': 'en' });
    expect(done.status).toBe(200);
    expect(visible(done.body)).toContain('Unsubscribed');
    expect(await app.subscriptions.get(sub!.id)).toBeUndefined();
    expect(await subsOf(address)).toEqual([]);
    const twice = await post(unsub, {}, { 'accept-language': 'en' });
    expect(twice.status).toBe(200);
    expect(visible(twice.body)).toContain('Already unsubscribed');
  });

  it('a daily digest time makes a digest subscription; the Chinese form mails in Chinese', async () => {
    const address = 'digest@example.com';
    const before = smtp.mails.length;
    const r = await submit({ address, query: '风力发电', digest: '08:30', lang: 'zh' });
    expect(r.status).toBe(200);
    expect(visible(r.body)).toContain('请查收确认邮件');
    const [sub] = await subsOf(address);
    expect(sub).toMatchObject({ mode: 'digest', digestAt: '08:30', timeZone: 'Asia/Shanghai', paused: true });
    await smtp.waitFor(before + 1);
    expect(smtp.mails[before]!.subject).toBe('请确认你的 tidings 订阅');
    expect(smtp.mails[before]!.text).toContain('08:30');
  });

  it('"Preview first" shows the matches and keeps the input, and sends and stores nothing', async () => {
    const before = smtp.mails.length;
    const r = await post('/subscribe', { form: await formToken(), action: 'preview', lang: 'en', address: 'preview@example.com', query: '风力发电 OR 援疆' });
    expect(r.status).toBe(200);
    expect(visible(r.body)).toContain('It would have matched 3 of the last 3 articles.');
    expect(r.body).toContain('value="preview@example.com"');
    expect(r.body).toContain('>风力发电 OR 援疆</textarea>');
    expect(await subsOf('preview@example.com')).toEqual([]);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('refuses an address that is not one, with the error next to the field and the input kept', async () => {
    const before = smtp.mails.length;
    for (const address of ['not-an-address', 'a b@example.com', '<x@example.com>', `${'a'.repeat(250)}@example.com`, '']) {
      const r = await submit({ address, query: '科技援疆' });
      expect(r.status).toBe(400);
      expect(r.body).toContain('aria-invalid="true" aria-describedby="address-error"');
      expect(visible(r.body)).toContain(address === '' ? 'Please give an email address.' : 'That does not look like an email address');
      expect(r.body).toContain('>科技援疆</textarea>');
    }
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('refuses CR/LF in the address (no header injection, nobody else mailed)', async () => {
    const before = smtp.mails.length;
    for (const address of ['victim@example.com\r\nBcc: other@example.com', 'victim@example.com\n', 'victim@example.com\r']) {
      const r = await submit({ address, query: '科技援疆' });
      expect(r.status).toBe(400);
      expect(visible(r.body)).toContain('That does not look like an email address');
      expect(r.body).not.toMatch(/value="[^"]*[\r\n]/);
    }
    expect(await subsOf('victim@example.com')).toEqual([]);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('shows a query error with its 1-based position next to the field, the query kept (escaped)', async () => {
    const before = smtp.mails.length;
    const r = await submit({ address: 'q@example.com', query: '科技 AND (援疆 <b>' });
    expect(r.status).toBe(400);
    const text = visible(r.body);
    expect(text).toMatch(/The query does not work \(character \d+\): /);
    const position = Number(/character (\d+)/.exec(text)![1]);
    expect(position).toBeGreaterThanOrEqual(1);
    expect(r.body).toContain('id="query-error"');
    expect(r.body).toContain('<mark>');
    expect(r.body).toContain('>科技 AND (援疆 &lt;b&gt;</textarea>');
    expect(r.body).not.toContain('<b>');
    const negative = await submit({ address: 'q@example.com', query: '-招聘' });
    expect(negative.status).toBe(400);
    expect(visible(negative.body)).toMatch(/character 1\)/);
    const missing = await submit({ address: 'q@example.com', query: '   ' });
    expect(visible(missing.body)).toContain('Please give a query');
    const badTime = await submit({ address: 'q@example.com', query: '科技', digest: '25:00' });
    expect(badTime.status).toBe(400);
    expect(visible(badTime.body)).toContain('Give the time as HH:MM');
    expect(await subsOf('q@example.com')).toEqual([]);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('refuses a form posted from another site, a forged or stale form token, a body too large, another content type', async () => {
    const before = smtp.mails.length;
    const cross = await submit({ address: 'csrf@example.com', query: '科技' }, { origin: 'https://evil.example', 'accept-language': 'en' });
    expect(cross.status).toBe(403);
    expect(visible(cross.body)).toContain('only be sent from this site');
    for (const site of ['cross-site', 'same-site']) {
      const crossFetch = await submit({ address: 'csrf@example.com', query: '科技' }, { 'sec-fetch-site': site, origin: base });
      expect(crossFetch.status).toBe(403);
    }
    const forged = await post('/subscribe', { form: 'lzz0000.AAAAAAAAAAAAAAAA', action: 'subscribe', lang: 'en', address: 'csrf@example.com', query: '科技' });
    expect(forged.status).toBe(400);
    expect(visible(forged.body)).toContain('This form was open for a long time');
    expect(forged.body).toContain('value="csrf@example.com"');
    const none = await post('/subscribe', { action: 'subscribe', address: 'csrf@example.com', query: '科技' });
    expect(none.status).toBe(400);
    const big = await post('/subscribe', { form: await formToken(), address: 'csrf@example.com', query: '科技'.repeat(3000) });
    expect(big.status).toBe(413);
    const json = await fetch(new URL('/subscribe', base), { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': client }, body: '{}' });
    expect(json.status).toBe(415);
    const put = await fetch(new URL('/subscribe', base), { method: 'PUT', headers: { 'x-forwarded-for': client } });
    expect(put.status).toBe(405);
    expect(await subsOf('csrf@example.com')).toEqual([]);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('forged, misdirected, expired and unknown tokens: a clear page, nothing changes', async () => {
    const address = 'tokens@example.com';
    const before = smtp.mails.length;
    await submit({ address, query: '光伏' });
    await smtp.waitFor(before + 1);
    const link = confirmLinkIn(smtp.mails[before]!.text);
    const [sub] = await subsOf(address);
    const token = new URL(link).searchParams.get('t')!;

    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -1)}${last}`;
    for (const bad of [forged, 'nonsense', '', `${token}x`]) {
      for (const r of [await get(`/confirm?t=${encodeURIComponent(bad)}&lang=en`), await post(`/confirm?t=${encodeURIComponent(bad)}&lang=en`, {})]) {
        expect(r.status).toBe(400);
        expect(visible(r.body)).toContain('This link does not work');
      }
    }
    // An unsubscribe token is no confirmation, and the other way round.
    const misdirected = signToken(secret, 'unsubscribe', sub!.id);
    expect((await post(`/confirm?t=${misdirected}&lang=en`, {})).status).toBe(400);
    expect((await post(`/unsubscribe?t=${token}&lang=en`, {})).status).toBe(400);
    expect((await post(`/unsubscribe?t=${forged}&lang=en`, {})).status).toBe(400);
    // Genuine but expired.
    const expired = signToken(secret, 'confirm', sub!.id, new Date(Date.now() - 60_000));
    const old = await post(`/confirm?t=${expired}&lang=en`, {});
    expect(old.status).toBe(400);
    expect(visible(old.body)).toContain('This link has expired');
    // Genuine, for a subscription that is not there.
    const unknown = await post(`/confirm?t=${signToken(secret, 'confirm', 'nosuchsub', new Date(Date.now() + 60_000))}&lang=en`, {});
    expect(unknown.status).toBe(404);
    expect(visible(unknown.body)).toContain('No such subscription');

    expect(await app.subscriptions.get(sub!.id)).toMatchObject({ paused: true, pausedReason: 'unconfirmed' });
    // And the real link still works.
    expect((await post(link, {})).status).toBe(200);
    expect(await app.subscriptions.get(sub!.id)).toMatchObject({ paused: false });
  });

  it('one-click unsubscribe (RFC 8058): POST List-Unsubscribe=One-Click removes it, as does the all-subscriptions link', async () => {
    const address = 'oneclick@example.com';
    const a = await app.subscriptions.add({ subscriber: { kind: 'email', address }, query: '科技援疆', createdBy: 'cli' });
    const b = await app.subscriptions.add({ subscriber: { kind: 'email', address }, query: '风力发电', createdBy: 'cli' });
    const r = await post(unsubscribeUrl(base, secret, a.id), { 'List-Unsubscribe': 'One-Click' }, { 'user-agent': 'MailProvider-OneClick/1.0' });
    expect(r.status).toBe(200);
    expect(await app.subscriptions.get(a.id)).toBeUndefined();
    expect(await app.subscriptions.get(b.id)).toBeDefined();

    const c = await app.subscriptions.add({ subscriber: { kind: 'email', address }, query: '光伏', createdBy: 'cli' });
    // The page for one subscription offers the rest as well.
    const ask = await get(unsubscribeUrl(base, secret, b.id), { 'accept-language': 'en' });
    expect(visible(ask.body)).toContain('Or stop all 2 subscriptions of this address at once');
    const all = unsubscribeAllUrl(base, secret, address.toUpperCase());
    const askAll = await get(all, { 'accept-language': 'en' });
    expect(visible(askAll.body)).toContain(`Stop all 2 subscriptions of ${address}?`);
    expect(await subsOf(address)).toHaveLength(2);
    const gone = await post(all, { 'List-Unsubscribe': 'One-Click' }, { 'accept-language': 'en' });
    expect(gone.status).toBe(200);
    expect(visible(gone.body)).toContain(`All 2 subscriptions of ${address} are gone`);
    expect(await app.subscriptions.get(b.id)).toBeUndefined();
    expect(await app.subscriptions.get(c.id)).toBeUndefined();
    expect(visible((await post(all, {}, { 'accept-language': 'en' })).body)).toContain('Already unsubscribed');
  });

  it('never tells whether an address is subscribed: the same page for an active subscription, which stays active', async () => {
    const address = 'known@example.com';
    const active = await app.subscriptions.add({ subscriber: { kind: 'email', address }, query: '科技援疆', createdBy: 'cli' });
    const fresh = await submit({ address: 'unknown@example.com', query: '科技援疆' });
    const known = await submit({ address, query: '科技援疆' });
    expect(known.status).toBe(fresh.status);
    expect(visible(known.body).replace(address, 'X')).toBe(visible(fresh.body).replace('unknown@example.com', 'X'));
    expect(await app.subscriptions.get(active.id)).toMatchObject({ paused: false });
    expect(await subsOf(address)).toHaveLength(1);
  });

  it('an address at its subscription limit gets the news by mail, not on the page', async () => {
    const address = 'full@example.com';
    for (const q of ['一', '二', '三']) await app.subscriptions.add({ subscriber: { kind: 'email', address }, query: q, createdBy: 'cli' });
    const before = smtp.mails.length;
    const r = await submit({ address, query: '科技援疆' });
    expect(r.status).toBe(200);
    expect(visible(r.body)).toContain('Check your inbox');
    await smtp.waitFor(before + 1);
    const mail = smtp.mails[before]!;
    expect(mail.subject).toBe('Your tidings subscriptions are at their limit');
    expect(mail.text).toMatch(/\/unsubscribe\?t=/);
    expect(await subsOf(address)).toHaveLength(3);
  });

  it('limits confirmation emails per client: over the limit a 429 page, nothing sent', async () => {
    const before = smtp.mails.length;
    for (let i = 0; i < 5; i++) expect((await submit({ address: `ip${i}@example.com`, query: '科技援疆' })).status).toBe(200);
    await smtp.waitFor(before + 5);
    const over = await submit({ address: 'ip5@example.com', query: '科技援疆' });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(visible(over.body)).toContain('Too many requests');
    expect(visible(over.body)).toContain('No email was sent.');
    expect(await subsOf('ip5@example.com')).toEqual([]);
    // A preview is not a request to send mail: still allowed.
    const previewed = await post('/subscribe', { form: await formToken(), action: 'preview', lang: 'en', address: 'ip5@example.com', query: '科技援疆' });
    expect(previewed.status).toBe(200);
    // Another client is not affected.
    client = '203.0.113.77';
    expect((await submit({ address: 'ip5@example.com', query: '科技援疆' })).status).toBe(200);
    await smtp.waitFor(before + 6);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before + 6);
  });

  it('limits confirmation emails per target address, from any client and in any letter case', async () => {
    const address = 'target@example.com';
    const before = smtp.mails.length;
    for (let i = 0; i < 3; i++) {
      client = `192.0.2.${i + 1}`;
      expect((await submit({ address: i === 1 ? address.toUpperCase() : address, query: `科技援疆 ${i}` })).status).toBe(200);
    }
    await smtp.waitFor(before + 3);
    client = '192.0.2.50';
    const over = await submit({ address: 'Target@Example.com', query: '科技援疆 3' });
    expect(over.status).toBe(429);
    await new Promise((res) => setTimeout(res, 200));
    expect(smtp.mails.length).toBe(before + 3);
    expect(smtp.mails.slice(before).every((m) => m.rcptTo.length === 1 && m.rcptTo[0]!.toLowerCase() === address)).toBe(true);
    expect(await subsOf(address)).toHaveLength(3);
  });

  it('counts IPv6 clients per /64 and maps IPv4-mapped addresses to IPv4', () => {
    const req = (remoteAddress: string, xff?: string) => ({ socket: { remoteAddress }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as unknown as IncomingMessage;
    expect(clientKey(req('2001:db8:1:2:3:4:5:6'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8:1:2::9'))).toBe('2001:db8:1:2::/64');
    expect(clientKey(req('2001:db8::1'))).toBe('2001:db8:0:0::/64');
    expect(clientKey(req('::ffff:192.0.2.7'))).toBe('192.0.2.7');
    expect(clientKey(req('127.0.0.1', '203.0.113.9, 198.51.100.3'))).toBe('127.0.0.1');
    expect(clientKey(req('127.0.0.1', '203.0.113.9, 198.51.100.3'), true)).toBe('198.51.100.3');
  });
});
