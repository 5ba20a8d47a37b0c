/**
 * The bot's `/email ADDRESS`: the real grammY client long-polling the Bot API test double, a
 * real SMTP server on loopback catching the confirmation email, and the HTTP server with the
 * subscribe pages answering its link: the address is refused when it is not one, rate-limited
 * per chat and per address, and on confirmation the chat's subscriptions are copied to it as
 * active email subscriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHTML } from 'linkedom';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import type { Source } from '../../src/domain/source.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { startHttpServer, type Route, type RunningHttpServer } from '../../src/http/server.js';
import { createSubscribeRoutes, type ConfirmationMailDeps } from '../../src/http/subscribe-pages.js';
import { signToken } from '../../src/notify/email/tokens.js';
import { botDepsFromApp, createTidingsBot, USER_COMMANDS, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { checkTelegramHtml, startFakeBotApi, visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp-catcher.js';

const source: Source = { id: 'xjkjt', name: '新疆科技厅', url: 'https://kjt.xinjiang.gov.cn/rss.xml', interval: { kind: 'every', ms: 900_000 }, fulltext: 'never', tags: ['科技'], origin: 'test' };

function visible(html: string): string {
  return (parseHTML(html).document.body?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

describe('tidings bot: /email ADDRESS', () => {
  let api: FakeBotApi;
  let app: App;
  let tb: TidingsBot;
  let smtp: SmtpCatcher;
  let http: RunningHttpServer;
  let secret: string;
  const routes: Route[] = [];

  beforeAll(async () => {
    api = await startFakeBotApi();
    smtp = await startSmtpCatcher();
    const settings = loadSettings({ STORE_URL: 'memory', TELEGRAM_BOT_TOKEN: '123:test', TELEGRAM_API_ROOT: api.url });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [source] });
    await app.registry.load();
    secret = await app.store.secret(settings.TIDINGS_SECRET);
    http = await startHttpServer({ store: app.store, logger: app.logger, metrics: app.metrics, sources: () => [source], routes, publicUrl: 'http://127.0.0.1' }, '127.0.0.1', 0);
    const email: ConfirmationMailDeps = { kv: app.kv, secret, publicUrl: http.url, sendMail: (m) => smtp.sendMail(m), mailFrom: 'tidings <tidings@example.org>', logger: app.logger };
    routes.push(...createSubscribeRoutes({ ...email, subscriptions: app.subscriptions, store: app.store, sources: () => [source] }));
    tb = createTidingsBot(botDepsFromApp(app, 'test-webhook-secret', { maxRetries: 0, publicUrl: http.url, email }));
    await tb.start();
  });

  afterAll(async () => {
    await tb?.stop();
    await http?.close();
    await smtp?.close();
    await api?.close();
    await app?.close();
  });

  async function talk(text: string, from: { id: number; language_code?: string }): Promise<string> {
    const before = api.sentTo(from.id).length;
    api.pushMessage(text, from);
    await api.waitFor(() => api.sentTo(from.id).length > before, 10_000, `a reply to ${text}`);
    const reply: RecordedCall = api.sentTo(from.id).at(-1)!;
    expect(checkTelegramHtml(String(reply.params.text))).toBeUndefined();
    return visibleText(String(reply.params.text));
  }

  function linkIn(text: string): string {
    const m = /(http:\/\/127\.0\.0\.1:\d+\/confirm\?t=[A-Za-z0-9_.-]+&lang=(?:zh|en))/.exec(text);
    if (!m) throw new Error(`no confirmation link in:\n${text}`);
    return m[1]!;
  }

  it('is in the command menu, in both languages', () => {
    expect(USER_COMMANDS).toContain('email');
    const menus = api.callsOf('setMyCommands').map((c) => c.params.commands as { command: string; description: string }[]);
    const descriptions = menus.flatMap((m) => m.filter((c) => c.command === 'email').map((c) => c.description));
    expect(descriptions).toContain('Alerts by email too: /email ADDRESS');
    expect(descriptions).toContain('同时用邮件接收提醒：/email 地址');
  });

  it('mails a confirmation link; opening it copies the chat subscriptions to the address, active', async () => {
    const user = { id: 2001, language_code: 'en' };
    const address = 'reader@example.com';
    expect(await talk('/email reader@example.com', user)).toContain('no subscriptions yet');
    await talk('/sub 科技援疆', user);
    await talk('/digest daily@07:30', user);
    await talk('/sub "风力发电" OR 光伏', user);
    const before = smtp.mails.length;
    const reply = await talk(`/email ${address}`, user);
    expect(reply).toContain(`A confirmation email is on its way to ${address}`);
    await smtp.waitFor(before + 1);
    const mail = smtp.mails[before]!;
    expect(mail.rcptTo).toEqual([address]);
    expect(mail.subject).toBe('Confirm tidings alerts by email');
    expect(mail.text).toContain('2 subscriptions');
    const link = linkIn(mail.text);
    // Nothing yet: the address is not subscribed until the link is used.
    expect(await app.subscriptions.listOf(`mail:${address}`)).toEqual([]);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const shown = visible(await page.text());
    expect(shown).toContain(`Send the alerts of your Telegram chat (2 subscriptions) to ${address} as well?`);
    expect(await app.subscriptions.listOf(`mail:${address}`)).toEqual([]);

    const confirmed = await fetch(link, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(visible(await confirmed.text())).toContain(`Alerts of 2 subscriptions now also go to ${address}`);
    const copies = await app.subscriptions.listOf(`mail:${address}`);
    expect(copies.map((s) => [s.query, s.paused, s.createdBy, s.subscriber])).toEqual([
      ['科技援疆', false, 'telegram:2001', { kind: 'email', address }],
      ['"风力发电" OR 光伏', false, 'telegram:2001', { kind: 'email', address }],
    ]);
    expect(copies[0]).toMatchObject({ mode: 'digest', digestAt: '07:30' });
    // The chat keeps its own; confirming twice adds nothing.
    expect(await app.subscriptions.listOf('tg:2001')).toHaveLength(2);
    await fetch(link, { method: 'POST' });
    expect(await app.subscriptions.listOf(`mail:${address}`)).toHaveLength(2);
  });

  it('refuses what is not an address, CR/LF included, and mails nobody', async () => {
    const user = { id: 2002, language_code: 'zh' };
    await talk('/sub 科技援疆', user);
    const before = smtp.mails.length;
    expect(await talk('/email not-an-address', user)).toContain('不像一个邮箱地址');
    expect(await talk('/email victim@example.com\r\nBcc: other@example.com', user)).toContain('不像一个邮箱地址');
    expect(await talk('/email', user)).toBe('用法：/email name@example.com');
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.mails.length).toBe(before);
  });

  it('limits confirmation emails per address (3 a day, with the web page) and per chat', async () => {
    const address = 'busy@example.com';
    const before = smtp.mails.length;
    for (const id of [2011, 2012, 2013]) {
      const user = { id, language_code: 'en' };
      await talk('/sub 光伏', user);
      expect(await talk(`/email ${address}`, user)).toContain('confirmation email is on its way');
    }
    await smtp.waitFor(before + 3);
    const fourth = { id: 2014, language_code: 'en' };
    await talk('/sub 光伏', fourth);
    expect(await talk(`/email ${address.toUpperCase()}`, fourth)).toContain('Too many confirmation emails lately');

    const chat = { id: 2015, language_code: 'en' };
    await talk('/sub 光伏', chat);
    for (let i = 0; i < 5; i++) expect(await talk(`/email chat${i}@example.com`, chat)).toContain('on its way');
    expect(await talk('/email chat5@example.com', chat)).toContain('Too many confirmation emails lately');
    await smtp.waitFor(before + 8);
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.mails.length).toBe(before + 8);
  });

  it('a forged or expired chat link changes nothing', async () => {
    const subject = JSON.stringify({ c: 2001, a: 'thief@example.com' });
    const forged = signToken('another-secret', 'confirm-email', subject, new Date(Date.now() + 60_000));
    const expired = signToken(secret, 'confirm-email', subject, new Date(Date.now() - 60_000));
    const a = await fetch(`${http.url}/confirm?t=${forged}&lang=en`, { method: 'POST' });
    expect(a.status).toBe(400);
    expect(visible(await a.text())).toContain('This link does not work');
    const b = await fetch(`${http.url}/confirm?t=${expired}&lang=en`, { method: 'POST' });
    expect(b.status).toBe(400);
    expect(visible(await b.text())).toContain('This link has expired');
    expect(await app.subscriptions.listOf('mail:thief@example.com')).toEqual([]);
  });
});
