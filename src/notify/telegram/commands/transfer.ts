/**
 * `/export` and `/import`: a chat's subscriptions as a file and back (the format is in
 * subscriptions/transfer.ts), to keep a backup or move them to another chat.
 *
 * - `/export` sends `tidings-subscriptions.yaml` as a document, its caption in the chat's
 *   language saying how many and how to import it. Read-only, like /list: anyone may.
 * - `/import` takes the document it came with (the caption `/import`) or the one of the
 *   message it replies to: at most 64 KB (refused before downloading when Telegram says it is
 *   bigger, and cut off while downloading when it says nothing), fetched through the Bot API
 *   (`getFile`, then `<api root>/file/bot<token>/<file_path>`), read as UTF-8, imported
 *   whole or not at all when the file has problems (each listed with its line), and answered
 *   with what was added, what was there already and what the chat's cap refused. For the
 *   chat's admins only, like /sub.
 */
import { InputFile } from 'grammy';
import type { Document } from 'grammy/types';
import {
  decodeSubscriptionsFile,
  exportable,
  exportSubscriptions,
  importSubscriptions,
  parseSubscriptionsFile,
  SubscriptionsFileError,
  TRANSFER_FILENAME,
} from '../../../subscriptions/transfer.js';
import type { CommandName } from '../i18n.js';
import { managed } from './user.js';
import { actor, chatIdOf, chatKey, say, sayLines, type Handler, type TidingsContext } from './shared.js';

/** Largest file /import takes. */
export const IMPORT_MAX_BYTES = 64 * 1024;

/** Failures or problems listed in one /import reply; the rest are counted. */
const LISTED = 20;

export interface TransferOptions {
  /** The download URL of a file Telegram gave `file_path` for (it holds the bot token: never log it). */
  fileUrl(filePath: string): string;
  /** Largest file accepted (default IMPORT_MAX_BYTES). */
  maxBytes?: number;
  /** How long a download may take (default 30 s). */
  downloadTimeoutMs?: number;
}

/** `/import` in private chats; `/import@bot` in groups and channels, so it reaches the bot whatever its privacy mode. */
function importCommand(ctx: TidingsContext): string {
  return ctx.chat?.type === 'private' ? '/import' : `/import@${ctx.me.username}`;
}

function kb(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

/** The document an /import is about: its own (the caption), else the one of the message it replies to. */
function documentOf(ctx: TidingsContext): Document | undefined {
  const msg = ctx.msg;
  return msg?.document ?? msg?.reply_to_message?.document;
}

class TooBig extends Error {
  constructor(readonly bytes: number) {
    super(`larger than allowed (${bytes} bytes so far)`);
  }
}

/** GET `url`, at most `maxBytes` of body (TooBig beyond). */
async function download(url: string, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`file download answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new TooBig(declared);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooBig(total);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** `/export` and `/import`, downloading files as `opts` says. */
export function transferHandlers(opts: TransferOptions): Partial<Record<CommandName, Handler>> {
  const maxBytes = opts.maxBytes ?? IMPORT_MAX_BYTES;
  const timeoutMs = opts.downloadTimeoutMs ?? 30_000;

  const exportHandler: Handler = async (ctx, d) => {
    const subs = exportable(await d.subscriptions.listOf(chatKey(chatIdOf(ctx))));
    if (subs.length === 0) {
      await say(ctx, ctx.t.noSubscriptions);
      return 'ok';
    }
    const file = new InputFile(Buffer.from(exportSubscriptions(subs), 'utf8'), TRANSFER_FILENAME);
    const msg = ctx.msg;
    const quote = msg && ctx.chat?.type !== 'private' ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {};
    await ctx.replyWithDocument(file, { caption: ctx.t.exportCaption(subs.length, importCommand(ctx)), parse_mode: 'HTML', ...quote });
    return 'ok';
  };

  const importHandler: Handler = managed(async (ctx, d) => {
    const doc = documentOf(ctx);
    const command = importCommand(ctx);
    if (!doc) {
      await say(ctx, ctx.t.importUsage(command, kb(maxBytes)));
      return 'invalid';
    }
    if (doc.file_size !== undefined && doc.file_size > maxBytes) {
      await say(ctx, ctx.t.importTooBig(kb(doc.file_size), kb(maxBytes)));
      return 'invalid';
    }
    const name = doc.file_name?.trim() || TRANSFER_FILENAME;
    let bytes: Uint8Array;
    try {
      const file = await ctx.api.getFile(doc.file_id);
      if (file.file_size !== undefined && file.file_size > maxBytes) throw new TooBig(file.file_size);
      if (!file.file_path) throw new Error('getFile gave no file_path');
      bytes = await download(opts.fileUrl(file.file_path), maxBytes, timeoutMs);
    } catch (err) {
      if (err instanceof TooBig) {
        await say(ctx, ctx.t.importTooBig(kb(err.bytes), kb(maxBytes)));
        return 'invalid';
      }
      d.logger.warn({ err: { message: (err as Error).message }, chat: ctx.chat?.id, file: doc.file_unique_id }, 'telegram: could not download a file to import');
      await say(ctx, ctx.t.importDownloadFailed);
      return 'invalid';
    }

    let entries;
    try {
      entries = parseSubscriptionsFile(decodeSubscriptionsFile(bytes, name), name, { maxLength: d.queryMaxLength });
    } catch (err) {
      if (!(err instanceof SubscriptionsFileError)) throw err;
      const lines = err.problems.slice(0, LISTED).map((p) => ctx.t.importProblem(p.line, `${p.field ? `${p.field}: ` : ''}${p.message}`));
      const more = err.problems.length - LISTED;
      await sayLines(ctx, ctx.t.importInvalid(name, err.problems.length), more > 0 ? [...lines, ctx.t.importMore(more)] : lines, ctx.t.importInvalidFooter(command));
      return 'invalid';
    }
    if (entries.length === 0) {
      await say(ctx, ctx.t.importEmpty(name));
      return 'invalid';
    }

    const chatId = chatIdOf(ctx);
    const report = await importSubscriptions(d.subscriptions, { kind: 'telegram', chatId }, entries, actor(ctx));
    const failures = report.failed.slice(0, LISTED).map((f) => ctx.t.importFailure(f));
    const more = report.failed.length - LISTED;
    await sayLines(
      ctx,
      ctx.t.importReport({
        file: name,
        added: report.added.length,
        existing: report.existing.length,
        relabeled: report.existing.filter((e) => e.relabeled).length,
        failed: report.failed.length,
      }),
      more > 0 ? [...failures, ctx.t.importMore(more)] : failures,
      ctx.t.importFooter(report.failed.some((f) => f.limit !== undefined)),
    );
    return report.failed.length > 0 ? (report.added.length > 0 || report.existing.length > 0 ? 'ok' : 'refused') : 'ok';
  });

  return { export: exportHandler, import: importHandler };
}
