/**
 * /name and /tags: a display name and hashtags per subscription, set and cleared from the
 * chat, shown by /list and carried by alerts — the real grammY bot long polling the Bot API
 * test double, on memory app pieces, with alerts sent by the app's delivery worker to the
 * same double.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotCommand, InlineKeyboardMarkup } from 'grammy/types';
import type { App } from '../../src/app.js';
import type { Delivery, Subscription } from '../../src/domain/subscription.js';
import { strings } from '../../src/notify/telegram/i18n.js';
import { createTelegramApi, type TelegramNotifier } from '../../src/notify/telegram/telegram-notifier.js';
import { createNotifier } from '../../src/notify/telegram/telegram-runtime.js';
import { visibleText, type FakeBotApi, type RecordedCall } from '../helpers/fake-bot-api.js';
import { PLAIN_MEMBER, startBotWorld, type BotWorld, type TestChat, type TestUser } from '../helpers/bot-world.js';

describe('tidings bot: /name and /tags', () => {
  let world: BotWorld;
  let api: FakeBotApi;
  let app: App;
  let notifier: TelegramNotifier;
  let seq = 0;

  beforeAll(async () => {
    world = await startBotWorld();
    ({ api, app } = world);
    notifier = createNotifier(app, { api: createTelegramApi('123:test', api.url) });
  });

  afterAll(async () => {
    await notifier?.stop();
    await world?.close();
  });

  /** The bot's one reply to `text`, as Telegram would show it (its HTML checked by talk). */
  const say1 = async (text: string, from: TestUser, chat?: TestChat): Promise<string> => visibleText(String((await world.talk(text, from, chat))[0]!.params.text));
  const subsOf = (chatId: number) => app.subscriptions.listOf(`tg:${chatId}`);

  /** Record an alert of `sub` for stored article a1, drain, and return the message Telegram got. */
  async function deliver(sub: Subscription, chatId: number): Promise<RecordedCall> {
    const story = `labels-story-${++seq}`;
    const now = new Date(Date.now() - 1000).toISOString();
    const delivery: Delivery = {
      key: `telegram:${sub.subscriberKey}:${story}`,
      channel: 'telegram',
      subscriberKey: sub.subscriberKey,
      subscriber: { kind: 'telegram', chatId },
      subscriptionIds: [sub.id],
      articleId: 'a1',
      storyKey: story,
      status: 'pending',
      attempts: 0,
      createdAt: now,
      notBefore: now,
    };
    const before = api.sentTo(chatId).length;
    await app.outbox.enqueue([delivery]);
    expect((await notifier.drain()).sent).toBe(1);
    expect(api.sentTo(chatId)).toHaveLength(before + 1);
    return api.sentTo(chatId).at(-1)!;
  }

  it('/name and /tags are in the command menu in both languages and in /help', async () => {
    const menus = api.callsOf('setMyCommands').filter((c) => (c.params.scope as { type: string }).type === 'default');
    const zh = menus.find((c) => c.params.language_code === 'zh')!.params.commands as BotCommand[];
    const en = menus.find((c) => c.params.language_code === undefined)!.params.commands as BotCommand[];
    expect(zh.map((c) => c.command).slice(5, 8)).toEqual(['list', 'name', 'tags']);
    expect(en.find((c) => c.command === 'name')!.description).toBe('Name a subscription: /name N NAME');
    expect(en.find((c) => c.command === 'tags')!.description).toBe('Hashtags for a subscription: /tags N #tag');
    expect(zh.find((c) => c.command === 'name')!.description).toBe('订阅显示名：/name 序号 名称');
    expect(zh.find((c) => c.command === 'tags')!.description).toBe('订阅话题标签：/tags 序号 #标签');
    expect(strings('en').commands.name).toBe('Name a subscription: /name N NAME');

    const enHelp = await say1('/help', { id: 3101, language_code: 'en' });
    expect(enHelp).toContain('/name N NAME — a display name for subscription N, shown in alerts instead of its query (/name N: clear it)');
    expect(enHelp).toContain('/tags N #tag … — hashtags under the title of its alerts (/tags N: clear them)');
    const zhHelp = await say1('/help', { id: 3102, language_code: 'zh-hans' });
    expect(zhHelp).toContain('/name 序号 名称 — 订阅的显示名，提醒中代替查询显示（/name 序号：清除）');
    expect(zhHelp).toContain('/tags 序号 #标签 … — 提醒标题下的话题标签（/tags 序号：清除）');
  });

  it('/name and /tags set a subscription’s name and hashtags, /list shows them, and alone they clear them (English)', async () => {
    const user = { id: 3110, language_code: 'en' };
    await world.talk('/sub 科技援疆', user);
    await world.talk('/sub 风力发电', user);
    const [first, second] = await subsOf(user.id);
    const plainList = await say1('/list', user);
    expect(plainList.split('\n')[1]).toBe(`1. 科技援疆 — instant · ${first!.id}`);

    expect(await say1('/name 1 Xinjiang S&T <news>', user)).toBe('Subscription 科技援疆 is now called Xinjiang S&T <news>.\nAlerts show this name; the query still does the matching.');
    expect(await say1('/tags 1 #xinjiang, 科技、援疆 #xinjiang', user)).toBe('Hashtags of subscription 科技援疆: #xinjiang #科技 #援疆\nThey go on a line under the title of its alerts.');
    // By id, as /unsub takes it.
    expect(await say1(`/tags ${second!.id} wind-power`, user)).toBe('Hashtags of subscription 风力发电: #wind_power\nThey go on a line under the title of its alerts.');
    const [a, b] = await subsOf(user.id);
    expect(a).toMatchObject({ name: 'Xinjiang S&T <news>', hashtags: ['xinjiang', '科技', '援疆'], query: '科技援疆' });
    expect(b).toMatchObject({ hashtags: ['wind_power'] });
    expect(b!.name).toBeUndefined();

    const listed = await world.talk('/list', user);
    const html = String(listed[0]!.params.text);
    expect(html).toContain(`1. <b>Xinjiang S&amp;T &lt;news&gt;</b> · <code>科技援疆</code> — instant · <code>${first!.id}</code>\n   #xinjiang #科技 #援疆\n`);
    expect(visibleText(html).split('\n').slice(1, 5)).toEqual([
      `1. Xinjiang S&T <news> · 科技援疆 — instant · ${first!.id}`,
      '   #xinjiang #科技 #援疆',
      `2. 风力发电 — instant · ${second!.id}`,
      '   #wind_power',
    ]);

    expect(await say1('/name 1', user)).toBe('Subscription 科技援疆 has no name any more; alerts show its query.');
    expect(await say1('/tags 1', user)).toBe('Subscription 科技援疆 has no hashtags any more.');
    expect(await say1(`/tags ${second!.id}`, user)).toBe('Subscription 风力发电 has no hashtags any more.');
    const cleared = await subsOf(user.id);
    expect(cleared.map((s) => [s.name, s.hashtags])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(await say1('/list', user)).toBe(plainList);
  });

  it('replies in Chinese for a zh chat', async () => {
    const user = { id: 3120, language_code: 'zh-hans' };
    await world.talk('/sub 科技援疆', user);
    expect(await say1('/name 1 新疆科技动态', user)).toBe('订阅 科技援疆 的显示名已设为：新疆科技动态\n提醒中将显示这个名称，匹配仍按查询。');
    expect(await say1('/tags 1 #芯片 #半导体', user)).toBe('订阅 科技援疆 的标签已设为：#芯片 #半导体\n它们会显示在提醒标题下方。');
    const [s] = await subsOf(user.id);
    expect(await say1('/list', user)).toContain(`1. 新疆科技动态 · 科技援疆 — 即时 · ${s!.id}\n   #芯片 #半导体`);
    expect(await say1('/tags 1', user)).toBe('已清除订阅 科技援疆 的标签。');
    expect(await say1('/name 1', user)).toBe('已清除订阅 科技援疆 的显示名，提醒中显示查询本身。');
  });

  it('in a group only its admins may, and a plain member changes nothing', async () => {
    const group: TestChat = { id: -7101, type: 'supergroup' };
    const admin = { id: 3130, language_code: 'en' };
    const member = { id: PLAIN_MEMBER, language_code: 'en' };
    await world.talk('/sub@tidings_test_bot 科技援疆', admin, group);
    expect(await say1('/name@tidings_test_bot 1 Ours', member, group)).toBe("Only this chat's admins can change its subscriptions. Nothing was changed.");
    expect(await say1('/tags 1 #mine', member, group)).toBe("Only this chat's admins can change its subscriptions. Nothing was changed.");
    expect(await say1('/name 1', member, group)).toBe("Only this chat's admins can change its subscriptions. Nothing was changed.");
    let [s] = await subsOf(group.id);
    expect(s!.name).toBeUndefined();
    expect(s!.hashtags).toBeUndefined();

    expect(await say1('/name@tidings_test_bot 1 Group news', admin, group)).toContain('is now called Group news');
    expect(await say1('/tags@tidings_test_bot 1 group', admin, group)).toContain('#group');
    // Reading is for everyone; clearing is not.
    expect(await say1('/list', member, group)).toContain('1. Group news · 科技援疆 — instant');
    expect(await say1('/tags 1', member, group)).toContain("Only this chat's admins");
    [s] = await subsOf(group.id);
    expect(s).toMatchObject({ name: 'Group news', hashtags: ['group'] });
  });

  it('answers bad input clearly and changes nothing', async () => {
    const user = { id: 3140, language_code: 'en' };
    expect(await say1('/name 1 Foo', user)).toBe('This chat has no subscriptions yet. Add one with /sub QUERY.');
    await world.talk('/sub 科技援疆', user);

    expect(await say1('/name', user)).toBe('Usage: /name N NAME (N: its number in /list, or its ID); /name N alone clears the name.');
    expect(await say1('/tags', user)).toBe('Usage: /tags N #tag1 #tag2 (N: its number in /list, or its ID; tags separated by spaces or commas); /tags N alone clears them.');
    // A name without the number: no subscription is called that.
    expect(await say1('/name Xinjiang', user)).toBe(
      'This chat has no such subscription (it may have been removed already).\nUsage: /name N NAME (N: its number in /list, or its ID); /name N alone clears the name.',
    );
    expect(await say1('/tags 7 #a', user)).toContain('This chat has no such subscription');
    expect(await say1('/name 0 Zero', user)).toContain('This chat has no such subscription');

    expect(await say1(`/name 1 ${'长'.repeat(65)}`, user)).toBe('That name is too long: at most 64 characters. Nothing was changed.');
    const tooMany = Array.from({ length: 60 }, (_, i) => `#tag${i}`).join(' ');
    expect(await say1(`/tags 1 ${tooMany}`, user)).toBe('Too many hashtags: written as #tag1 #tag2 they may take at most 255 characters. Nothing was changed.');
    expect(await say1('/tags 1 ### !!! <&>', user)).toBe('No usable hashtag in ### !!! <&>: a tag is letters, digits and _, for example /tags 1 #chips #semiconductors. Nothing was changed.');

    const [s] = await subsOf(user.id);
    expect(s!.name).toBeUndefined();
    expect(s!.hashtags).toBeUndefined();
    // At the limits exactly, accepted.
    expect(await say1(`/name 1 ${'长'.repeat(64)}`, user)).toContain('长'.repeat(64));

    const zh = { id: 3141, language_code: 'zh' };
    await world.talk('/sub 科技援疆', zh);
    expect(await say1(`/name 1 ${'长'.repeat(65)}`, zh)).toBe('名称太长：最多 64 个字符。未做任何更改。');
    expect(await say1(`/tags 1 ${tooMany}`, zh)).toBe('标签太多：写成 #标签1 #标签2 最多 255 个字符。未做任何更改。');
    expect(await say1('/name', zh)).toBe('用法：/name 序号 名称（序号见 /list，也可用 ID）；/name 序号 清除名称。');
    expect(await say1('/tags 9 a', zh)).toContain('本聊天没有这个订阅');
  });

  it('an alert for a named, tagged subscription has the tags under the title and the name in the matched line and on the stop button', async () => {
    const user = { id: 3150, language_code: 'zh-hans' };
    await world.talk('/sub 科技援疆', user);
    const [plain] = await subsOf(user.id);
    const before = await deliver(plain!, user.id);
    const beforeText = visibleText(String(before.params.text));
    expect(beforeText.split('\n')[1]).toMatch(/^新疆科技厅 · /);
    expect(beforeText).toContain('订阅：科技援疆');
    expect(String(before.params.text)).not.toMatch(/^#|\n#/);

    await world.talk('/name 1 援疆 <要闻>', user);
    await world.talk('/tags 1 #科技援疆 新疆', user);
    const [sub] = await subsOf(user.id);
    const alert = await deliver(sub!, user.id);
    const html = String(alert.params.text);
    const lines = visibleText(html).split('\n');
    expect(lines[0]).toBe('第七次全国科技援疆工作会议召开');
    expect(lines[1]).toBe('#科技援疆 #新疆');
    expect(lines[2]).toBe(beforeText.split('\n')[1]);
    expect(lines.at(-1)).toBe('订阅：援疆 <要闻>');
    expect(html).toContain('<i>订阅</i>：援疆 &lt;要闻&gt;');
    // Still marked from the query.
    expect(html).toContain('<u>科技援疆</u>');
    // The same message as before, but for the tag line and the name.
    expect(visibleText(html).replace('#科技援疆 #新疆\n', '').replace('订阅：援疆 <要闻>', '订阅：科技援疆')).toBe(beforeText);
    const buttons = (alert.params.reply_markup as InlineKeyboardMarkup).inline_keyboard.flat();
    expect(buttons.map((b) => b.text)).toEqual(['阅读原文', '退订：援疆 <要闻>']);

    // Pressing stop names it the same way.
    const answers = api.callsOf('answerCallbackQuery').length;
    api.pushCallback(`stop:${sub!.id}`, user, { chat_id: user.id, message_id: 1 });
    await api.waitFor(() => api.callsOf('answerCallbackQuery').length > answers, 10_000, 'the stop answer');
    expect(api.callsOf('answerCallbackQuery').at(-1)!.params.text).toBe('已退订：援疆 <要闻>');
    expect(await subsOf(user.id)).toEqual([]);
  });
});
