/**
 * What the bot remembers about a chat beyond its subscriptions: the language its people
 * write in (the `language_code` of the last command sent there), so alerts and channel
 * replies, which have no sender, speak it too. Kept under `telegram:chat:<chatId>`;
 * `/forget` deletes it with everything else. Reads are cached in memory for a minute,
 * since every alert asks.
 */
import type { KeyValue } from '../../store/keyv-store.js';
import type { Lang } from './i18n.js';

interface ChatPrefsRecord {
  lang: Lang;
  updatedAt: string;
}

const CACHE_MS = 60_000;
const CACHE_MAX = 10_000;

export class ChatPrefs {
  private readonly cache = new Map<number, { lang: Lang | undefined; at: number }>();

  constructor(
    private readonly kv: KeyValue,
    /** The language when a chat never told us one. */
    private readonly fallback: Lang = 'zh',
  ) {}

  /** The chat's language, or the fallback. */
  async language(chatId: number): Promise<Lang> {
    const hit = this.cache.get(chatId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.lang ?? this.fallback;
    const record = await this.kv.get<ChatPrefsRecord>(key(chatId));
    this.remember(chatId, record?.lang);
    return record?.lang ?? this.fallback;
  }

  /** Remember the language of a chat (written only when it changes). */
  async setLanguage(chatId: number, lang: Lang): Promise<void> {
    const hit = this.cache.get(chatId);
    if (hit?.lang === lang && Date.now() - hit.at < CACHE_MS) return;
    const record = await this.kv.get<ChatPrefsRecord>(key(chatId));
    if (record?.lang !== lang) await this.kv.set(key(chatId), { lang, updatedAt: new Date().toISOString() } satisfies ChatPrefsRecord);
    this.remember(chatId, lang);
  }

  async forget(chatId: number): Promise<void> {
    this.cache.delete(chatId);
    await this.kv.delete(key(chatId));
  }

  private remember(chatId: number, lang: Lang | undefined): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(chatId, { lang, at: Date.now() });
  }
}

function key(chatId: number): string {
  return `telegram:chat:${chatId}`;
}
