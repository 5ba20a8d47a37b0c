/**
 * What every bot command handler shares: the context it sees (the reply language, set by a
 * middleware in bot.ts), the app pieces it works on, and small helpers — replying in
 * Telegram HTML (long lists cut into several messages), who may change a chat's
 * subscriptions, who is a tidings admin, and matching a query against the recent articles
 * (`/sub` counts, `/preview` lists) with the same matcher as alerts and `tidings match`.
 */
import type { Context } from 'grammy';
import { storyKeyOf, type Article } from '../../../domain/article.js';
import type { Source } from '../../../domain/source.js';
import type { Outbox } from '../../../delivery/outbox.js';
import type { ConfirmationMailDeps } from '../../../http/subscribe-pages.js';
import { matchInputOf, matchQuery, prepareArticle, type PreparedArticle } from '../../../match/matcher.js';
import type { Query } from '../../../match/query.js';
import type { Logger } from '../../../ops/logger.js';
import type { SourceRegistry } from '../../../sources/source-registry.js';
import type { Store } from '../../../store/store.js';
import { recentArticles } from '../../../subscriptions/recent-articles.js';
import type { SubscriptionStore } from '../../../subscriptions/subscription-store.js';
import type { ChatPrefs } from '../chat-prefs.js';
import type { Lang, Strings } from '../i18n.js';

export interface LangFlavor {
  /** The language replies to this update are in. */
  lang: Lang;
  /** The strings of that language. */
  t: Strings;
}

export type TidingsContext = Context & LangFlavor;

/** What a handler reports, for the command counter. */
export type Outcome = 'ok' | 'refused' | 'invalid';

/** A command handler. */
export type Handler = (ctx: TidingsContext, d: HandlerDeps) => Promise<Outcome>;

/** What handlers need (a subset of TidingsBotDeps, resolved). */
export interface HandlerDeps {
  subscriptions: SubscriptionStore;
  registry: SourceRegistry;
  store: Store;
  outbox: Outbox;
  chatPrefs: ChatPrefs;
  logger: Logger;
  adminIds: ReadonlySet<number>;
  publicUrl: string;
  timeZone: string;
  queryMaxLength: number;
  recent: RecentMatcher;
  /** Messages sent and failed so far, when the delivery side can tell (shown by /stats). */
  deliveryCounts?: () => Promise<{ sent: number; failed: number }>;
  /** Lines per `/preview` reply. */
  previewItems: number;
  /** `/email`: how confirmation links are mailed; undefined when email is off. */
  email?: ConfirmationMailDeps;
  /** The tidings version (package.json, read once at start-up), for `/version`. */
  version: string;
}

/** A Telegram HTML message's budget: under 4096 visible characters with room to spare. */
const MESSAGE_BUDGET = 3800;

/** The id of the chat a command came from (commands always have one). */
export function chatIdOf(ctx: Context): number {
  const id = ctx.chat?.id;
  if (id === undefined) throw new Error('update without a chat');
  return id;
}

/** The subscriber key of a chat. */
export function chatKey(chatId: number): string {
  return `tg:${chatId}`;
}

/** The message a command came in (a message or a channel post). */
function commandMessage(ctx: Context) {
  return ctx.message ?? ctx.channelPost;
}

/** Reply in Telegram HTML; in groups and channels the reply quotes the command. */
export async function say(ctx: Context, html: string, extra: Parameters<Context['reply']>[1] = {}): Promise<void> {
  const msg = commandMessage(ctx);
  const quote = msg && ctx.chat?.type !== 'private' ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {};
  await ctx.reply(html, { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...quote, ...extra });
}

/** Send `header`, `lines` and `footer`, cut into as many messages as the length needs (never inside a line). */
export async function sayLines(ctx: Context, header: string, lines: readonly string[], footer?: string): Promise<void> {
  const messages: string[] = [];
  let current = header;
  for (const line of [...lines, ...(footer ? ['', footer] : [])]) {
    const piece = line.length > MESSAGE_BUDGET ? `${line.slice(0, MESSAGE_BUDGET - 1)}…` : line;
    if (current.length + 1 + piece.length > MESSAGE_BUDGET) {
      messages.push(current);
      current = piece;
    } else {
      current = current === '' ? piece : `${current}\n${piece}`;
    }
  }
  if (current.trim() !== '') messages.push(current);
  for (const m of messages) await say(ctx, m);
}

/** A tidings admin (TELEGRAM_ADMIN_IDS): the sender's user id, never a chat's. */
export function isAdmin(ctx: Context, adminIds: ReadonlySet<number>): boolean {
  return ctx.from !== undefined && adminIds.has(ctx.from.id);
}

/**
 * Whether whoever sent this update may change the chat's subscriptions: anyone in a private
 * chat (it is theirs), a channel post (only a channel's admins can post), an anonymous group
 * admin (a message sent as the group itself), else a chat member whose status is creator or
 * administrator. A failed lookup refuses.
 */
export async function canManage(ctx: Context, logger: Logger): Promise<boolean> {
  const chat = ctx.chat;
  if (!chat) return false;
  if (chat.type === 'private') return true;
  if (ctx.channelPost) return true;
  const senderChat = ctx.message?.sender_chat;
  if (senderChat) return senderChat.id === chat.id;
  if (!ctx.from) return false;
  try {
    const member = await ctx.api.getChatMember(chat.id, ctx.from.id);
    return member.status === 'creator' || member.status === 'administrator';
  } catch (err) {
    logger.warn({ err, chat: chat.id, user: ctx.from.id }, 'telegram: could not check chat admin rights; refusing');
    return false;
  }
}

/** Who made a change, for records: `telegram:<userId>`, or `telegram:chat:<chatId>` for channel posts. */
export function actor(ctx: Context): string {
  if (ctx.from && !ctx.channelPost) return `telegram:${ctx.from.id}`;
  return `telegram:chat:${ctx.chat?.id ?? 0}`;
}

/** The argument text after the command (`/sub@bot  A B` → `A B`). */
export function argText(ctx: Context): string {
  return typeof ctx.match === 'string' ? ctx.match.trim() : '';
}

/** What a query would have matched among the newest stored articles. */
export interface RecentMatches {
  /** Articles looked at. */
  recent: number;
  /** Matching articles, newest first. */
  matches: Article[];
}

/** The first article of each story (copies share `duplicateOf ?? url`), in the given order. */
export function firstPerStory(articles: Article[]): Article[] {
  const seen = new Set<string>();
  return articles.filter((a) => {
    const story = storyKeyOf(a);
    if (seen.has(story)) return false;
    seen.add(story);
    return true;
  });
}

/**
 * Matches queries against the newest stored articles (recentArticles), keeping each article's
 * prepared search form so repeated `/sub` and `/preview` do not convert the same texts again.
 */
export class RecentMatcher {
  private readonly prepared = new Map<string, { updated: string; form: PreparedArticle }>();

  constructor(
    private readonly store: Store,
    private readonly sources: () => Source[],
    private readonly limit: number,
  ) {}

  async articles(): Promise<Article[]> {
    return recentArticles(this.store, this.sources(), this.limit);
  }

  match(query: Query, articles: readonly Article[]): RecentMatches {
    if (this.prepared.size > this.limit * 2) this.prepared.clear();
    const matches = articles.filter((a) => matchQuery(query, this.form(a)));
    return { recent: articles.length, matches };
  }

  private form(article: Article): PreparedArticle {
    const hit = this.prepared.get(article.id);
    if (hit && hit.updated === article.updated) return hit.form;
    const form = prepareArticle(matchInputOf(article));
    this.prepared.set(article.id, { updated: article.updated, form });
    return form;
  }
}
