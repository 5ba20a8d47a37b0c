/**
 * Commands for tidings admins (TELEGRAM_ADMIN_IDS, checked on the sender's user id, so they
 * work in any chat an admin writes in, and never for channel posts, which have no sender):
 * /sources /stats /addsource /delsource /pausesource /resumesource. Anyone else gets a
 * refusal and nothing happens.
 *
 * Source changes re-read the registry from the store first, since another process (the
 * CLI, another instance) may have changed it.
 */
import { sourceHealth } from '../../../http/server.js';
import type { CommandName } from '../i18n.js';
import { localDateTime } from '../local-time.js';
import { truncateText } from '../html.js';
import { argText, isAdmin, say, sayLines, type Handler, type HandlerDeps, type Outcome, type TidingsContext } from './shared.js';

function adminOnly(fn: Handler): Handler {
  return async (ctx, d) => {
    if (!isAdmin(ctx, d.adminIds)) {
      await say(ctx, ctx.t.adminOnly);
      return 'refused';
    }
    return fn(ctx, d);
  };
}

const sources: Handler = adminOnly(async (ctx, d) => {
  await d.registry.refresh();
  const all = d.registry.all();
  if (all.length === 0) {
    await say(ctx, ctx.t.noSources);
    return 'ok';
  }
  const states = await d.store.getSourceStates(all.map((s) => s.id));
  const lines = all.map((s) => {
    const st = states.get(s.id);
    return ctx.t.sourceLine({
      id: s.id,
      name: s.name,
      status: sourceHealth(s, st),
      lastSuccess: st?.lastSuccessAt ? localDateTime(st.lastSuccessAt, d.timeZone) : null,
      errors: st?.consecutiveErrors ?? 0,
      items: st?.itemsLastSeen ?? null,
      lastError: st?.lastError ? truncateText(st.lastError, 200) : null,
    });
  });
  await sayLines(ctx, ctx.t.sourcesHeader(all.length), lines);
  return 'ok';
});

/** The chat a subscriber key names, as admins read it: `tg:-100…` → `-100…`, `mail:a@b` → `a@b`. */
function shownSubscriber(key: string): string {
  return key.replace(/^(tg|mail):/, '');
}

const stats: Handler = adminOnly(async (ctx, d) => {
  const all = await d.subscriptions.all();
  const subscribers = new Set(all.map((s) => s.subscriberKey));
  const paused = new Map<string, { chat: string; reason: string; count: number }>();
  for (const s of all) {
    if (!s.paused) continue;
    const reason = s.pausedReason ?? 'user';
    const id = `${s.subscriberKey}\u0000${reason}`;
    const entry = paused.get(id) ?? { chat: shownSubscriber(s.subscriberKey), reason, count: 0 };
    entry.count++;
    paused.set(id, entry);
  }
  const pending = (await d.outbox.pendingCount('telegram')) + (await d.outbox.pendingCount('email'));
  const done = d.deliveryCounts ? await d.deliveryCounts() : { sent: 0, failed: 0 };
  await say(
    ctx,
    ctx.t.stats({
      subscriptions: all.length,
      chats: subscribers.size,
      pausedChats: [...paused.values()].sort((a, b) => b.count - a.count).slice(0, 50),
      pending,
      sent: done.sent,
      failed: done.failed,
    }),
  );
  return 'ok';
});

/** `/addsource URL [tag tag,tag]`: checked once through the guarded fetcher before it is kept. */
const addsource: Handler = adminOnly(async (ctx, d) => {
  const [url, ...rest] = argText(ctx).split(/\s+/).filter(Boolean);
  if (!url) {
    await say(ctx, ctx.t.usage('/addsource https://example.gov.cn/rss.xml 科技'));
    return 'invalid';
  }
  const tags = rest.flatMap((t) => t.split(/[,，、]/)).map((t) => t.trim()).filter(Boolean);
  await ctx.replyWithChatAction('typing').catch(() => undefined);
  await d.registry.refresh();
  const result = await d.registry.add(url, tags, `telegram:${ctx.from?.id ?? 0}`);
  if (result.ok && result.source) {
    d.logger.info({ source: result.source.id, url: result.source.url, by: ctx.from?.id }, 'telegram: source added');
    await say(ctx, ctx.t.sourceAdded(result.source.id, result.source.name, result.source.url));
    return 'ok';
  }
  await say(ctx, ctx.t.sourceRefused(result.error ?? 'unknown error'));
  return 'invalid';
});

function sourceIdCommand(example: string, run: (ctx: TidingsContext, d: HandlerDeps, id: string) => Promise<Outcome>): Handler {
  return adminOnly(async (ctx, d) => {
    const id = argText(ctx);
    if (!/^\S+$/.test(id)) {
      await say(ctx, ctx.t.usage(example));
      return 'invalid';
    }
    await d.registry.refresh();
    if (!d.registry.get(id)) {
      await say(ctx, ctx.t.sourceNotFound(id));
      return 'invalid';
    }
    return run(ctx, d, id);
  });
}

const delsource = sourceIdCommand('/delsource ID', async (ctx, d, id) => {
  const r = await d.registry.remove(id);
  await say(ctx, r.ok ? ctx.t.sourceRemoved(id) : ctx.t.sourceRefused(r.error ?? 'unknown error'));
  return r.ok ? 'ok' : 'invalid';
});

const pausesource = sourceIdCommand('/pausesource ID', async (ctx, d, id) => {
  const r = await d.registry.setPaused(id, true, `telegram:${ctx.from?.id ?? 0}`);
  await say(ctx, r.ok ? ctx.t.sourcePaused(id) : ctx.t.sourceRefused(r.error ?? 'unknown error'));
  return r.ok ? 'ok' : 'invalid';
});

const resumesource = sourceIdCommand('/resumesource ID', async (ctx, d, id) => {
  const r = await d.registry.setPaused(id, false, `telegram:${ctx.from?.id ?? 0}`);
  await say(ctx, r.ok ? ctx.t.sourceResumed(id) : ctx.t.sourceRefused(r.error ?? 'unknown error'));
  return r.ok ? 'ok' : 'invalid';
});

export const adminHandlers: Partial<Record<CommandName, Handler>> = { sources, stats, addsource, delsource, pausesource, resumesource };

/** The admin commands, in the order `setMyCommands` lists them. */
export const ADMIN_COMMANDS: readonly CommandName[] = ['sources', 'stats', 'addsource', 'delsource', 'pausesource', 'resumesource'];
