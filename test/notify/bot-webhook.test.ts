/**
 * Webhook mode: setWebhook with our secret at start, and the route on our HTTP server that
 * handles Telegram's POSTs carrying that secret and refuses everything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { startHttpServer, type RunningHttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { botDepsFromApp, createTidingsBot, webhookSecretToken, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { startFakeBotApi, visibleText, type FakeBotApi } from '../helpers/fake-bot-api.js';

const SECRET = 'hook-secret_0123456789abcdef';

describe('tidings bot: webhook mode', () => {
  let api: FakeBotApi;
  let app: App;
  let tb: TidingsBot;
  let http: RunningHttpServer;
  let updateId = 1;

  const update = (text: string, chatId: number) => ({
    update_id: updateId++,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: 'private', first_name: 'U' },
      from: { id: chatId, is_bot: false, first_name: 'U', language_code: 'en' },
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
    },
  });

  const post = (body: string, headers: Record<string, string> = {}, path = '/telegram/hook') =>
    fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    api = await startFakeBotApi();
    app = await createApp(
      loadSettings({ STORE_URL: 'memory', TELEGRAM_BOT_TOKEN: '123:hook', TELEGRAM_API_ROOT: api.url, TELEGRAM_WEBHOOK_URL: 'https://bot.example.org/telegram/hook', TELEGRAM_ADMIN_IDS: '77' }),
      { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [] },
    );
    await app.registry.load();
    tb = createTidingsBot(botDepsFromApp(app, SECRET, { maxRetries: 0 }));
    expect(tb.webhookRoute).toBeDefined();
    http = await startHttpServer({ store: app.store, logger: app.logger, metrics: app.metrics, sources: () => app.registry.all(), routes: [tb.webhookRoute!], publicUrl: 'http://x' }, '127.0.0.1', 0);
    await tb.start();
  });

  afterAll(async () => {
    await tb?.stop();
    await http?.close();
    await api?.close();
    await app?.close();
  });

  it('sets the webhook with the secret token instead of polling', () => {
    const set = api.callsOf('setWebhook');
    expect(set).toHaveLength(1);
    expect(set[0]!.params).toMatchObject({ url: 'https://bot.example.org/telegram/hook', secret_token: SECRET });
    expect(api.callsOf('deleteWebhook')).toHaveLength(0);
    expect(api.callsOf('setMyCommands').some((c) => JSON.stringify(c.params.scope) === '{"type":"chat","chat_id":77}')).toBe(true);
  });

  it('handles a POST that carries the secret', async () => {
    const res = await post(JSON.stringify(update('/sub 科技援疆', 3001)), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(res.status).toBe(200);
    await res.text();
    expect(api.sentTo(3001)).toHaveLength(1);
    expect(visibleText(String(api.sentTo(3001)[0]!.params.text))).toContain('Subscribed: 科技援疆');
    expect((await app.subscriptions.listOf('tg:3001')).map((s) => s.query)).toEqual(['科技援疆']);
  });

  it('refuses a wrong or missing secret with 401 and handles nothing', async () => {
    const wrong = await post(JSON.stringify(update('/sub 光伏', 3002)), { 'x-telegram-bot-api-secret-token': `${SECRET.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    const missing = await post(JSON.stringify(update('/sub 光伏', 3002)));
    expect(missing.status).toBe(401);
    const longer = await post(JSON.stringify(update('/sub 光伏', 3002)), { 'x-telegram-bot-api-secret-token': `${SECRET}x` });
    expect(longer.status).toBe(401);
    expect(api.sentTo(3002)).toHaveLength(0);
    expect(await app.subscriptions.listOf('tg:3002')).toEqual([]);
  });

  it('answers only POST at the webhook path, and 400 to a body that is not an update', async () => {
    expect((await fetch(`${http.url}/telegram/hook`)).status).toBe(405);
    expect((await post('{}', { 'x-telegram-bot-api-secret-token': SECRET }, '/telegram/other')).status).toBe(404);
    expect((await post('not json', { 'x-telegram-bot-api-secret-token': SECRET })).status).toBe(400);
    expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
  });

  it('derives a valid secret token from one Telegram would refuse', () => {
    expect(webhookSecretToken(SECRET)).toBe(SECRET);
    const derived = webhookSecretToken('a secret with spaces & symbols!');
    expect(derived).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(webhookSecretToken('a secret with spaces & symbols!')).toBe(derived);
  });

  it('answers 503 after stop, so Telegram sends the update again later', async () => {
    await tb.stop();
    const res = await post(JSON.stringify(update('/list', 3003)), { 'x-telegram-bot-api-secret-token': SECRET });
    expect(res.status).toBe(503);
    expect(api.sentTo(3003)).toHaveLength(0);
  });
});
