/**
 * The subscribe loop once in a real browser: headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core) on a phone-sized screen fills the form and submits it, the
 * confirmation email is read from a real SMTP server on loopback, its link is opened and
 * confirmed, and later the unsubscribe link an alert carries is opened and used. The store is
 * checked at each step. No JavaScript on the pages: everything is forms and links.
 *
 * Runs when /usr/bin/chromium is there; skipped with a notice otherwise (failing instead
 * under TIDINGS_TEST_REQUIRE_ALL=1, as in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import type { Article } from '../../src/domain/article.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { startHttpServer, type Route, type RunningHttpServer } from '../../src/http/server.js';
import { createSubscribeRoutes } from '../../src/http/subscribe-pages.js';
import { unsubscribeUrl } from '../../src/notify/email/tokens.js';
import { hasCommand, needs } from '../helpers/services.js';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp-catcher.js';
import { storedArticle, xjkjtSource } from '../helpers/articles.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = needs('chromium', hasCommand(CHROMIUM));

const source = xjkjtSource;

function article(n: number, title: string, hoursAgo: number): Article {
  const published = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  return storedArticle({
    id: `b${n}`,
    sourceId: source.id,
    url: `https://kjt.xinjiang.gov.cn/b/${n}.html`,
    title,
    published,
    text: `${title}。会议强调，要深入推进科技创新。`,
    summary: title,
    html: `<p>${title}</p>`,
    tags: ['科技'],
  });
}

describe.skipIf(!hasChromium)('subscribe → confirm → unsubscribe in headless Chromium', () => {
  let app: App;
  let http: RunningHttpServer;
  let smtp: SmtpCatcher;
  let browser: Browser;
  let secret: string;
  const routes: Route[] = [];

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    const settings = loadSettings({ STORE_URL: 'memory' });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [source] });
    const stored = [article(1, '第七次全国科技援疆工作会议召开', 1), article(2, '风力发电技术创新中心揭牌', 2)];
    for (const a of stored) await app.store.putArticle(a);
    await app.store.addToSourceIndex(source.id, stored.map((a) => ({ id: a.id, published: a.published })), 100);
    secret = await app.store.secret(settings.TIDINGS_SECRET);
    http = await startHttpServer({ store: app.store, logger: app.logger, metrics: app.metrics, sources: () => [source], routes, publicUrl: 'http://127.0.0.1' }, '127.0.0.1', 0);
    routes.push(
      ...createSubscribeRoutes({
        subscriptions: app.subscriptions,
        store: app.store,
        kv: app.kv,
        sources: () => [source],
        logger: app.logger,
        publicUrl: http.url,
        secret,
        sendMail: (m) => smtp.sendMail(m),
        mailFrom: 'tidings <tidings@example.org>',
      }),
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await smtp?.close();
    await app?.close();
  });

  /** A phone: narrow screen, touch, Chinese or English UI language, and no JavaScript at all. */
  async function phone(locale: string): Promise<BrowserContext> {
    return browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale, javaScriptEnabled: false });
  }

  it('runs the whole loop on a phone in Chinese, the store checked at every step', async () => {
    const context = await phone('zh-CN');
    const page = await context.newPage();
    const address = 'browser.reader@example.com';

    await page.goto(`${http.url}/subscribe`);
    expect(await page.locator('h1').textContent()).toBe('邮件订阅关键词提醒');
    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

    // A mistake first: the error is next to the field, the input stays.
    await page.fill('#address', address);
    await page.fill('#query', '科技援疆 OR');
    await page.click('button[value="subscribe"]');
    expect(await page.locator('#query-error').textContent()).toContain('查询有误（第');
    expect(await page.inputValue('#address')).toBe(address);
    expect(await page.inputValue('#query')).toBe('科技援疆 OR');
    expect(await app.subscriptions.listOf(`mail:${address}`)).toEqual([]);

    const before = smtp.mails.length;
    await page.fill('#query', '科技援疆');
    await page.fill('#digest', '08:00');
    await page.click('button[value="subscribe"]');
    expect(await page.locator('h1').textContent()).toBe('请查收确认邮件');
    expect(await page.locator('main').textContent()).toContain('最近 2 篇文章中有 1 篇会匹配');
    let [sub] = await app.subscriptions.listOf(`mail:${address}`);
    expect(sub).toMatchObject({ query: '科技援疆', paused: true, pausedReason: 'unconfirmed', mode: 'digest', digestAt: '08:00' });

    await smtp.waitFor(before + 1);
    const mail = smtp.mails[before]!;
    expect(mail.rcptTo).toEqual([address]);
    expect(mail.subject).toBe('请确认你的 tidings 订阅');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/confirm\?t=[A-Za-z0-9_.-]+&lang=zh)/.exec(mail.text)?.[1];
    expect(link).toBeDefined();

    // The link from the email: a page with a button; only the button confirms.
    await page.goto(link!);
    expect(await page.locator('h1').textContent()).toBe('确认订阅');
    expect(await page.locator('code.query').textContent()).toBe('科技援疆');
    [sub] = await app.subscriptions.listOf(`mail:${address}`);
    expect(sub!.paused).toBe(true);
    await page.click('button:has-text("确认订阅")');
    expect(await page.locator('h1').textContent()).toBe('订阅成功');
    [sub] = await app.subscriptions.listOf(`mail:${address}`);
    expect(sub!.paused).toBe(false);
    expect(sub!.pausedReason).toBeUndefined();

    // Later, the unsubscribe link at the bottom of an alert.
    await page.goto(unsubscribeUrl(http.url, secret, sub!.id));
    expect(await page.locator('h1').textContent()).toBe('退订');
    expect(await app.subscriptions.get(sub!.id)).toBeDefined();
    await page.click('button:has-text("退订")');
    expect(await page.locator('h1').textContent()).toBe('已退订');
    expect(await app.subscriptions.get(sub!.id)).toBeUndefined();
    expect(await app.subscriptions.listOf(`mail:${address}`)).toEqual([]);
    await context.close();
  });

  it('speaks English to an English browser, and switches language by link', async () => {
    const context = await phone('en-US');
    const page = await context.newPage();
    await page.goto(`${http.url}/subscribe`);
    expect(await page.locator('h1').textContent()).toBe('Email alerts for a query');
    await page.click('header a');
    expect(await page.locator('h1').textContent()).toBe('邮件订阅关键词提醒');
    await page.goto(`${http.url}/unsubscribe?t=forged.AAAAAAAAAAAAAAAAAAAAAA&lang=en`);
    expect(await page.locator('h1').textContent()).toBe('This link does not work');
    await context.close();
  });
});
