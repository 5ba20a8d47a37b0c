/**
 * A running bot for command tests: the Bot API test double, memory app pieces with the
 * corpus source and a few stored articles, and the grammY bot long polling the double.
 * User 1004 is a plain member of every group (getChatMember says so), so tests can check
 * that only a chat's admins change its subscriptions and settings.
 */
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { botDepsFromApp, createTidingsBot, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { expect } from 'vitest';
import { checkTelegramHtml, startFakeBotApi, type FakeBotApi, type RecordedCall } from './fake-bot-api.js';
import { recentArticles, xjkjtSource } from './articles.js';

export const PLAIN_MEMBER = 1004;

export type TestChat = { id: number; type: 'private' | 'group' | 'supergroup' | 'channel' };
export type TestUser = { id: number; language_code?: string };

export interface BotWorld {
  api: FakeBotApi;
  app: App;
  tb: TidingsBot;
  /** Push a message and wait for the bot's `n` new messages to that chat (each HTML one checked as Telegram would); returns them. */
  talk(text: string, from: TestUser, chat?: TestChat, n?: number): Promise<RecordedCall[]>;
  close(): Promise<void>;
}

/** Start the double, the app (settings `extra` on top of memory store and test token) and the bot. */
export async function startBotWorld(extra: Record<string, string> = {}): Promise<BotWorld> {
  const api = await startFakeBotApi();
  const settings = loadSettings({ STORE_URL: 'memory', TELEGRAM_BOT_TOKEN: '123:test', TELEGRAM_API_ROOT: api.url, PUBLIC_URL: 'https://tidings.example.org', ...extra });
  const app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [xjkjtSource] });
  await app.registry.load();
  const articles = recentArticles();
  for (const a of articles) await app.store.putArticle(a);
  await app.store.addToSourceIndex(xjkjtSource.id, articles.map((a) => ({ id: a.id, published: a.published })), 100);
  const tb = createTidingsBot(botDepsFromApp(app, 'test-webhook-secret', { maxRetries: 0 }));
  tb.bot.api.config.use(async (prev, method, payload, signal) => {
    if (method === 'getChatMember' && (payload as { user_id: number }).user_id === PLAIN_MEMBER) {
      return { ok: true, result: { status: 'member', user: { id: PLAIN_MEMBER, is_bot: false, first_name: 'M' } } } as never;
    }
    return prev(method, payload, signal);
  });
  await tb.start();
  return {
    api,
    app,
    tb,
    async talk(text, from, chat, n = 1) {
      const chatId = chat?.id ?? from.id;
      const before = api.sentTo(chatId).length;
      api.pushMessage(text, from, chat);
      await api.waitFor(() => api.sentTo(chatId).length >= before + n, 10_000, `${n} replies to ${text}`);
      const replies = api.sentTo(chatId).slice(before);
      for (const r of replies) if (r.params.parse_mode === 'HTML') expect(checkTelegramHtml(String(r.params.text))).toBeUndefined();
      return replies;
    },
    async close() {
      await tb.stop();
      await api.close();
      await app.close();
    },
  };
}
