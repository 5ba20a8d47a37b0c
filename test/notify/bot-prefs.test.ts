/**
 * The bot's chat settings and housekeeping commands — /lang, /silent, /unsuball, /version —
 * long polling the Bot API test double with the real grammY client, on memory app pieces.
 * Alerts go through the app's delivery worker (createNotifier) to the same double, so what a
 * setting does to alerts is seen where Telegram would see it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BotCommand, InlineKeyboardMarkup } from 'grammy/types';
import type { App } from '../../src/app.js';
import type { Delivery, Subscription } from '../../src/domain/subscription.js';
import { USER_COMMANDS, type TidingsBot } from '../../src/notify/telegram/bot.js';
import { decodeCallback, encodeCallback } from '../../src/notify/telegram/callback-data.js';
import { CHAT_PREFS_CACHE_MS, ChatPrefs } from '../../src/notify/telegram/chat-prefs.js';
import { subBackup } from '../../src/notify/telegram/commands/user.js';
import { strings } from '../../src/notify/telegram/i18n.js';
import { createTelegramApi, type TelegramNotifier } from '../../src/notify/telegram/telegram-notifier.js';
import { createNotifier } from '../../src/notify/telegram/telegram-runtime.js';
import { openKeyValue } from '../../src/store/keyv-store.js';
import { visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.js';

const ADMIN = 9101;
const pkgVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Chat = { id: number; type: 'private' | 'group' | 'supergroup' | 'channel' };

describe('tidings bot: /lang, /silent, /unsuball, /version', () => {
  let api: FakeBotApi;
  let app: App;
  let tb: TidingsBot;
  let world: BotWorld;
  let notifier: TelegramNotifier;
  let seq = 0;

  beforeAll(async () => {
    world = await startBotWorld({ TELEGRAM_ADMIN_IDS: String(ADMIN) });
    ({ api, app, tb } = world);
    notifier = createNotifier(app, { api: createTelegramApi('123:test', api.url) });
  });

  afterAll(async () => {
    await notifier?.stop();
    await tb?.stop();
    await api?.close();
    await app?.close();
  });

  const talk: BotWorld['talk'] = (...args) => world.talk(...args);

  const shown = (call: RecordedCall | undefined) => visibleText(String(call?.params.text ?? ''));
  const say1 = async (text: string, from: { id: number; language_code?: string }, chat?: Chat) => shown((await talk(text, from, chat))[0]);

  async function press(data: string, from: { id: number; language_code?: string }, chatId: number, messageId = 1): Promise<RecordedCall> {
    const before = api.callsOf('answerCallbackQuery').length;
    api.pushCallback(data, from, { chat_id: chatId, message_id: messageId });
    await api.waitFor(() => api.callsOf('answerCallbackQuery').length > before, 10_000, `answer to ${data}`);
    return api.callsOf('answerCallbackQuery').at(-1)!;
  }

  /** The last editMessageText after `before` edits, once it is there. */
  async function nextEdit(before: number): Promise<string> {
    await api.waitFor(() => api.callsOf('editMessageText').length > before, 10_000, 'an edited message');
    return visibleText(String(api.callsOf('editMessageText').at(-1)!.params.text));
  }

  /** A pending alert of `sub` for a stored article. */
  function alertFor(sub: Subscription, chatId: number, articleId = 'a1'): Delivery {
    const story = `story-${++seq}`;
    const now = new Date(Date.now() - 1000).toISOString();
    return {
      key: `telegram:${sub.subscriberKey}:${story}`,
      channel: 'telegram',
      subscriberKey: sub.subscriberKey,
      subscriber: { kind: 'telegram', chatId },
      subscriptionIds: [sub.id],
      articleId,
      storyKey: story,
      status: 'pending',
      attempts: 0,
      createdAt: now,
      notBefore: now,
    };
  }

  /** Record one alert for the chat's first subscription, drain, and return the message Telegram got. */
  async function deliverOne(chatId: number): Promise<RecordedCall> {
    const [sub] = await app.subscriptions.listOf(`tg:${chatId}`);
    const before = api.sentTo(chatId).length;
    await app.outbox.enqueue([alertFor(sub!, chatId)]);
    const report = await notifier.drain();
    expect(report.sent).toBe(1);
    expect(api.sentTo(chatId)).toHaveLength(before + 1);
    return api.sentTo(chatId).at(-1)!;
  }

  /** The text of the alert's first button (its language shows: 阅读原文 / Open). */
  const firstButton = (call: RecordedCall) => (call.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat()[0]!.text;

  it('the new commands are in the menu, in both languages, and in /help', async () => {
    expect(USER_COMMANDS).toEqual(['start', 'help', 'sub', 'unsub', 'unsuball', 'list', 'name', 'tags', 'pause', 'resume', 'digest', 'preview', 'script', 'feed', 'email', 'export', 'import', 'lang', 'silent', 'forget', 'version']);
    const menus = api.callsOf('setMyCommands').filter((c) => (c.params.scope as { type: string }).type === 'default');
    const zh = menus.find((c) => c.params.language_code === 'zh')!.params.commands as BotCommand[];
    const en = menus.find((c) => c.params.language_code === undefined)!.params.commands as BotCommand[];
    for (const name of ['lang', 'silent', 'unsuball', 'version']) {
      expect(zh.find((c) => c.command === name)?.description).toBe(strings('zh').commands[name as 'lang']);
      expect(en.find((c) => c.command === name)?.description).toBe(strings('en').commands[name as 'lang']);
    }
    expect(en.find((c) => c.command === 'lang')!.description).toBe('Language: /lang zh|en|auto');
    expect(zh.find((c) => c.command === 'silent')!.description).toBe('静音提醒：/silent on|off');
    for (const c of [...zh, ...en]) expect(c.description.length).toBeLessThanOrEqual(256);

    const enHelp = await say1('/help', { id: 1201, language_code: 'en' });
    for (const line of ['/lang zh|en|auto — the language of replies and alerts', '/silent on|off — alerts without a notification sound', '/unsuball — remove every subscription', '/version — the version']) {
      expect(enHelp).toContain(line);
    }
    const zhHelp = await say1('/help', { id: 1202, language_code: 'zh-hans' });
    for (const line of ['/lang zh|en|auto — 回复和提醒的语言', '/silent on|off — 静音提醒', '/unsuball — 取消全部订阅', '/version — 版本']) expect(zhHelp).toContain(line);
  });

  it('/lang en pins English for replies and alerts over a Chinese sender, until /lang auto', async () => {
    const user = { id: 1210, language_code: 'zh-hans' };
    expect(await say1('/lang', user)).toContain('本聊天的语言：中文（跟随发送者的 Telegram 语言）');
    await talk('/sub 科技援疆', user);
    expect(firstButton(await deliverOne(user.id))).toBe('阅读原文');

    expect(await say1('/lang en', user)).toBe("Replies and alerts in this chat are now in English. /lang auto: follow each sender's language again.");
    expect(await app.chatPrefs.pinnedLanguage(user.id)).toBe('en');
    // The Chinese sender now gets English replies, and the chat English alerts.
    expect(await say1('/list', user)).toContain('Subscriptions of this chat (1)');
    expect(await say1('/lang', user)).toContain("This chat's language: English (pinned)");
    expect(firstButton(await deliverOne(user.id))).toBe('Open');
    // Kept in the store, not only in this process's cache.
    expect(await new ChatPrefs(app.kv).language(user.id)).toBe('en');

    expect(await say1('/lang auto', user)).toBe('本聊天不再固定语言：回复跟随发送者的 Telegram 语言，提醒使用最近一次的语言（目前为中文）。');
    expect(await app.chatPrefs.pinnedLanguage(user.id)).toBeUndefined();
    expect(await say1('/list', user)).toContain('本聊天的订阅（1）');
    expect(firstButton(await deliverOne(user.id))).toBe('阅读原文');
  });

  it('/lang refuses an unknown language and, in a group, anyone but its admins', async () => {
    const en = { id: 1220, language_code: 'en' };
    expect(await say1('/lang fr', en)).toBe('Usage: /lang zh|en|auto');
    expect(await app.chatPrefs.pinnedLanguage(en.id)).toBeUndefined();

    const group: Chat = { id: -6001, type: 'supergroup' };
    const member = { id: 1004, language_code: 'en' };
    expect(await say1('/lang zh', member, group)).toBe("Only this chat's admins can change its settings. Nothing was changed.");
    expect(await app.chatPrefs.pinnedLanguage(group.id)).toBeUndefined();
    // Reading is for everyone.
    expect(await say1('/lang', member, group)).toContain("This chat's language: English");

    const admin = { id: 1221, language_code: 'en' };
    expect(await say1('/lang@tidings_test_bot zh', admin, group)).toContain('本聊天的回复和提醒固定使用中文');
    expect(await app.chatPrefs.pinnedLanguage(group.id)).toBe('zh');
    expect(await say1('/lang', member, group)).toContain('本聊天的语言：中文（已固定）');
    expect(await say1('/lang auto', member, group)).toContain('只有本群或频道的管理员可以更改本聊天的设置');
    expect(await app.chatPrefs.pinnedLanguage(group.id)).toBe('zh');
  });

  it('/silent on sends the chat its alerts with disable_notification; /silent off with sound again', async () => {
    const user = { id: 1230, language_code: 'en' };
    await talk('/sub 科技援疆', user);
    expect(await say1('/silent', user)).toContain('Alerts in this chat arrive with a notification sound.');
    expect((await deliverOne(user.id)).params.disable_notification).toBeUndefined();

    expect(await say1('/silent on', user)).toContain('Alerts in this chat now arrive silently');
    expect(await say1('/silent', user)).toContain('arrive silently (no notification sound)');
    const silent = await deliverOne(user.id);
    expect(silent.params.disable_notification).toBe(true);
    // Replies to commands are not alerts: they keep their sound.
    expect(api.sentTo(user.id).filter((c) => c.params.disable_notification !== undefined)).toEqual([silent]);

    expect(await say1('/silent off', user)).toBe('Alerts in this chat arrive with a notification sound again.');
    expect((await deliverOne(user.id)).params.disable_notification).toBeUndefined();
    expect(await say1('/silent loud', user)).toBe('Usage: /silent on|off');
    expect(await app.chatPrefs.silent(user.id)).toBe(false);
  });

  it('/silent in a group is for its admins; the reply is in Chinese for zh', async () => {
    const group: Chat = { id: -6002, type: 'supergroup' };
    expect(await say1('/silent on', { id: 1004, language_code: 'zh' }, group)).toContain('只有本群或频道的管理员可以更改本聊天的设置');
    expect(await app.chatPrefs.silent(group.id)).toBe(false);
    expect(await say1('/silent on', { id: 1231, language_code: 'zh' }, group)).toBe('本聊天的提醒将静音发送（无通知声音）。/silent off 恢复。');
    expect(await app.chatPrefs.silent(group.id)).toBe(true);
  });

  it('a change made in one process (the bot) reaches another (a delivery worker) within CHAT_PREFS_CACHE_MS', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const kv = await openKeyValue('memory');
      const bot = new ChatPrefs(kv);
      const worker = new ChatPrefs(kv);
      expect(await worker.silent(77)).toBe(false);
      expect(await worker.language(77)).toBe('zh');
      await bot.setSilent(77, true);
      await bot.pinLanguage(77, 'en');
      expect(await bot.silent(77)).toBe(true);
      // The worker read a moment ago: its cached answer stands for a little while...
      expect(await worker.silent(77)).toBe(false);
      vi.advanceTimersByTime(CHAT_PREFS_CACHE_MS + 1);
      // ...and no longer.
      expect(await worker.silent(77)).toBe(true);
      expect(await worker.language(77)).toBe('en');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a prefs record from before /lang and /silent reads as not pinned and not silent, and keeps its language', async () => {
    const kv = await openKeyValue('memory');
    await kv.set('telegram:chat:42', { lang: 'en', updatedAt: '2024-01-01T00:00:00.000Z' });
    const prefs = new ChatPrefs(kv);
    expect(await prefs.language(42)).toBe('en');
    expect(await prefs.pinnedLanguage(42)).toBeUndefined();
    expect(await prefs.silent(42)).toBe(false);
    await prefs.setSilent(42, true);
    await prefs.pinLanguage(42, 'zh');
    await prefs.setLanguage(42, 'en');
    const fresh = new ChatPrefs(kv);
    expect(await fresh.language(42)).toBe('zh');
    expect(await fresh.silent(42)).toBe(true);
    await fresh.pinLanguage(42, undefined);
    expect(await new ChatPrefs(kv).language(42)).toBe('en');
    expect(await new ChatPrefs(kv).silent(42)).toBe(true);
  });

  it('/unsuball sends a /sub backup, then asks; "no" keeps everything, "yes" removes every subscription and its pending alerts', async () => {
    const user = { id: 1240, language_code: 'en' };
    const key = 'tg:1240';
    await talk('/sub 科技援疆 -庆阳', user);
    await talk('/sub "风力发电" OR 光伏', user);
    await talk('/sub title:揭牌', user);
    const subs = await app.subscriptions.listOf(key);
    await app.outbox.enqueue([alertFor(subs[0]!, user.id), alertFor(subs[1]!, user.id, 'a3')]);
    const other = { id: 1241, language_code: 'en' };
    await talk('/sub 科技援疆', other);
    await app.outbox.enqueue([alertFor((await app.subscriptions.listOf('tg:1241'))[0]!, other.id)]);

    const [backup, confirm] = await talk('/unsuball', user, undefined, 2);
    expect(shown(backup)).toBe('/sub 科技援疆 -庆阳\n"风力发电" OR 光伏\ntitle:揭牌');
    expect(shown(confirm)).toContain('Remove all 3 subscriptions of this chat');
    expect(shown(confirm)).toContain('The message above is a backup');
    const buttons = (confirm!.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat();
    expect(buttons.map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(['unsuball:yes', 'unsuball:no']);
    expect(buttons.map((b) => b.text)).toEqual(['Remove all', 'Keep them']);

    let edits = api.callsOf('editMessageText').length;
    await press('unsuball:no', user, user.id);
    expect(await nextEdit(edits)).toBe('Cancelled; the subscriptions are kept.');
    expect(await app.subscriptions.listOf(key)).toHaveLength(3);
    expect(await app.outbox.pendingCount('telegram')).toBe(3);

    edits = api.callsOf('editMessageText').length;
    await press('unsuball:yes', user, user.id);
    expect(await nextEdit(edits)).toBe('Removed 3 subscriptions and 2 alerts not yet sent. Send the backup back to subscribe again.');
    expect(await app.subscriptions.listOf(key)).toEqual([]);
    for (const s of subs) expect(await app.subscriptions.get(s.id)).toBeUndefined();
    // Another chat's subscription and alert are untouched.
    expect(await app.subscriptions.listOf('tg:1241')).toHaveLength(1);
    expect(await app.outbox.pendingCount('telegram')).toBe(1);

    // A second press finds nothing to remove.
    edits = api.callsOf('editMessageText').length;
    await press('unsuball:yes', user, user.id);
    expect(await nextEdit(edits)).toBe('This chat has no subscriptions; there is nothing to remove.');
    expect(await say1('/unsuball', user)).toBe('This chat has no subscriptions; there is nothing to remove.');

    // The backup, sent back as it is, subscribes the same queries again.
    await talk(shown(backup), user, undefined, 3);
    expect((await app.subscriptions.listOf(key)).map((s) => s.query)).toEqual(subs.map((s) => s.query));
  });

  it('/unsuball in a group: only its admins may ask, and the buttons are checked again when pressed', async () => {
    const group: Chat = { id: -6003, type: 'supergroup' };
    const admin = { id: 1250, language_code: 'zh' };
    const member = { id: 1004, language_code: 'zh' };
    await talk('/sub 光伏', admin, group);
    expect(await say1('/unsuball', member, group)).toContain('只有本群或频道的管理员可以更改订阅');

    const [backup, confirm] = await talk('/unsuball', admin, group, 2);
    // In a group the backup names the bot, so it reaches it whatever the privacy mode.
    expect(shown(backup)).toBe('/sub@tidings_test_bot 光伏');
    expect(shown(confirm)).toContain('取消本聊天的全部 1 个订阅');
    expect(shown(confirm)).toContain('上面那条消息是备份');

    const refused = await press('unsuball:yes', member, group.id);
    expect(refused.params.text).toContain('只有本群或频道的管理员');
    expect(await app.subscriptions.listOf('tg:-6003')).toHaveLength(1);

    const edits = api.callsOf('editMessageText').length;
    await press('unsuball:yes', admin, group.id);
    expect(await nextEdit(edits)).toBe('已取消 1 个订阅，丢弃 0 条待发送的提醒。发回备份消息即可重新订阅。');
    expect(await app.subscriptions.listOf('tg:-6003')).toEqual([]);
  });

  it('cuts a long backup into several /sub messages, each within Telegram limits', () => {
    const queries = Array.from({ length: 50 }, (_, i) => `${'长'.repeat(150)}${i}`);
    const messages = subBackup([...queries, 'a\nb'], '/sub');
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.startsWith('/sub ')).toBe(true);
      expect(m.length).toBeLessThanOrEqual(4096);
    }
    expect(messages.flatMap((m) => m.slice('/sub '.length).split('\n'))).toEqual([...queries, 'a b']);
  });

  it('encodes and decodes the unsuball buttons', () => {
    expect(encodeCallback({ kind: 'unsuball', confirmed: true })).toBe('unsuball:yes');
    expect(encodeCallback({ kind: 'unsuball', confirmed: false })).toBe('unsuball:no');
    expect(decodeCallback('unsuball:yes')).toEqual({ kind: 'unsuball', confirmed: true });
    expect(decodeCallback('unsuball:no')).toEqual({ kind: 'unsuball', confirmed: false });
    expect(decodeCallback('unsuball:maybe')).toBeUndefined();
    expect(decodeCallback('forget:yes')).toEqual({ kind: 'forget', confirmed: true });
  });

  it('/version shows the version from package.json; a tidings admin also sees Node and the uptime', async () => {
    expect(pkgVersion).toMatch(/^\d+\.\d+\.\d+/);
    const plain = await say1('/version', { id: 1260, language_code: 'en' });
    expect(plain).toBe(`tidings ${pkgVersion}`);
    const zh = await say1('/version', { id: 1261, language_code: 'zh' });
    expect(zh).toBe(`tidings ${pkgVersion}`);

    const admin = await say1('/version', { id: ADMIN, language_code: 'en' });
    expect(admin).toMatch(new RegExp(`^tidings ${pkgVersion.replace(/\./g, '\\.')}\\nNode\\.js ${process.version.replace(/\./g, '\\.')} · up \\d+ (s|min|h \\d+ min|d \\d+ h \\d+ min)$`));
    const adminZh = await say1('/version', { id: ADMIN, language_code: 'zh' });
    expect(adminZh).toContain(`Node.js ${process.version} · 已运行 `);
  });
});
