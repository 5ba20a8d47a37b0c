/**
 * What the bot remembers about a chat beyond its subscriptions, kept under
 * `telegram:chat:<chatId>`; `/forget` deletes it with everything else:
 *
 * - `lang`: the language its people write in (the `language_code` of the last command sent
 *   there), so alerts and channel replies, which have no sender, speak it too;
 * - `pinnedLang`: the language chosen with `/lang zh|en`, which wins over `lang` and over the
 *   sender's own language until `/lang auto`;
 * - `silent`: `/silent on`, alerts sent without a notification sound (`disable_notification`).
 *
 * A record written before `pinnedLang` and `silent` existed reads as not pinned and not silent.
 * Reads are cached in memory for two seconds, since every alert asks (twice: language and
 * sound); a change made through this object is seen by it at once, and another process (a
 * delivery worker while the bot runs in `tidings start`, or a second instance on one store)
 * sees it within the two seconds. A store read per chat every two seconds at most is nothing
 * next to Telegram's one message a second per chat.
 */
import type { KeyValue } from '../../store/keyv-store.js';
import type { Lang } from './i18n.js';

interface ChatPrefsRecord {
  /** The language of the last command with a `language_code`. */
  lang?: Lang;
  /** `/lang zh|en`. */
  pinnedLang?: Lang;
  /** `/silent on`. */
  silent?: boolean;
  updatedAt: string;
}

type Prefs = Omit<ChatPrefsRecord, 'updatedAt'>;

export const CHAT_PREFS_CACHE_MS = 2_000;
const CACHE_MAX = 10_000;

export class ChatPrefs {
  private readonly cache = new Map<number, { prefs: Prefs; at: number }>();

  constructor(
    private readonly kv: KeyValue,
    /** The language when a chat never told us one. */
    private readonly fallback: Lang = 'zh',
  ) {}

  /** The chat's language: the pinned one, else the last one seen, else the fallback. */
  async language(chatId: number): Promise<Lang> {
    const prefs = await this.read(chatId);
    return prefs.pinnedLang ?? prefs.lang ?? this.fallback;
  }

  /** The language pinned with `/lang`, or undefined when the chat follows its senders. */
  async pinnedLanguage(chatId: number): Promise<Lang | undefined> {
    return (await this.read(chatId)).pinnedLang;
  }

  /** Whether the chat's alerts go without a notification sound. */
  async silent(chatId: number): Promise<boolean> {
    return (await this.read(chatId)).silent === true;
  }

  /** Remember the language a chat's people write in (written only when it changes). */
  async setLanguage(chatId: number, lang: Lang): Promise<void> {
    await this.change(chatId, (p) => (p.lang === lang ? undefined : { ...p, lang }));
  }

  /** Pin the chat's language (`/lang zh|en`), or undefined to follow the senders again (`/lang auto`). */
  async pinLanguage(chatId: number, lang: Lang | undefined): Promise<void> {
    await this.change(chatId, (p) => (p.pinnedLang === lang ? undefined : { ...p, pinnedLang: lang }));
  }

  /** `/silent on|off`. */
  async setSilent(chatId: number, silent: boolean): Promise<void> {
    await this.change(chatId, (p) => ((p.silent === true) === silent ? undefined : { ...p, silent }));
  }

  async forget(chatId: number): Promise<void> {
    this.cache.delete(chatId);
    await this.kv.delete(key(chatId));
  }

  private async read(chatId: number): Promise<Prefs> {
    const hit = this.cache.get(chatId);
    if (hit && Date.now() - hit.at < CHAT_PREFS_CACHE_MS) return hit.prefs;
    const prefs = fromRecord(await this.kv.get<ChatPrefsRecord>(key(chatId)));
    this.remember(chatId, prefs);
    return prefs;
  }

  /** Apply `edit` to the stored record (read fresh); it returns undefined when nothing changes. */
  private async change(chatId: number, edit: (p: Prefs) => Prefs | undefined): Promise<void> {
    const hit = this.cache.get(chatId);
    // The cheap path for the common case (every command remembers the sender's language).
    if (hit && Date.now() - hit.at < CHAT_PREFS_CACHE_MS && edit(hit.prefs) === undefined) return;
    const current = fromRecord(await this.kv.get<ChatPrefsRecord>(key(chatId)));
    const next = edit(current);
    if (next) await this.kv.set(key(chatId), { ...withoutUndefined(next), updatedAt: new Date().toISOString() } satisfies ChatPrefsRecord);
    this.remember(chatId, next ?? current);
  }

  private remember(chatId: number, prefs: Prefs): void {
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(chatId, { prefs, at: Date.now() });
  }
}

function fromRecord(record: ChatPrefsRecord | undefined): Prefs {
  if (!record) return {};
  return { lang: record.lang, pinnedLang: record.pinnedLang, silent: record.silent };
}

function withoutUndefined(p: Prefs): Prefs {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as Prefs;
}

function key(chatId: number): string {
  return `telegram:chat:${chatId}`;
}
