/**
 * The Bot API test double itself: the real grammY client against it over loopback.
 */
import { Api, GrammyError } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTelegramHtml, replies, startFakeBotApi, type FakeBotApi } from '../helpers/fake-bot-api.js';

let api: FakeBotApi;
let client: Api;
beforeAll(async () => {
  api = await startFakeBotApi();
  client = new Api('123:abc', { apiRoot: api.url });
});
afterAll(async () => api.close());

describe('fake Bot API', () => {
  it('records sendMessage and answers like Telegram', async () => {
    const msg = await client.sendMessage(42, '<b>hi</b> &amp; bye', { parse_mode: 'HTML' });
    expect(msg.chat.id).toBe(42);
    expect(api.sentTo(42)).toHaveLength(1);
    expect(api.sentTo(42)[0]!.token).toBe('123:abc');
  });

  it('rejects malformed HTML as Telegram does', async () => {
    await expect(client.sendMessage(42, 'a < b', { parse_mode: 'HTML' })).rejects.toThrow(/can't parse entities/);
    expect(checkTelegramHtml('<a href="x">ok</a>')).toBeUndefined();
    expect(checkTelegramHtml('<div>x</div>')).toMatch(/unsupported start tag/);
    expect(checkTelegramHtml('<b>x')).toMatch(/unclosed/);
    expect(checkTelegramHtml('&nbsp;')).toMatch(/unsupported entity/);
  });

  it('scripts failures for matching calls only', async () => {
    api.failNext('sendMessage', (p) => p.chat_id === 7, replies.tooManyRequests(3));
    const err = await client.sendMessage(7, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect((err as GrammyError).parameters.retry_after).toBe(3);
    await expect(client.sendMessage(8, 'x')).resolves.toBeTruthy();
    await expect(client.sendMessage(7, 'x')).resolves.toBeTruthy();
  });

  it('serves pushed updates by long polling', async () => {
    const pending = client.getUpdates({ timeout: 5 });
    api.pushMessage('/start', { id: 5, language_code: 'zh-hans' });
    const updates = await pending;
    expect(updates).toHaveLength(1);
    expect(updates[0]!.message?.text).toBe('/start');
    const next = await client.getUpdates({ offset: updates[0]!.update_id + 1, timeout: 0 });
    expect(next).toHaveLength(0);
  });
});
