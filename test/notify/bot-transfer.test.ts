/**
 * /export and /import: a chat's subscriptions as a file and back — the real grammY bot long
 * polling the Bot API test double (documents uploaded as multipart, files fetched with
 * getFile and the file download URL), on memory app pieces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BotCommand } from 'grammy/types';
import type { App } from '../../src/app.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { strings } from '../../src/notify/telegram/i18n.js';
import { parseSubscriptionsFile } from '../../src/subscriptions/transfer.js';
import { checkTelegramHtml, visibleText, type FakeBotApi, type SentDocument, type TelegramDocument } from '../helpers/fake-bot-api.js';
import { PLAIN_MEMBER, startBotWorld, type BotWorld, type TestChat, type TestUser } from '../helpers/bot-world.js';

/** What a subscription is, apart from who has it and its ids. */
const essence = (s: Subscription) => ({ query: s.query, name: s.name, hashtags: s.hashtags, mode: s.mode, digestAt: s.digestAt, timeZone: s.timeZone, script: s.script, paused: s.paused });

describe('tidings bot: /export and /import', () => {
  let world: BotWorld;
  let api: FakeBotApi;
  let app: App;

  beforeAll(async () => {
    world = await startBotWorld({ SUBS_PER_SUBSCRIBER: '5' });
    ({ api, app } = world);
  });

  afterAll(async () => {
    await world?.close();
  });

  const subsOf = (chatId: number) => app.subscriptions.listOf(`tg:${chatId}`);
  const say1 = async (text: string, from: TestUser, chat?: TestChat): Promise<string> => visibleText(String((await world.talk(text, from, chat))[0]!.params.text));

  /** Send `/export` and wait for the document it sends to the chat. */
  async function exportFrom(from: TestUser, chat?: TestChat): Promise<SentDocument> {
    const chatId = chat?.id ?? from.id;
    const before = api.documents.filter((d) => d.chatId === chatId).length;
    api.pushMessage(chat && chat.type !== 'private' ? '/export@tidings_test_bot' : '/export', from, chat);
    await api.waitFor(() => api.documents.filter((d) => d.chatId === chatId).length > before, 10_000, `a document for ${chatId}`);
    const doc = api.documents.filter((d) => d.chatId === chatId).at(-1)!;
    expect(checkTelegramHtml(doc.caption ?? '')).toBeUndefined();
    return doc;
  }

  /** Push a message with `document` (caption `/import` unless given) and return the bot's `n` replies as shown. */
  async function importFile(document: TelegramDocument, from: TestUser, chat?: TestChat, opts: { caption?: string; n?: number } = {}): Promise<string[]> {
    const chatId = chat?.id ?? from.id;
    const before = api.sentTo(chatId).length;
    api.pushDocument(opts.caption ?? '/import', document, from, chat);
    const n = opts.n ?? 1;
    await api.waitFor(() => api.sentTo(chatId).length >= before + n, 10_000, `${n} replies to /import`);
    const replies = api.sentTo(chatId).slice(before);
    for (const r of replies) expect(checkTelegramHtml(String(r.params.text))).toBeUndefined();
    return replies.map((r) => visibleText(String(r.params.text)));
  }

  it('/export and /import are in the command menu in both languages and in /help', async () => {
    const menus = api.callsOf('setMyCommands').filter((c) => (c.params.scope as { type: string }).type === 'default');
    const zh = menus.find((c) => c.params.language_code === 'zh')!.params.commands as BotCommand[];
    const en = menus.find((c) => c.params.language_code === undefined)!.params.commands as BotCommand[];
    expect(en.map((c) => c.command).slice(14, 18)).toEqual(['email', 'export', 'import', 'lang']);
    expect(en.find((c) => c.command === 'export')!.description).toBe('Your subscriptions as a file (backup, moving)');
    expect(en.find((c) => c.command === 'import')!.description).toBe('Subscriptions from a file (send it with the caption /import)');
    expect(zh.find((c) => c.command === 'export')!.description).toBe('把订阅导出为文件（备份、迁移）');
    expect(zh.find((c) => c.command === 'import')!.description).toBe(strings('zh').commands.import);

    const enHelp = await say1('/help', { id: 4001, language_code: 'en' });
    expect(enHelp).toContain('/export — your subscriptions as a file (names, tags and settings included)');
    expect(enHelp).toContain('/import — subscriptions from a file: send it with the caption /import, or reply /import to it (one query a line works too)');
    const zhHelp = await say1('/help', { id: 4002, language_code: 'zh-hans' });
    expect(zhHelp).toContain('/export — 把订阅导出为文件（名称、标签和设置都在内）');
    expect(zhHelp).toContain('/import — 从文件导入订阅：发送文件并附言 /import，或回复 /import（也接受每行一个查询的文本）');
  });

  it('/export sends the subscriptions as a file that parses back; /import of it into another chat creates them', async () => {
    const from = { id: 4010, language_code: 'en' };
    expect(await say1('/export', from)).toBe('This chat has no subscriptions yet. Add one with /sub QUERY.');
    expect(api.documents.filter((d) => d.chatId === from.id)).toHaveLength(0);

    await world.talk('/sub 科技援疆 -庆阳', from);
    await world.talk('/sub "风力发电" OR 光伏', from);
    await world.talk('/name 1 援疆 <动态> & more', from);
    await world.talk('/tags 1 #新疆 #科技', from);
    await world.talk('/digest daily@07:30 Europe/Berlin', from);
    await world.talk('/script hant', from);
    await world.talk('/pause', from);
    const original = await subsOf(from.id);

    const doc = await exportFrom(from);
    expect(doc.filename).toBe('tidings-subscriptions.yaml');
    expect(doc.call.method).toBe('sendDocument');
    expect(doc.parseMode).toBe('HTML');
    expect(visibleText(doc.caption!)).toBe(
      'The 2 subscriptions of this chat, with names, tags and settings.\n' +
        'To restore them, here or in another chat: send this file to the bot with the caption /import, or reply /import to this message.',
    );
    const text = doc.bytes.toString('utf8');
    expect(text).toContain('tidings: subscriptions/1\nsubscriptions:\n  - query: 科技援疆 -庆阳\n    name: 援疆 <动态> & more\n    tags: [新疆, 科技]\n    digest: daily@07:30\n');
    const entries = parseSubscriptionsFile(text, doc.filename);
    expect(entries.map((e) => e.query)).toEqual(['科技援疆 -庆阳', '"风力发电" OR 光伏']);

    // Another user imports the very document the bot sent (Telegram keeps it under its file_id).
    const to = { id: 4011, language_code: 'en' };
    const [report] = await importFile(doc.message.document, to);
    expect(report).toBe("Imported from tidings-subscriptions.yaml: 2 added, 0 already here.\n\n/list shows this chat's subscriptions.");
    expect(api.callsOf('getFile').at(-1)!.params.file_id).toBe(doc.message.document.file_id);
    expect(api.downloads.at(-1)!.token).toBe('123:test');
    const copied = await subsOf(to.id);
    expect(copied.map(essence)).toEqual(original.map(essence));
    expect(copied.every((s) => s.createdBy === `telegram:${to.id}` && s.paused && s.pausedReason === 'user')).toBe(true);

    // Replying /import to the export message in the same chat: everything is there already.
    const before = api.sentTo(from.id).length;
    api.pushMessage('/import', from, undefined, { reply_to_message: doc.message });
    await api.waitFor(() => api.sentTo(from.id).length > before);
    expect(visibleText(String(api.sentTo(from.id).at(-1)!.params.text))).toBe("Imported from tidings-subscriptions.yaml: 0 added, 2 already here.\n\n/list shows this chat's subscriptions.");
    expect((await subsOf(from.id)).map(essence)).toEqual(original.map(essence));
  });

  it('/import without a file says how; a file too big is refused with the limit, unread', async () => {
    const user = { id: 4020, language_code: 'en' };
    expect(await say1('/import', user)).toBe(
      'Usage: send a subscriptions file (from /export, or one query a line) with the caption /import, or reply /import to a message carrying it. At most 64 KB.',
    );
    const big = api.addFile(`/sub 科技援疆\n${'风电\n'.repeat(10_000)}`, { fileName: 'big.txt' });
    expect(big.file_size).toBeGreaterThan(64 * 1024);
    const downloads = api.downloads.length;
    expect(await importFile(big, user)).toEqual(['That file is 69 KB; /import takes at most 64 KB. Nothing was imported.']);
    expect(api.downloads).toHaveLength(downloads);
    // Telegram not saying the size: cut off while downloading.
    const unsized = api.addFile(`/sub 科技援疆\n${'风电\n'.repeat(10_000)}`, { fileName: 'big.txt', fileSize: undefined });
    expect(await importFile(unsized, user)).toEqual(['That file is 69 KB; /import takes at most 64 KB. Nothing was imported.']);
    expect(await subsOf(user.id)).toEqual([]);
  });

  it('a file with problems imports nothing and lists each with its line; a plain-text backup imports', async () => {
    const user = { id: 4030, language_code: 'en' };
    const bad = api.addFile(['tidings: subscriptions/1', 'subscriptions:', '  - query: 科技援疆', '    colour: red', '  - query: 科技 (援疆', '  - query: 风电', '    digest: weekly'].join('\n'), {
      fileName: 'mine.yaml',
    });
    expect(await importFile(bad, user)).toEqual([
      [
        'Nothing was imported: mine.yaml has 3 problems:',
        'line 4: subscriptions[0].colour: unknown key "colour" (allowed: query, name, tags, digest, timeZone, script, paused)',
        'line 5: subscriptions[1].query: unclosed "(" at 4 in "科技 (援疆"; positions count characters from 1',
        'line 7: subscriptions[2].digest: expected daily@HH:MM with a time between 00:00 and 23:59 (like daily@08:00), or instant; got "weekly"',
        '',
        'Fix them and send the file again with the caption /import.',
      ].join('\n'),
    ]);
    expect(await subsOf(user.id)).toEqual([]);

    const future = api.addFile('tidings: subscriptions/2\nsubscriptions: []\n', { fileName: 'future.yaml' });
    expect((await importFile(future, user))[0]).toContain('line 1: tidings: expected subscriptions/1, the version this tidings reads; got "subscriptions/2"');
    const gbk = api.addFile(new Uint8Array([0xbf, 0xc6, 0xbc, 0xbc]), { fileName: 'gbk.txt' });
    expect(await importFile(gbk, user)).toEqual([
      'Nothing was imported: gbk.txt has 1 problem:\nnot UTF-8 text: expected a tidings subscriptions file (YAML) or one query a line\n\nFix them and send the file again with the caption /import.',
    ]);
    // Many problems: the first 20, then how many more.
    const many = api.addFile(Array.from({ length: 25 }, (_, i) => `科技 (援疆${i}`).join('\n'), { fileName: 'many.txt' });
    const [manyReply] = await importFile(many, user);
    expect(manyReply!.split('\n').filter((l) => l.startsWith('line '))).toHaveLength(20);
    expect(manyReply).toContain('line 20: query: unclosed "(" at 4');
    expect(manyReply).toContain('\n…and 5 more\n');

    const backup = api.addFile('/sub 科技援疆 -庆阳\n风电 OR 光伏\n', { fileName: 'backup.txt' });
    expect(await importFile(backup, user, undefined, { caption: '/import@tidings_test_bot' })).toEqual(["Imported from backup.txt: 2 added, 0 already here.\n\n/list shows this chat's subscriptions."]);
    expect((await subsOf(user.id)).map((s) => s.query)).toEqual(['科技援疆 -庆阳', '风电 OR 光伏']);
    // A caption naming another bot is not ours.
    const sent = api.sent.length;
    api.pushDocument('/import@other_bot', backup, user);
    await world.talk('/version', user);
    expect(api.sent.length).toBe(sent + 1);
  });

  it('stops at the chat’s cap and lists what it could not add, by line', async () => {
    const user = { id: 4040, language_code: 'en' };
    for (const q of ['a1', 'a2', 'a3']) await world.talk(`/sub ${q}`, user);
    const file = api.addFile('b1\na1\nb2\nb3\nb4\n', { fileName: 'more.txt' });
    expect(await importFile(file, user)).toEqual([
      [
        'Imported from more.txt: 2 added, 1 already here, 2 not imported:',
        'line 4 b3: this chat has reached its limit (5/5)',
        'line 5 b4: this chat has reached its limit (5/5)',
        '',
        'Remove some with /unsub, then import the same file again (what is already here is kept). /list shows them.',
      ].join('\n'),
    ]);
    expect((await subsOf(user.id)).map((s) => s.query)).toEqual(['a1', 'a2', 'a3', 'b1', 'b2']);
  });

  it('in a group only its admins import; anyone may export, like /list', async () => {
    const group: TestChat = { id: -7201, type: 'supergroup' };
    const admin = { id: 4050, language_code: 'en' };
    const member = { id: PLAIN_MEMBER, language_code: 'en' };
    await world.talk('/sub@tidings_test_bot 科技援疆', admin, group);
    const file = api.addFile('风电\n光伏\n', { fileName: 'group.txt' });
    const getFiles = api.callsOf('getFile').length;
    expect(await importFile(file, member, group, { caption: '/import@tidings_test_bot' })).toEqual(["Only this chat's admins can change its subscriptions. Nothing was changed."]);
    expect(api.callsOf('getFile')).toHaveLength(getFiles);
    expect((await subsOf(group.id)).map((s) => s.query)).toEqual(['科技援疆']);

    const doc = await exportFrom(member, group);
    expect(visibleText(doc.caption!)).toContain('send this file to the bot with the caption /import@tidings_test_bot, or reply /import@tidings_test_bot to this message.');
    expect((doc.call.params.reply_parameters as { message_id: number }).message_id).toBeGreaterThan(0);

    expect(await importFile(file, admin, group, { caption: '/import@tidings_test_bot' })).toEqual(["Imported from group.txt: 2 added, 0 already here.\n\n/list shows this chat's subscriptions."]);
    expect((await subsOf(group.id)).map((s) => s.query)).toEqual(['科技援疆', '风电', '光伏']);
  });

  it('replies in Chinese for a zh chat', async () => {
    const user = { id: 4060, language_code: 'zh-hans' };
    expect(await say1('/export', user)).toBe('本聊天还没有订阅。发送 /sub 关键词 添加。');
    await world.talk('/sub 科技援疆', user);
    await world.talk('/name 1 新疆科技', user);
    const doc = await exportFrom(user);
    expect(visibleText(doc.caption!)).toBe('本聊天的 1 个订阅（含名称、标签和设置）。\n要恢复（在这里或其他聊天）：把这个文件发给机器人并附言 /import，或回复这条消息 /import。');
    expect(await say1('/import', user)).toBe('用法：发送订阅文件（来自 /export，或每行一个查询的文本）并附言 /import，或用 /import 回复带有该文件的消息。文件最大 64 KB。');

    // The same file again with another name: the existing subscription takes it.
    const renamed = api.addFile(doc.bytes.toString('utf8').replace('name: 新疆科技', 'name: 援疆') + '  - query: 风电\n  - query: 光伏 -招聘\n    paused: true\n', { fileName: 'tidings-subscriptions.yaml' });
    expect(await importFile(renamed, user)).toEqual(['已从 tidings-subscriptions.yaml 导入：新增 2 个，已有 1 个（其中 1 个更新了名称或标签）。\n\n/list 查看本聊天的订阅。']);
    expect((await subsOf(user.id)).map((s) => [s.query, s.name, s.paused])).toEqual([
      ['科技援疆', '援疆', false],
      ['风电', undefined, false],
      ['光伏 -招聘', undefined, true],
    ]);

    const big = api.addFile('x'.repeat(100 * 1024), { fileName: 'big.txt' });
    expect(await importFile(big, user)).toEqual(['文件太大（100 KB），/import 最多接受 64 KB。未导入任何订阅。']);
    const bad = api.addFile('科技 (援疆\n', { fileName: 'bad.txt' });
    expect(await importFile(bad, user)).toEqual(['未导入任何订阅：文件 bad.txt 有 1 处问题：\n第 1 行：query: unclosed "(" at 4 in "科技 (援疆"; positions count characters from 1\n\n修正后再次发送文件并附言 /import。']);
    const more = api.addFile('a1\na2\na3\n', { fileName: 'more.txt' });
    expect(await importFile(more, user)).toEqual([
      '已从 more.txt 导入：新增 2 个，已有 0 个，1 个未导入：\n第 3 行 a3：订阅数已达上限（5/5）\n\n用 /unsub 删除一些订阅后再次导入同一文件即可（已有的订阅会保留）。/list 查看订阅。',
    ]);
  });
});
