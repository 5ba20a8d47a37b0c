/**
 * The Telegram bot's user commands and buttons, long polling the Bot API test double with the
 * real grammY client, on memory app pieces with a few stored articles.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { App } from '../../src/app.js';
import type { Delivery } from '../../src/domain/subscription.js';
import type { TidingsBot } from '../../src/notify/telegram/bot.js';
import { parseDigestTime } from '../../src/notify/telegram/commands/user.js';
import { visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.js';


const zhUser = { id: 1001, language_code: 'zh-hans' };
const enUser = { id: 1002, language_code: 'en' };

describe('tidings bot: user commands', () => {
  let api: FakeBotApi;
  let app: App;
  let tb: TidingsBot;
  let world: BotWorld;

  beforeAll(async () => {
    world = await startBotWorld({ SUBS_PER_SUBSCRIBER: '3' });
    ({ api, app, tb } = world);
  });

  afterAll(async () => {
    await tb?.stop();
    await api?.close();
    await app?.close();
  });

  const talk: BotWorld['talk'] = (...args) => world.talk(...args);

  const shown = (call: RecordedCall | undefined) => visibleText(String(call?.params.text ?? ''));

  async function press(data: string, from: { id: number; language_code?: string }, chatId: number, messageId = 1): Promise<RecordedCall> {
    const before = api.callsOf('answerCallbackQuery').length;
    api.pushCallback(data, from, { chat_id: chatId, message_id: messageId });
    await api.waitFor(() => api.callsOf('answerCallbackQuery').length > before, 10_000, `answer to ${data}`);
    return api.callsOf('answerCallbackQuery').at(-1)!;
  }

  it('long-polls after deleting any webhook', () => {
    expect(api.callsOf('deleteWebhook').length).toBeGreaterThanOrEqual(1);
    expect(api.callsOf('setWebhook')).toHaveLength(0);
  });

  it('/start answers in Chinese for zh clients and in English otherwise, and remembers the chat language', async () => {
    const [zh] = await talk('/start', zhUser);
    expect(zh!.params.parse_mode).toBe('HTML');
    expect(shown(zh)).toContain('监测各地科技新闻');
    expect(shown(zh)).toContain('/sub 科技援疆');
    const [en] = await talk('/start', enUser);
    expect(shown(en)).toContain('watches Chinese regional');
    expect(shown(en)).toContain('/sub 科技援疆');
    expect(await app.chatPrefs.language(zhUser.id)).toBe('zh');
    expect(await app.chatPrefs.language(enUser.id)).toBe('en');
    const [help] = await talk('/help', enUser);
    expect(shown(help)).toContain('title:A');
    expect(shown(help)).not.toContain('/addsource');
  });

  it('/sub subscribes at once and says how the query was understood and how many recent articles it matches', async () => {
    const [reply] = await talk('/sub 科技援疆 -庆阳', enUser);
    expect(shown(reply)).toContain('Subscribed: 科技援疆 AND NOT 庆阳');
    expect(shown(reply)).toContain('matched 1 of the last 3 articles');
    const subs = await app.subscriptions.listOf('tg:1002');
    expect(subs.map((s) => [s.query, s.createdBy, s.timeZone])).toEqual([['科技援疆 -庆阳', 'telegram:1002', 'Asia/Shanghai']]);

    const [zh] = await talk('/sub 科技援疆', zhUser);
    expect(shown(zh)).toContain('已订阅：科技援疆');
    expect(shown(zh)).toContain('最近 3 篇文章中有 2 篇会匹配');

    const [again] = await talk('/sub 科技援疆', zhUser);
    expect(shown(again)).toContain('已有此订阅');
    expect(await app.subscriptions.listOf('tg:1001')).toHaveLength(1);
  });

  it('/sub without a query shows the usage; a bad query says what is wrong and where, and subscribes nothing', async () => {
    const [usage] = await talk('/sub', enUser);
    expect(shown(usage)).toBe('Usage: /sub 科技援疆');
    const [bad] = await talk('/sub 科技 OR', enUser);
    expect(shown(bad)).toContain('(character 4)');
    expect(shown(bad)).toContain('OR needs a term on both sides');
    const [neg] = await talk('/sub -庆阳', zhUser);
    expect(shown(neg)).toContain('查询有误（第 1 个字符）');
    expect((await app.subscriptions.listOf('tg:1002')).map((s) => s.query)).toEqual(['科技援疆 -庆阳']);
  });

  it('refuses a subscription beyond the cap with n/limit', async () => {
    const user = { id: 1010, language_code: 'en' };
    for (const q of ['a1', 'a2', 'a3']) await talk(`/sub ${q}`, user);
    const [refused] = await talk('/sub a4', user);
    expect(shown(refused)).toContain('3/3');
    expect((await app.subscriptions.listOf('tg:1010')).map((s) => s.query)).toEqual(['a1', 'a2', 'a3']);
  });

  it('/unsub lists buttons; pressing one removes that subscription, and only in its own chat', async () => {
    const user = { id: 1020, language_code: 'en' };
    await talk('/sub 光伏', user);
    await talk('/sub 风电', user);
    const [list] = await talk('/unsub', user);
    const markup = list!.params.reply_markup as InlineKeyboardMarkup;
    const buttons = markup.inline_keyboard.flat();
    const subs = await app.subscriptions.listOf('tg:1020');
    expect(buttons.map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(subs.map((s) => `unsub:${s.id}`));
    expect(buttons[0]!.text).toContain('光伏');

    // Someone else's chat pressing a button with this id: nothing happens.
    const foreign = await press(`unsub:${subs[0]!.id}`, enUser, enUser.id);
    expect(foreign.params.text).toMatch(/no such subscription/);
    expect(await app.subscriptions.listOf('tg:1020')).toHaveLength(2);

    const edits = api.callsOf('editMessageText').length;
    const answer = await press(`unsub:${subs[0]!.id}`, user, user.id, 55);
    expect(answer.params.text).toBe('Removed: 光伏');
    expect((await app.subscriptions.listOf('tg:1020')).map((s) => s.query)).toEqual(['风电']);
    await api.waitFor(() => api.callsOf('editMessageText').length > edits);
    const edit = api.callsOf('editMessageText').at(-1)!;
    expect(edit.params.message_id).toBe(55);
    expect((edit.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat().map((b) => b.text)).toEqual(['✕ 风电']);

    const [byNumber] = await talk('/unsub 1', user);
    expect(shown(byNumber)).toBe('Removed: 风电');
    const [none] = await talk('/unsub', user);
    expect(shown(none)).toContain('no subscriptions yet');
  });

  it('the stop button under an alert removes that subscription after the owner check', async () => {
    const user = { id: 1030, language_code: 'zh' };
    await talk('/sub 揭牌', user);
    const [sub] = await app.subscriptions.listOf('tg:1030');
    const answer = await press(`stop:${sub!.id}`, user, user.id);
    expect(answer.params.text).toBe('已退订：揭牌');
    expect(await app.subscriptions.listOf('tg:1030')).toHaveLength(0);
    const gone = await press(`stop:${sub!.id}`, user, user.id);
    expect(gone.params.text).toContain('没有这个订阅');
  });

  it('/pause, /resume, /digest, /script and /list change and show all of the chat subscriptions', async () => {
    const user = { id: 1040, language_code: 'en' };
    await talk('/sub 科技援疆', user);
    await talk('/sub 风力发电', user);
    const key = 'tg:1040';

    expect(shown((await talk('/pause', user))[0])).toContain('Paused 2 subscriptions');
    expect((await app.subscriptions.listOf(key)).every((s) => s.paused && s.pausedReason === 'user')).toBe(true);
    const [list] = await talk('/list', user);
    expect(shown(list)).toContain('Subscriptions of this chat (2)');
    expect(shown(list)).toContain('1. 科技援疆 — paused (paused by you)');
    // A new subscription in a paused chat is paused too, and says so.
    const [third] = await talk('/sub 光伏', user);
    expect(shown(third)).toContain('alerts are paused in this chat');
    expect((await app.subscriptions.listOf(key)).map((s) => s.paused)).toEqual([true, true, true]);
    expect(shown((await talk('/resume', user))[0])).toContain('Resumed 3 subscriptions');
    expect((await app.subscriptions.listOf(key)).some((s) => s.paused)).toBe(false);

    expect(shown((await talk('/digest daily@8:30 Asia/Urumqi', user))[0])).toContain('daily digest at 08:30 (Asia/Urumqi)');
    expect((await app.subscriptions.listOf(key)).map((s) => [s.mode, s.digestAt, s.timeZone])).toEqual(Array(3).fill(['digest', '08:30', 'Asia/Urumqi']));
    expect(shown((await talk('/list', user))[0])).toContain('daily digest at 08:30 (Asia/Urumqi)');
    expect(shown((await talk('/digest daily@25:00', user))[0])).toContain('cannot read the time daily@25:00');
    expect(shown((await talk('/digest 08:00 Mars/Olympus', user))[0])).toContain('Unknown time zone Mars/Olympus');
    expect(shown((await talk('/digest', user))[0])).toContain('Usage: /digest');
    expect(shown((await talk('/digest off', user))[0])).toContain('3 subscriptions back to instant alerts');
    expect((await app.subscriptions.listOf(key)).every((s) => s.mode === 'instant' && s.digestAt === undefined && s.timeZone === 'Asia/Urumqi')).toBe(true);

    expect(shown((await talk('/script hant', user))[0])).toContain('in Traditional Chinese');
    expect((await app.subscriptions.listOf(key)).every((s) => s.script === 'hant')).toBe(true);
    expect(shown((await talk('/script klingon', user))[0])).toContain('Usage: /script original|hans|hant');
    expect((await app.subscriptions.listOf(key)).every((s) => s.script === 'hant')).toBe(true);
  });

  it('reads digest times', () => {
    expect(parseDigestTime('daily@08:00')).toBe('08:00');
    expect(parseDigestTime('8')).toBe('08:00');
    expect(parseDigestTime('DAILY@7:05')).toBe('07:05');
    expect(parseDigestTime('24:00')).toBeUndefined();
    expect(parseDigestTime('08:60')).toBeUndefined();
    expect(parseDigestTime('weekly@08:00')).toBeUndefined();
  });

  it('/feed gives the chat its private feed URL', async () => {
    const user = { id: 1050, language_code: 'en' };
    expect(shown((await talk('/feed', user))[0])).toContain('no subscriptions yet');
    await talk('/sub 科技援疆', user);
    const [reply] = await talk('/feed', user);
    const token = await app.subscriptions.subscriberToken('tg:1050');
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(shown(reply)).toContain(`https://tidings.example.org/feeds/sub/${token}.atom`);
    expect(await app.subscriptions.subscriberByToken(token)).toBe('tg:1050');
  });

  it('/preview lists the matching recent articles as links, escaped', async () => {
    const [reply] = await talk('/preview 科技援疆', enUser);
    const html = String(reply!.params.text);
    expect(shown(reply)).toContain('2 of the last 3 articles match');
    expect(html).toContain('<a href="https://kjt.xinjiang.gov.cn/a/1.html">第七次全国科技援疆工作会议召开</a>');
    expect(html).toContain('庆阳市科技援疆项目 &lt;签约&gt; &amp; 启动');
    expect(shown(reply)).toContain('新疆科技厅');
    expect(html.indexOf('/a/1.html')).toBeLessThan(html.indexOf('/a/2.html'));
    // Script-insensitive, like alerts.
    expect(shown((await talk('/preview 風力發電', enUser))[0])).toContain('1 of the last 3 articles match');
    expect(shown((await talk('/preview 区块链', enUser))[0])).toBe('None of the last 3 articles matches.');
    expect(shown((await talk('/preview (风力', enUser))[0])).toContain('(character 1)');
  });

  it('/forget asks first; "no" keeps everything, "yes" deletes subscriptions, tokens, pending alerts and chat prefs', async () => {
    const user = { id: 1060, language_code: 'en' };
    const key = 'tg:1060';
    await talk('/sub 科技援疆', user);
    await talk('/sub 光伏', user);
    const token = await app.subscriptions.subscriberToken(key);
    const [sub] = await app.subscriptions.listOf(key);
    const pending: Delivery = {
      key: `telegram:${key}:story1`,
      channel: 'telegram',
      subscriberKey: key,
      subscriber: { kind: 'telegram', chatId: 1060 },
      subscriptionIds: [sub!.id],
      articleId: 'a1',
      storyKey: 'story1',
      status: 'pending',
      attempts: 0,
      createdAt: new Date().toISOString(),
      notBefore: new Date().toISOString(),
    };
    await app.outbox.enqueue([pending]);
    const pendingBefore = await app.outbox.pendingCount('telegram');
    expect(await app.kv.get('telegram:chat:1060')).toBeDefined();

    const [confirm] = await talk('/forget', user);
    expect(shown(confirm)).toContain('2 subscriptions');
    const buttons = (confirm!.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat();
    expect(buttons.map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(['forget:yes', 'forget:no']);

    await press('forget:no', user, user.id);
    await api.waitFor(() => api.callsOf('editMessageText').some((c) => String(c.params.text).includes('Cancelled')));
    expect(await app.subscriptions.listOf(key)).toHaveLength(2);

    await press('forget:yes', user, user.id);
    await api.waitFor(() => api.callsOf('editMessageText').some((c) => String(c.params.text).startsWith('Deleted 2 subscriptions')));
    expect(api.callsOf('editMessageText').at(-1)!.params.text).toContain('and 1 alert not yet sent');
    expect(await app.subscriptions.listOf(key)).toEqual([]);
    expect(await app.subscriptions.get(sub!.id)).toBeUndefined();
    expect(await app.subscriptions.byToken(sub!.feedToken)).toBeUndefined();
    expect(await app.subscriptions.subscriberByToken(token)).toBeUndefined();
    expect(await app.outbox.get(pending.key)).toBeUndefined();
    expect(await app.outbox.pendingCount('telegram')).toBe(pendingBefore - 1);
    expect(await app.kv.get('telegram:chat:1060')).toBeUndefined();
  });

  it('works in groups with /cmd@botname, for chat admins only, and ignores commands for other bots', async () => {
    const group = { id: -5002, type: 'supergroup' as const };
    const [reply] = await talk('/sub@tidings_test_bot 光伏', { id: 1003, language_code: 'zh' }, group);
    expect(shown(reply)).toContain('已订阅：光伏');
    expect(reply!.params.reply_parameters).toMatchObject({ allow_sending_without_reply: true });
    expect(api.callsOf('getChatMember').at(-1)!.params).toMatchObject({ chat_id: -5002, user_id: 1003 });
    expect((await app.subscriptions.listOf('tg:-5002')).map((s) => [s.query, s.createdBy])).toEqual([['光伏', 'telegram:1003']]);

    const member = { id: 1004, language_code: 'en' };
    const [refused] = await talk('/sub@tidings_test_bot 风电', member, group);
    expect(shown(refused)).toContain("Only this chat's admins");
    const [pauseRefused] = await talk('/pause', member, group);
    expect(shown(pauseRefused)).toContain("Only this chat's admins");
    expect((await app.subscriptions.listOf('tg:-5002')).map((s) => [s.query, s.paused])).toEqual([['光伏', false]]);
    // Reading is for everyone.
    const [list] = await talk('/list@tidings_test_bot', member, group);
    expect(shown(list)).toContain('1. 光伏');

    // A command for another bot gets no answer: the next reply is the one to /help.
    const before = api.sentTo(-5002).length;
    api.pushMessage('/sub@other_bot 风电', member, group);
    const [next] = await talk('/help', member, group);
    expect(shown(next)).toContain('Commands');
    expect(api.sentTo(-5002)).toHaveLength(before + 1);
    expect(await app.subscriptions.listOf('tg:-5002')).toHaveLength(1);
  });

  it('a plain member cannot press the buttons of a group', async () => {
    const [sub] = await app.subscriptions.listOf('tg:-5002');
    const answer = await press(`unsub:${sub!.id}`, { id: 1004, language_code: 'en' }, -5002);
    expect(answer.params.text).toContain("Only this chat's admins");
    expect(await app.subscriptions.listOf('tg:-5002')).toHaveLength(1);
  });

  it('lets an anonymous group admin (a message sent as the group) manage the group, but not a message sent as another channel', async () => {
    const group = { id: -5003, type: 'supergroup' as const, title: '群' };
    let nextId = 9000;
    const asChat = (text: string, sender: { id: number; type: string; title: string }) => ({
      message: {
        message_id: nextId++,
        date: Math.floor(Date.now() / 1000),
        chat: group,
        from: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
        sender_chat: sender,
        text,
        entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }],
      },
    });
    const checks = api.callsOf('getChatMember').length;
    let before = api.sentTo(-5003).length;
    api.pushUpdate(asChat('/sub 光伏', { id: -5003, type: 'supergroup', title: '群' }));
    await api.waitFor(() => api.sentTo(-5003).length > before);
    expect(shown(api.sentTo(-5003).at(-1))).toContain('已订阅：光伏');
    expect((await app.subscriptions.listOf('tg:-5003')).map((s) => s.query)).toEqual(['光伏']);

    before = api.sentTo(-5003).length;
    api.pushUpdate(asChat('/pause', { id: -1000777, type: 'channel', title: '别的频道' }));
    await api.waitFor(() => api.sentTo(-5003).length > before);
    expect(shown(api.sentTo(-5003).at(-1))).toContain('只有本群或频道的管理员');
    expect((await app.subscriptions.listOf('tg:-5003')).map((s) => s.paused)).toEqual([false]);
    expect(api.callsOf('getChatMember')).toHaveLength(checks);
  });

  it('handles commands posted in a channel', async () => {
    const channel = { id: -1009, type: 'channel' as const, title: '科技快讯' };
    const [reply] = await talk('/sub 风力发电', { id: 0 }, channel);
    expect(shown(reply)).toContain('已订阅：风力发电');
    expect(shown(reply)).toContain('最近 3 篇文章中有 1 篇会匹配');
    expect((await app.subscriptions.listOf('tg:-1009')).map((s) => [s.query, s.createdBy])).toEqual([['风力发电', 'telegram:chat:-1009']]);
    // Posts are by the channel's admins: no member check is needed.
    expect(api.callsOf('getChatMember').some((c) => c.params.chat_id === -1009)).toBe(false);
  });

  it('answers a failing command with a short message and keeps running', async () => {
    const user = { id: 1070, language_code: 'en' };
    const spy = vi.spyOn(app.subscriptions, 'listOf').mockRejectedValueOnce(new Error('store down'));
    const [failed] = await talk('/list', user);
    spy.mockRestore();
    expect(shown(failed)).toBe('Something went wrong on our side; please try again in a minute.');
    const [ok] = await talk('/list', user);
    expect(shown(ok)).toContain('no subscriptions yet');
    const metrics = await app.metrics.registry.getSingleMetricAsString('tidings_bot_commands_total');
    expect(metrics).toMatch(/tidings_bot_commands_total\{command="list",outcome="error"\} 1/);
    expect(metrics).toMatch(/tidings_bot_commands_total\{command="sub",outcome="ok"\} \d+/);
  });
});
