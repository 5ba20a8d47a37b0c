/**
 * The commands every chat has: /start /help /sub /unsub /list /name /tags /pause /resume
 * /digest /preview /script /feed /email /forget /unsuball /lang /silent /version, and the inline
 * buttons they and alerts carry (`unsub:<id>`, `stop:<id>`, `forget:yes|no`,
 * `unsuball:yes|no`, see callback-data.ts).
 *
 * Read-only commands (/start /help /list /preview /version, and /lang and /silent without an
 * argument) answer anyone; everything that changes a chat's subscriptions or settings, or
 * shows its private feed, is for the people who may manage the chat (canManage): in groups
 * and channels its admins. Buttons are checked again when pressed: the subscription must
 * belong to the chat the button is in, and the presser must manage it.
 */
import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { DISPLAY_SCRIPTS, subscriptionLabel, type Subscription } from '../../../domain/subscription.js';
import { describeQuery, parseQuery, QueryError, type Query } from '../../../match/query.js';
import { requestChatEmailLink } from '../../../http/subscribe-pages.js';
import { HASHTAGS_MAX, normalizeHashtags, SUBSCRIPTION_NAME_MAX, SubscriptionInputError, SubscriptionLimitError } from '../../../subscriptions/subscription-store.js';
import { decodeCallback, encodeCallback } from '../callback-data.js';
import { escapeHtml, htmlToPlain, isWebUrl, truncateText } from '../html.js';
import { langFor, strings, type CommandName, type Lang, type Strings } from '../i18n.js';
import { isTimeZone, shortDateTime } from '../local-time.js';
import { actor, argText, canManage, chatIdOf, chatKey, firstPerStory, isAdmin, say, sayLines, type Handler, type HandlerDeps, type Outcome, type TidingsContext } from './shared.js';

/** Buttons shown by one /unsub reply (Telegram allows many, people read few). */
const UNSUB_BUTTONS = 30;

/** Run `fn` only when the sender may change this chat's subscriptions (also used by commands/transfer.ts). */
export function managed(fn: Handler): Handler {
  return async (ctx, d) => {
    if (!(await canManage(ctx, d.logger))) {
      await say(ctx, ctx.t.chatAdminOnly);
      return 'refused';
    }
    return fn(ctx, d);
  };
}

/** Parse a query for a reply: the query, or the error message already sent. */
async function parseForReply(ctx: TidingsContext, d: HandlerDeps, text: string): Promise<Query | undefined> {
  try {
    return parseQuery(text, { maxLength: d.queryMaxLength });
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    await say(ctx, ctx.t.queryError(err.message, err.position, text));
    return undefined;
  }
}

/** The settings a new subscription takes from the chat's newest one (digest, zone, script, a pause the chat chose). */
function chatDefaults(existing: readonly Subscription[]): Partial<Subscription> {
  const latest = existing[existing.length - 1];
  if (!latest) return {};
  return {
    mode: latest.mode,
    digestAt: latest.digestAt,
    timeZone: latest.timeZone,
    script: latest.script,
    paused: existing.every((s) => s.paused && (s.pausedReason ?? 'user') === 'user'),
  };
}

const start: Handler = async (ctx, d) => {
  const subs = await d.subscriptions.listOf(chatKey(chatIdOf(ctx)));
  await say(ctx, ctx.t.start(subs.filter((s) => s.paused).length));
  return 'ok';
};

const help: Handler = async (ctx, d) => {
  await say(ctx, ctx.t.help(isAdmin(ctx, d.adminIds)));
  return 'ok';
};

/** `/sub QUERY`: one subscription per line of the argument, each answered on its own. */
const sub: Handler = managed(async (ctx, d) => {
  const queries = argText(ctx)
    .split('\n')
    .map((q) => q.trim())
    .filter(Boolean);
  if (queries.length === 0) {
    await say(ctx, ctx.t.usage('/sub 科技援疆'));
    return 'invalid';
  }
  const chatId = chatIdOf(ctx);
  const key = chatKey(chatId);
  let articles: Awaited<ReturnType<typeof d.recent.articles>> | undefined;
  let outcome: Outcome = 'ok';
  for (const text of queries) {
    const query = await parseForReply(ctx, d, text);
    if (!query) {
      outcome = 'invalid';
      continue;
    }
    const described = describeQuery(query);
    const existing = await d.subscriptions.listOf(key);
    if (existing.some((s) => s.query === text)) {
      await say(ctx, ctx.t.alreadySubscribed(described));
      continue;
    }
    const defaults = chatDefaults(existing);
    let created: Subscription;
    try {
      created = await d.subscriptions.add({
        subscriber: { kind: 'telegram', chatId },
        query: text,
        mode: defaults.mode,
        digestAt: defaults.digestAt,
        timeZone: defaults.timeZone ?? d.timeZone,
        script: defaults.script,
        createdBy: actor(ctx),
      });
    } catch (err) {
      if (err instanceof SubscriptionLimitError) {
        await say(ctx, ctx.t.limitReached(err.count, err.limit));
        return 'refused';
      }
      if (err instanceof QueryError) {
        await say(ctx, ctx.t.queryError(err.message, err.position, text));
        outcome = 'invalid';
        continue;
      }
      throw err;
    }
    if (defaults.paused) {
      created = { ...created, paused: true, pausedReason: 'user' };
      await d.subscriptions.update(created);
    }
    articles ??= await d.recent.articles();
    const { recent, matches } = d.recent.match(query, articles);
    const notes = [
      created.paused ? ctx.t.subscribedPausedNote : '',
      created.mode === 'digest' && created.digestAt ? ctx.t.subscribedDigestNote(created.digestAt, created.timeZone ?? d.timeZone) : '',
    ].filter(Boolean);
    await say(ctx, [ctx.t.subscribed(described, matches.length, recent), ...notes].join('\n'));
  }
  return outcome;
});

function unsubKeyboard(subs: readonly Subscription[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const s of subs.slice(0, UNSUB_BUTTONS)) kb.text(`✕ ${truncateText(subscriptionLabel(s), 48)}`, encodeCallback({ kind: 'unsub', subscriptionId: s.id })).row();
  return kb;
}

/** One of the chat's subscriptions by its number in /list (1-based) or its id. */
function pickSubscription(subs: readonly Subscription[], ref: string): Subscription | undefined {
  const byIndex = /^\d+$/.test(ref) ? subs[Number(ref) - 1] : undefined;
  return byIndex ?? subs.find((s) => s.id === ref);
}

/** `/unsub` lists the chat's subscriptions as buttons; `/unsub ID` or `/unsub N` (its number in /list) removes one at once. */
const unsub: Handler = managed(async (ctx, d) => {
  const key = chatKey(chatIdOf(ctx));
  const subs = await d.subscriptions.listOf(key);
  if (subs.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return 'ok';
  }
  const arg = argText(ctx);
  if (arg !== '') {
    const target = pickSubscription(subs, arg);
    const removed = target ? await d.subscriptions.remove(target.id, key) : undefined;
    await say(ctx, removed ? ctx.t.unsubscribed(removed.query) : ctx.t.subscriptionGone);
    return removed ? 'ok' : 'invalid';
  }
  const more = subs.length - UNSUB_BUTTONS;
  await say(ctx, more > 0 ? `${ctx.t.unsubPick}\n${ctx.t.unsubMore(more)}` : ctx.t.unsubPick, { reply_markup: unsubKeyboard(subs) });
  return 'ok';
});

function listLines(t: Strings, subs: readonly Subscription[], timeZone: string): string[] {
  return subs.map((s, i) =>
    t.listLine({
      index: i + 1,
      id: s.id,
      query: s.query,
      name: s.name,
      hashtags: s.hashtags,
      mode: s.mode,
      digestAt: s.digestAt,
      timeZone: s.timeZone ?? timeZone,
      paused: s.paused,
      pausedReason: s.pausedReason,
    }),
  );
}

const list: Handler = async (ctx, d) => {
  const subs = await d.subscriptions.listOf(chatKey(chatIdOf(ctx)));
  if (subs.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return 'ok';
  }
  await sayLines(ctx, ctx.t.listHeader(subs.length), listLines(ctx.t, subs, d.timeZone), ctx.t.listFooter);
  return 'ok';
};

/**
 * `/name N NAME` and `/tags N #a #b`: the subscription (N its number in /list, or its id)
 * and the rest of the argument; undefined (and the usage, "no subscriptions" or "no such
 * subscription" said) when there is none.
 */
async function labelTarget(ctx: TidingsContext, d: HandlerDeps, usage: string): Promise<{ key: string; target: Subscription; rest: string } | undefined> {
  const [ref = '', rest = ''] = /^(\S+)\s*([\s\S]*)$/.exec(argText(ctx))?.slice(1) ?? [];
  if (ref === '') {
    await say(ctx, usage);
    return undefined;
  }
  const key = chatKey(chatIdOf(ctx));
  const subs = await d.subscriptions.listOf(key);
  if (subs.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return undefined;
  }
  const target = pickSubscription(subs, ref);
  if (!target) {
    await say(ctx, `${ctx.t.subscriptionGone}\n${usage}`);
    return undefined;
  }
  return { key, target, rest: rest.trim() };
}

/** relabel, with its input errors answered (too long) and a subscription removed meanwhile reported. */
async function relabelForReply(ctx: TidingsContext, d: HandlerDeps, key: string, id: string, change: { name?: string; hashtags?: string }): Promise<Subscription | 'invalid' | undefined> {
  try {
    const written = await d.subscriptions.relabel(id, key, change);
    if (!written) await say(ctx, ctx.t.subscriptionGone);
    return written;
  } catch (err) {
    if (!(err instanceof SubscriptionInputError)) throw err;
    await say(ctx, err.field === 'hashtags' ? ctx.t.tagsTooLong(HASHTAGS_MAX) : ctx.t.nameTooLong(SUBSCRIPTION_NAME_MAX));
    return 'invalid';
  }
}

/** `/name N NAME` sets the display name of subscription N (shown instead of its query); `/name N` clears it. */
const name: Handler = managed(async (ctx, d) => {
  const found = await labelTarget(ctx, d, ctx.t.nameUsage);
  if (!found) return 'invalid';
  const written = await relabelForReply(ctx, d, found.key, found.target.id, { name: found.rest });
  if (written === undefined || written === 'invalid') return 'invalid';
  await say(ctx, written.name !== undefined ? ctx.t.nameSet(written.query, written.name) : ctx.t.nameCleared(written.query));
  return 'ok';
});

/** `/tags N #a #b` (or `a b`, `a, b`, `a、b`) sets the hashtags of subscription N's alerts; `/tags N` clears them. */
const tags: Handler = managed(async (ctx, d) => {
  const found = await labelTarget(ctx, d, ctx.t.tagsUsage);
  if (!found) return 'invalid';
  const { rest } = found;
  // Something typed that leaves no tag (`/tags 1 ###`) is a mistake, not a request to clear.
  let cleaned: string[] | undefined;
  try {
    cleaned = normalizeHashtags(rest);
  } catch (err) {
    if (!(err instanceof SubscriptionInputError)) throw err;
  }
  if (rest !== '' && cleaned?.length === 0) {
    await say(ctx, ctx.t.tagsInvalid(truncateText(rest, 100)));
    return 'invalid';
  }
  const written = await relabelForReply(ctx, d, found.key, found.target.id, { hashtags: rest });
  if (written === undefined || written === 'invalid') return 'invalid';
  await say(ctx, written.hashtags && written.hashtags.length > 0 ? ctx.t.tagsSet(written.query, written.hashtags) : ctx.t.tagsCleared(written.query));
  return 'ok';
});

/** Apply a change to all of the chat's subscriptions; false (and "no subscriptions" said) when it has none. */
async function changeAll(ctx: TidingsContext, d: HandlerDeps, change: (s: Subscription) => Subscription): Promise<number | undefined> {
  const key = chatKey(chatIdOf(ctx));
  const changed = await d.subscriptions.updateAllOf(key, change);
  if (changed.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return undefined;
  }
  return changed.length;
}

const pause: Handler = managed(async (ctx, d) => {
  const n = await changeAll(ctx, d, (s) => ({ ...s, paused: true, pausedReason: 'user' }));
  if (n !== undefined) await say(ctx, ctx.t.paused(n));
  return 'ok';
});

const resume: Handler = managed(async (ctx, d) => {
  const n = await changeAll(ctx, d, (s) => ({ ...s, paused: false, pausedReason: undefined }));
  if (n !== undefined) await say(ctx, ctx.t.resumed(n));
  return 'ok';
});

/** `daily@8:00`, `daily@08:00`, `08:00`, `8` → `08:00`; anything else undefined. */
export function parseDigestTime(value: string): string | undefined {
  const m = /^(?:daily@)?(\d{1,2})(?::(\d{2}))?$/i.exec(value);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2] ?? '0');
  if (h > 23 || min > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

/** `/digest daily@08:00 [ZONE]` or `/digest off`. */
const digest: Handler = managed(async (ctx, d) => {
  const [when, zone, ...rest] = argText(ctx).split(/\s+/).filter(Boolean);
  if (when === undefined || rest.length > 0) {
    await say(ctx, ctx.t.usage('/digest daily@08:00 Asia/Shanghai'));
    return 'invalid';
  }
  if (when.toLowerCase() === 'off') {
    const n = await changeAll(ctx, d, (s) => ({ ...s, mode: 'instant', digestAt: undefined }));
    if (n !== undefined) await say(ctx, ctx.t.digestOff(n));
    return 'ok';
  }
  const at = parseDigestTime(when);
  if (!at) {
    await say(ctx, ctx.t.digestBadTime(when));
    return 'invalid';
  }
  if (zone !== undefined && !isTimeZone(zone)) {
    await say(ctx, ctx.t.digestBadZone(zone));
    return 'invalid';
  }
  let shownZone = zone ?? d.timeZone;
  const n = await changeAll(ctx, d, (s) => {
    const timeZone = zone ?? s.timeZone ?? d.timeZone;
    shownZone = timeZone;
    return { ...s, mode: 'digest', digestAt: at, timeZone };
  });
  if (n !== undefined) await say(ctx, ctx.t.digestOn(n, at, shownZone));
  return 'ok';
});

/** `/preview QUERY`: how many recent articles match, and the newest few stories as links. */
const preview: Handler = async (ctx, d) => {
  const text = argText(ctx);
  if (text === '') {
    await say(ctx, ctx.t.usage('/preview 风力发电'));
    return 'invalid';
  }
  const query = await parseForReply(ctx, d, text);
  if (!query) return 'invalid';
  const { recent, matches } = d.recent.match(query, await d.recent.articles());
  if (matches.length === 0) {
    await say(ctx, ctx.t.previewNone(recent));
    return 'ok';
  }
  const stories = firstPerStory(matches);
  const shown = stories.slice(0, d.previewItems);
  const now = new Date();
  const lines = shown.map((a) => {
    const source = d.registry.get(a.sourceId)?.name ?? a.sourceId;
    const when = shortDateTime(a.published, d.timeZone, now);
    const title = escapeHtml(truncateText(a.title, 120));
    return `• ${isWebUrl(a.url) ? `<a href="${escapeHtml(a.url)}">${title}</a>` : title}\n  ${escapeHtml(source)}${when ? ` · ${when}` : ''}`;
  });
  await sayLines(ctx, ctx.t.previewHeader(matches.length, recent, shown.length), lines);
  return 'ok';
};


const script: Handler = managed(async (ctx, d) => {
  const arg = argText(ctx).toLowerCase();
  const chosen = DISPLAY_SCRIPTS.find((s) => s === arg);
  if (!chosen) {
    await say(ctx, ctx.t.usage('/script original|hans|hant'));
    return 'invalid';
  }
  const n = await changeAll(ctx, d, (s) => ({ ...s, script: chosen }));
  if (n !== undefined) await say(ctx, ctx.t.scriptSet(n, chosen));
  return 'ok';
});

/** `/feed`: the chat's one private Atom feed of all its subscriptions. */
const feed: Handler = managed(async (ctx, d) => {
  const key = chatKey(chatIdOf(ctx));
  const subs = await d.subscriptions.listOf(key);
  if (subs.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return 'ok';
  }
  const token = await d.subscriptions.subscriberToken(key);
  await say(ctx, ctx.t.feed(`${d.publicUrl}/feeds/sub/${token}.atom`, subs.length));
  return 'ok';
});

/**
 * `/email ADDRESS`: this chat's alerts by email too. A confirmation link goes to the address
 * (rate-limited per chat and per address); opening it copies the chat's subscriptions to it.
 */
const email: Handler = managed(async (ctx, d) => {
  if (!d.email) {
    await say(ctx, ctx.t.emailDisabled);
    return 'refused';
  }
  const address = argText(ctx);
  if (address === '') {
    await say(ctx, ctx.t.usage('/email name@example.com'));
    return 'invalid';
  }
  const chatId = chatIdOf(ctx);
  const subs = await d.subscriptions.listOf(chatKey(chatId));
  if (subs.length === 0) {
    await say(ctx, ctx.t.noSubscriptions);
    return 'ok';
  }
  const result = await requestChatEmailLink(d.email, { chatId, address, subscriptions: subs.length, lang: ctx.lang });
  if (result.kind === 'invalid') {
    await say(ctx, ctx.t.emailInvalid(truncateText(address, 100)));
    return 'invalid';
  }
  if (result.kind === 'limited') {
    await say(ctx, ctx.t.emailLimited(Math.max(1, Math.ceil(result.retryAfterMs / 60_000))));
    return 'refused';
  }
  await say(ctx, ctx.t.emailSent(address.trim()));
  return 'ok';
});

const forget: Handler = managed(async (ctx, d) => {
  const subs = await d.subscriptions.listOf(chatKey(chatIdOf(ctx)));
  const kb = new InlineKeyboard().text(ctx.t.forgetYes, encodeCallback({ kind: 'forget', confirmed: true })).text(ctx.t.forgetNo, encodeCallback({ kind: 'forget', confirmed: false }));
  await say(ctx, ctx.t.forgetConfirm(subs.length), { reply_markup: kb });
  return 'ok';
});

/** Longest backup message (Telegram allows 4096 characters; room to spare). */
const BACKUP_BUDGET = 3800;

/**
 * The chat's queries as `/sub` messages to send back: `command` and the first query, then one
 * query a line (/sub takes one subscription a line), cut into several messages only when one
 * would be too long. A query never has a line break (one would split it on the way back).
 */
export function subBackup(queries: readonly string[], command = '/sub'): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of queries) {
    const q = raw.replace(/\s+/g, ' ').trim();
    if (q === '') continue;
    if (current !== '' && current.length + 1 + q.length > BACKUP_BUDGET) {
      out.push(current);
      current = '';
    }
    current = current === '' ? `${command} ${q}` : `${current}\n${q}`;
  }
  if (current !== '') out.push(current);
  return out;
}

/**
 * `/unsuball`: first a backup of every query as a `/sub` message to paste back, then the
 * question with `unsuball:yes` / `unsuball:no` buttons (handled in handleCallback).
 */
const unsuball: Handler = managed(async (ctx, d) => {
  const subs = await d.subscriptions.listOf(chatKey(chatIdOf(ctx)));
  if (subs.length === 0) {
    await say(ctx, ctx.t.unsuballNone);
    return 'ok';
  }
  // In groups the command names the bot, so it reaches it whatever the privacy mode.
  const command = ctx.chat?.type === 'private' ? '/sub' : `/sub@${ctx.me.username}`;
  const backups = subBackup(subs.map((s) => s.query), command);
  for (const text of backups) await say(ctx, escapeHtml(text));
  const kb = new InlineKeyboard().text(ctx.t.unsuballYes, encodeCallback({ kind: 'unsuball', confirmed: true })).text(ctx.t.unsuballNo, encodeCallback({ kind: 'unsuball', confirmed: false }));
  await say(ctx, ctx.t.unsuballConfirm(subs.length, backups.length), { reply_markup: kb });
  return 'ok';
});

/** `/lang zh|en` pins the chat's language for replies and alerts; `/lang auto` unpins it; `/lang` shows it. */
const lang: Handler = async (ctx, d) => {
  const chatId = chatIdOf(ctx);
  const arg = argText(ctx).toLowerCase();
  if (arg === '') {
    const pinned = await d.chatPrefs.pinnedLanguage(chatId);
    await say(ctx, ctx.t.langShow(pinned ?? ctx.lang, pinned !== undefined));
    return 'ok';
  }
  if (arg !== 'zh' && arg !== 'en' && arg !== 'auto') {
    await say(ctx, ctx.t.usage('/lang zh|en|auto'));
    return 'invalid';
  }
  if (!(await canManage(ctx, d.logger))) {
    await say(ctx, ctx.t.chatSettingsAdminOnly);
    return 'refused';
  }
  if (arg === 'auto') {
    await d.chatPrefs.pinLanguage(chatId, undefined);
    // Alerts now use the last language seen; this reply, the sender's own (as any reply).
    const alerts = await d.chatPrefs.language(chatId);
    const reply: Lang = langFor(ctx.from?.language_code) ?? alerts;
    await say(ctx, strings(reply).langAuto(alerts));
    return 'ok';
  }
  await d.chatPrefs.pinLanguage(chatId, arg);
  await say(ctx, strings(arg).langPinned(arg));
  return 'ok';
};

/** `/silent on|off`: the chat's alerts without (or with) a notification sound; `/silent` shows which. */
const silent: Handler = async (ctx, d) => {
  const chatId = chatIdOf(ctx);
  const arg = argText(ctx).toLowerCase();
  if (arg === '') {
    await say(ctx, ctx.t.silentShow(await d.chatPrefs.silent(chatId)));
    return 'ok';
  }
  if (arg !== 'on' && arg !== 'off') {
    await say(ctx, ctx.t.usage('/silent on|off'));
    return 'invalid';
  }
  if (!(await canManage(ctx, d.logger))) {
    await say(ctx, ctx.t.chatSettingsAdminOnly);
    return 'refused';
  }
  await d.chatPrefs.setSilent(chatId, arg === 'on');
  await say(ctx, ctx.t.silentSet(arg === 'on'));
  return 'ok';
};

/** `/version`: the tidings version; for tidings admins also Node's version and the process uptime. */
const version: Handler = async (ctx, d) => {
  const view = isAdmin(ctx, d.adminIds) ? { version: d.version, node: process.version, uptimeSeconds: process.uptime() } : { version: d.version };
  await say(ctx, ctx.t.version(view));
  return 'ok';
};

export const userHandlers: Partial<Record<CommandName, Handler>> = { start, help, sub, unsub, list, name, tags, pause, resume, digest, preview, script, feed, email, forget, unsuball, lang, silent, version };

/** The keyboard of a pressed message without the buttons whose data is `data`. */
function withoutButton(markup: InlineKeyboardMarkup | undefined, data: string): InlineKeyboardMarkup | undefined {
  if (!markup) return undefined;
  const rows = markup.inline_keyboard.map((row) => row.filter((b: InlineKeyboardButton) => !('callback_data' in b) || b.callback_data !== data)).filter((row) => row.length > 0);
  return { inline_keyboard: rows };
}

/** Inline buttons: unsub, stop (under alerts), forget yes/no, unsuball yes/no. Unknown data just stops the spinner. */
export async function handleCallback(ctx: TidingsContext, d: HandlerDeps): Promise<Outcome> {
  const query = ctx.callbackQuery;
  const action = decodeCallback(query?.data);
  const chatId = ctx.chat?.id;
  if (!query || !action || chatId === undefined) {
    await ctx.answerCallbackQuery();
    return 'invalid';
  }
  if (!(await canManage(ctx, d.logger))) {
    await ctx.answerCallbackQuery({ text: plain(ctx.t.chatAdminOnly), show_alert: true });
    return 'refused';
  }
  const key = chatKey(chatId);
  switch (action.kind) {
    case 'unsub': {
      const removed = await d.subscriptions.remove(action.subscriptionId, key);
      if (!removed) {
        await ctx.answerCallbackQuery({ text: plain(ctx.t.subscriptionGone), show_alert: true });
        return 'invalid';
      }
      await ctx.answerCallbackQuery({ text: plain(ctx.t.unsubscribed(removed.query)) });
      const left = await d.subscriptions.listOf(key);
      const text = left.length > 0 ? `${ctx.t.unsubscribed(removed.query)}\n\n${ctx.t.unsubPick}` : ctx.t.unsubscribed(removed.query);
      await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup: left.length > 0 ? unsubKeyboard(left) : undefined });
      return 'ok';
    }
    case 'stop': {
      const removed = await d.subscriptions.remove(action.subscriptionId, key);
      if (!removed) {
        await ctx.answerCallbackQuery({ text: plain(ctx.t.subscriptionGone), show_alert: true });
        return 'invalid';
      }
      await ctx.answerCallbackQuery({ text: truncateText(ctx.t.stopped(subscriptionLabel(removed)), 190), show_alert: true });
      const markup = withoutButton(query.message && 'reply_markup' in query.message ? query.message.reply_markup : undefined, query.data ?? '');
      if (markup) await ctx.editMessageReplyMarkup({ reply_markup: markup }).catch((err: unknown) => d.logger.debug({ err }, 'telegram: could not remove the stop button'));
      return 'ok';
    }
    case 'forget': {
      if (!action.confirmed) {
        await ctx.answerCallbackQuery();
        await ctx.editMessageText(ctx.t.forgetCancelled, { parse_mode: 'HTML' });
        return 'ok';
      }
      const removed = await d.subscriptions.forget(key);
      const pending = await d.outbox.dropSubscriber('telegram', key);
      await d.chatPrefs.forget(chatId);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t.forgotten(removed, pending), { parse_mode: 'HTML' });
      return 'ok';
    }
    case 'unsuball': {
      await ctx.answerCallbackQuery();
      if (!action.confirmed) {
        await ctx.editMessageText(ctx.t.unsuballCancelled, { parse_mode: 'HTML' });
        return 'ok';
      }
      // Everything the chat has now (a second press finds nothing), and its alerts not yet sent.
      const subs = await d.subscriptions.listOf(key);
      let removed = 0;
      for (const s of subs) if (await d.subscriptions.remove(s.id, key)) removed++;
      const pending = await d.outbox.dropSubscriber('telegram', key);
      await ctx.editMessageText(removed > 0 ? ctx.t.unsuballDone(removed, pending) : ctx.t.unsuballNone, { parse_mode: 'HTML' });
      return 'ok';
    }
  }
}

/** Callback answers are plain text (at most 200 characters). */
function plain(html: string): string {
  return truncateText(htmlToPlain(html), 190);
}
