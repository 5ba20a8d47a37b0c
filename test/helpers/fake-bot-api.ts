/**
 * A Telegram Bot API test double over HTTP: point `TELEGRAM_API_ROOT` (grammY's `apiRoot`)
 * at `server.url` and the real grammY client talks to it over loopback.
 *
 * - Every call is recorded (`calls`, `sent`) with its method and JSON (or form) parameters.
 * - `getUpdates` serves what tests `pushUpdate` (long polling honoured: it waits up to the
 *   request's `timeout` seconds for an update, and answers at once when one is queued;
 *   `offset` acknowledges earlier updates as Telegram does).
 * - `sendMessage`, `editMessageText`, `answerCallbackQuery`, `setMyCommands`, `getMe`,
 *   `setWebhook`, `deleteWebhook`, `getChat`, … answer like Telegram; `sendMessage` checks the
 *   HTML of `parse_mode: HTML` messages the way Telegram does (only its tags, balanced, with
 *   `&<>` escaped) and the 4096-character limit, and answers 400 "can't parse entities" when
 *   they are broken.
 * - `failNext(method, predicate, reply)` scripts failures: 429 with `retry_after`, 403,
 *   400 "chat not found", 500, for the calls that match the predicate (e.g. one chat id).
 * - `dropAfterAccept(method, predicate)`: the call is accepted (a `sendMessage` counts as
 *   sent: the user got it), then the connection is closed before any answer is written.
 * - Files: `sendDocument` takes the multipart upload grammY makes of an InputFile (recorded in
 *   `documents` with its filename, caption and bytes; the caption's HTML checked like a
 *   message's) and keeps the file, as Telegram does; `addFile(bytes)` registers one a user
 *   sends; `getFile` gives its `file_path`, and `GET /file/bot<token>/<file_path>` serves its
 *   bytes (recorded in `downloads`). `pushDocument` queues a message carrying a document
 *   (with a caption, and `caption_entities` when the caption is a command).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
  at: number;
  /** Files uploaded with the call (multipart/form-data), by part name. */
  files?: Record<string, UploadedFile>;
}

export interface UploadedFile {
  filename: string;
  bytes: Buffer;
}

/** A document the bot sent (sendDocument accepted). */
export interface SentDocument {
  chatId: number;
  filename: string;
  caption: string | undefined;
  parseMode: string | undefined;
  bytes: Buffer;
  /** The message Telegram answered with (its `document.file_id` can be downloaded again). */
  message: Record<string, unknown> & { message_id: number; document: TelegramDocument };
  call: RecordedCall;
}

/** A file as it appears in a message. */
export interface TelegramDocument {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

export interface ScriptedReply {
  status: number;
  body: { ok: false; error_code: number; description: string; parameters?: { retry_after?: number; migrate_to_chat_id?: number } };
}

export const replies = {
  tooManyRequests: (retryAfter: number): ScriptedReply => ({
    status: 429,
    body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } },
  }),
  blocked: (): ScriptedReply => ({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } }),
  chatNotFound: (): ScriptedReply => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }),
  serverError: (): ScriptedReply => ({ status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } }),
  cantParse: (): ScriptedReply => ({
    status: 400,
    body: { ok: false, error_code: 400, description: "Bad Request: can't parse entities: unsupported start tag \"x\" at byte offset 0" },
  }),
};

interface Script {
  method: string;
  when: (params: Record<string, unknown>) => boolean;
  reply: ScriptedReply;
  times: number;
}

interface Waiter {
  resolve: () => void;
}

/** Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style). */
const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote']);

/** Telegram's check of an HTML message: undefined when it parses, else the reason. */
export function checkTelegramHtml(text: string): string | undefined {
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>|<|>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|&/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const whole = m[0];
    if (whole === '<' || whole === '>') return `unescaped "${whole}" at ${m.index}`;
    if (whole === '&') return `unescaped "&" at ${m.index}`;
    if (whole.startsWith('&')) {
      const name = m[4]!;
      if (!name.startsWith('#') && !['lt', 'gt', 'amp', 'quot'].includes(name)) return `unsupported entity &${name}; at ${m.index}`;
      continue;
    }
    const closing = m[1] === '/';
    const tag = m[2]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) return `unsupported start tag "${tag}" at ${m.index}`;
    if (closing) {
      if (stack.pop() !== tag) return `unexpected end tag "${tag}" at ${m.index}`;
    } else {
      if (tag === 'a') {
        const href = /href\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(m[3] ?? '');
        if (!href) return `a tag without a quoted href at ${m.index}`;
      }
      stack.push(tag);
    }
  }
  if (stack.length > 0) return `unclosed tag "${stack[stack.length - 1]}"`;
  return undefined;
}

/** The text Telegram would show for an HTML message (tags removed, entities decoded). */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  private readonly server: http.Server;
  private readonly updates: { update_id: number; [k: string]: unknown }[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1000;
  private readonly waiters = new Set<Waiter>();
  private readonly scripts: Script[] = [];
  private readonly drops: { method: string; when: (params: Record<string, unknown>) => boolean; times: number }[] = [];
  private readonly callWaiters: { check: () => boolean; resolve: () => void }[] = [];
  private readonly files = new Map<string, { bytes: Buffer; path: string }>();
  private nextFile = 1;
  /** Documents the bot sent, in order. */
  readonly documents: SentDocument[] = [];
  /** File downloads asked for (`GET /file/bot<token>/<path>`), known files or not. */
  readonly downloads: { token: string; path: string }[] = [];
  /** The bot this server pretends to be. */
  readonly me = { id: 777000, is_bot: true, first_name: 'tidings', username: 'tidings_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
  url = '';
  /** Artificial latency added to every answer (ms). */
  latencyMs = 0;

  constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // api.telegram.org keeps idle connections open for minutes; Node's default of 5 s would
    // make a sender that writes to each chat every few seconds reconnect for almost every call.
    this.server.keepAliveTimeout = 120_000;
  }

  /** How long an idle client connection is kept open (ms). */
  set keepAliveTimeoutMs(ms: number) {
    this.server.keepAliveTimeout = ms;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.waiters) w.resolve();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Calls of one method (all methods when omitted). */
  callsOf(method?: string): RecordedCall[] {
    return method ? this.calls.filter((c) => c.method === method) : this.calls;
  }

  /** Messages accepted by sendMessage (the failed ones are not here). */
  get sent(): RecordedCall[] {
    return this.calls.filter((c) => c.method === 'sendMessage' && (c as RecordedCall & { accepted?: boolean }).accepted);
  }

  /** Accepted messages to one chat. */
  sentTo(chatId: number | string): RecordedCall[] {
    return this.sent.filter((c) => String(c.params.chat_id) === String(chatId));
  }

  /** Make the next `times` calls of `method` matching `when` fail with `reply`. */
  failNext(method: string, when: (params: Record<string, unknown>) => boolean, reply: ScriptedReply, times = 1): void {
    this.scripts.push({ method, when, reply, times });
  }

  /** Accept the next `times` calls of `method` matching `when`, then drop the connection before answering. */
  dropAfterAccept(method: string, when: (params: Record<string, unknown>) => boolean, times = 1): void {
    this.drops.push({ method, when, times });
  }

  /** Queue an update for getUpdates. Returns its update_id. */
  pushUpdate(update: Record<string, unknown>): number {
    const update_id = this.nextUpdateId++;
    this.updates.push({ update_id, ...update });
    for (const w of this.waiters) w.resolve();
    return update_id;
  }

  /**
   * Queue a text message from a user in a chat (private chat when chat is omitted); `extra`
   * goes into the message as it is (e.g. `reply_to_message`).
   */
  pushMessage(
    text: string,
    from: { id: number; language_code?: string; first_name?: string },
    chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string } = { id: from.id, type: 'private' },
    extra: Record<string, unknown> = {},
  ): number {
    const entities = commandEntities(text);
    return this.pushChatMessage({ text, ...(entities ? { entities } : {}), ...extra }, from, chat);
  }

  /**
   * Queue a message carrying `document` (from addFile, or a document the bot sent), with
   * `caption` (`/import` gets `caption_entities` as Telegram sets them); `extra` as in pushMessage.
   */
  pushDocument(
    caption: string | undefined,
    document: TelegramDocument,
    from: { id: number; language_code?: string; first_name?: string },
    chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string } = { id: from.id, type: 'private' },
    extra: Record<string, unknown> = {},
  ): number {
    const entities = caption !== undefined ? commandEntities(caption) : undefined;
    return this.pushChatMessage({ document, ...(caption !== undefined ? { caption } : {}), ...(entities ? { caption_entities: entities } : {}), ...extra }, from, chat);
  }

  private pushChatMessage(
    content: Record<string, unknown>,
    from: { id: number; language_code?: string; first_name?: string },
    chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string },
  ): number {
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { ...chat, first_name: chat.type === 'private' ? (from.first_name ?? 'User') : undefined },
      from: { is_bot: false, first_name: 'User', ...from },
      ...content,
    };
    return chat.type === 'channel' ? this.pushUpdate({ channel_post: { ...message, from: undefined, sender_chat: chat } }) : this.pushUpdate({ message });
  }

  /**
   * Keep a file as if a user had sent it; returns it as a message's `document`. `fileSize`
   * (default: the real size) is what Telegram says about it; `undefined` leaves it out.
   */
  addFile(bytes: Uint8Array | string, opts: { fileName?: string; mimeType?: string; fileSize?: number | undefined } = {}): TelegramDocument {
    const data = Buffer.from(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    const n = this.nextFile++;
    const file_id = `file-${n}-${'x'.repeat(20)}`;
    const fileName = opts.fileName ?? `file-${n}.txt`;
    this.files.set(file_id, { bytes: data, path: `documents/file_${n}${/\.[A-Za-z0-9]+$/.exec(fileName)?.[0] ?? ''}` });
    const size = 'fileSize' in opts ? opts.fileSize : data.length;
    return { file_id, file_unique_id: `u${n}`, file_name: fileName, mime_type: opts.mimeType ?? 'text/plain', ...(size !== undefined ? { file_size: size } : {}) };
  }

  /** Queue a press of an inline button on a message the bot sent. */
  pushCallback(data: string, from: { id: number; language_code?: string }, message: { chat_id: number; message_id: number }): number {
    return this.pushUpdate({
      callback_query: {
        id: String(this.nextMessageId++),
        from: { is_bot: false, first_name: 'User', ...from },
        chat_instance: 'ci',
        data,
        message: { message_id: message.message_id, date: Math.floor(Date.now() / 1000), chat: { id: message.chat_id, type: message.chat_id < 0 ? 'group' : 'private' }, text: '' },
      },
    });
  }

  /** Resolves when `check` holds (re-checked after every call), or rejects after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry = {
        check,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const i = this.callWaiters.indexOf(entry);
        if (i >= 0) this.callWaiters.splice(i, 1);
        reject(new Error(`fake Bot API: timed out after ${timeoutMs} ms waiting for ${what}; calls: ${this.calls.map((c) => c.method).join(', ')}`));
      }, timeoutMs);
      this.callWaiters.push(entry);
    });
  }

  /** Resolves once `n` messages in all have been accepted by sendMessage. */
  waitForSent(n: number, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.sent.length >= n, timeoutMs, `${n} sent messages (have ${this.sent.length})`);
  }

  private notifyCall(): void {
    for (const w of [...this.callWaiters]) {
      if (w.check()) {
        this.callWaiters.splice(this.callWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(pathname);
    if (download && req.method === 'GET') {
      const [, token, filePath] = download as unknown as [string, string, string];
      this.downloads.push({ token, path: filePath });
      const file = [...this.files.values()].find((f) => f.path === filePath);
      if (!file) res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      else res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) }).end(file.bytes);
      this.notifyCall();
      return;
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(pathname);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    const [, token, method] = m as unknown as [string, string, string];
    const { params, files } = parseBody(req.headers['content-type'] ?? '', Buffer.concat(chunks));
    const call: RecordedCall & { accepted?: boolean } = { method, token, params, at: Date.now(), ...(files ? { files } : {}) };
    if (method !== 'getUpdates') this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

    const script = this.scripts.find((s) => s.method === method && s.times > 0 && s.when(params));
    if (script) {
      script.times--;
      if (script.times === 0) this.scripts.splice(this.scripts.indexOf(script), 1);
      res.writeHead(script.reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(script.reply.body));
      this.notifyCall();
      return;
    }
    const answer = await this.answer(method, params, call);
    const drop = this.drops.find((d) => d.method === method && d.times > 0 && d.when(params));
    if (drop && answer.ok) {
      drop.times--;
      if (drop.times === 0) this.drops.splice(this.drops.indexOf(drop), 1);
      req.socket.destroy();
      this.notifyCall();
      return;
    }
    res.writeHead(answer.ok ? 200 : answer.error_code, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    this.notifyCall();
  }

  private async answer(
    method: string,
    params: Record<string, unknown>,
    call: RecordedCall & { accepted?: boolean },
  ): Promise<{ ok: true; result: unknown } | { ok: false; error_code: number; description: string }> {
    switch (method) {
      case 'getMe':
        return { ok: true, result: this.me };
      case 'getUpdates':
        return { ok: true, result: await this.getUpdates(params) };
      case 'sendMessage': {
        const text = String(params.text ?? '');
        if (text.trim() === '') return { ok: false, error_code: 400, description: 'Bad Request: message text is empty' };
        if (params.parse_mode === 'HTML') {
          const problem = checkTelegramHtml(text);
          if (problem) return { ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${problem}` };
        }
        const shown = params.parse_mode === 'HTML' ? visibleText(text) : text;
        if (shown.length > 4096) return { ok: false, error_code: 400, description: 'Bad Request: message is too long' };
        call.accepted = true;
        const chatId = Number(params.chat_id);
        return {
          ok: true,
          result: { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' }, text: shown },
        };
      }
      case 'editMessageText':
      case 'editMessageReplyMarkup': {
        if (params.parse_mode === 'HTML') {
          const problem = checkTelegramHtml(String(params.text ?? ''));
          if (problem) return { ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${problem}` };
        }
        return { ok: true, result: { message_id: Number(params.message_id ?? 0), date: Math.floor(Date.now() / 1000), chat: { id: Number(params.chat_id), type: 'private' }, text: String(params.text ?? '') } };
      }
      case 'sendDocument':
        return this.sendDocument(params, call);
      case 'getFile': {
        const id = String(params.file_id ?? '');
        const file = this.files.get(id);
        if (!file) return { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' };
        return { ok: true, result: { file_id: id, file_unique_id: `u${id}`, file_size: file.bytes.length, file_path: file.path } };
      }
      case 'getChat':
        return { ok: true, result: { id: Number(params.chat_id), type: Number(params.chat_id) < 0 ? 'group' : 'private' } };
      case 'getChatMember':
        return { ok: true, result: { status: 'administrator', user: { id: Number(params.user_id), is_bot: false, first_name: 'User' } } };
      default:
        // setMyCommands, deleteMyCommands, answerCallbackQuery, setWebhook, deleteWebhook, sendChatAction, …
        return { ok: true, result: true };
    }
  }

  private sendDocument(params: Record<string, unknown>, call: RecordedCall & { accepted?: boolean }): { ok: true; result: unknown } | { ok: false; error_code: number; description: string } {
    const ref = String(params.document ?? '');
    const attached = ref.startsWith('attach://') ? call.files?.[ref.slice('attach://'.length)] : undefined;
    const resent = attached ? undefined : this.files.get(ref);
    if (!attached && !resent) return { ok: false, error_code: 400, description: 'Bad Request: wrong file identifier/HTTP URL specified' };
    const caption = params.caption === undefined ? undefined : String(params.caption);
    if (caption !== undefined && params.parse_mode === 'HTML') {
      const problem = checkTelegramHtml(caption);
      if (problem) return { ok: false, error_code: 400, description: `Bad Request: can't parse entities: ${problem}` };
    }
    const shown = caption === undefined ? undefined : params.parse_mode === 'HTML' ? visibleText(caption) : caption;
    if (shown !== undefined && shown.length > 1024) return { ok: false, error_code: 400, description: 'Bad Request: message caption is too long' };
    const bytes = attached?.bytes ?? resent!.bytes;
    const filename = attached?.filename ?? 'document';
    const document = attached ? this.addFile(bytes, { fileName: filename, mimeType: 'application/octet-stream' }) : { file_id: ref, file_unique_id: `u${ref}`, file_size: bytes.length };
    const chatId = Number(params.chat_id);
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: chatId < 0 ? 'group' : 'private' },
      from: { ...this.me },
      document,
      ...(shown !== undefined ? { caption: shown } : {}),
    };
    call.accepted = true;
    this.documents.push({ chatId, filename, caption, parseMode: params.parse_mode === undefined ? undefined : String(params.parse_mode), bytes, message, call });
    return { ok: true, result: message };
  }

  private async getUpdates(params: Record<string, unknown>): Promise<unknown[]> {
    const offset = Number(params.offset ?? 0);
    if (offset > 0) {
      while (this.updates.length > 0 && this.updates[0]!.update_id < offset) this.updates.shift();
    }
    const timeout = Math.min(Number(params.timeout ?? 0), 30);
    if (this.updates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const waiter: Waiter = {
          resolve: () => {
            clearTimeout(timer);
            this.waiters.delete(waiter);
            resolve();
          },
        };
        const timer = setTimeout(waiter.resolve, timeout * 1000);
        this.waiters.add(waiter);
      });
    }
    const limit = Number(params.limit ?? 100);
    return this.updates.slice(0, limit);
  }
}

/** `bot_command` entities for a text or caption that starts with a command. */
function commandEntities(text: string): { type: 'bot_command'; offset: 0; length: number }[] | undefined {
  return text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
}

/** The parameters of a call (JSON, form or multipart), and the files a multipart body carries. */
function parseBody(contentType: string, body: Buffer): { params: Record<string, unknown>; files?: Record<string, UploadedFile> } {
  if (body.length === 0) return { params: {} };
  if (contentType.includes('application/json')) return { params: JSON.parse(body.toString('utf8')) as Record<string, unknown> };
  if (contentType.includes('application/x-www-form-urlencoded')) return { params: Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  if (contentType.includes('multipart/form-data')) {
    const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
    const params: Record<string, unknown> = {};
    const files: Record<string, UploadedFile> = {};
    if (!boundary) return { params };
    // Parts are cut on the bytes, so a file's bytes come out exactly as sent.
    for (const part of splitBuffer(body, Buffer.from(`--${boundary}`))) {
      const headerEnd = part.indexOf('\r\n\r\n');
      if (headerEnd < 0) continue;
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]+)"/i.exec(headers)?.[1];
      if (name === undefined) continue;
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString('latin1') === '\r\n') content = content.subarray(0, -2);
      const filename = /filename=(?:"([^"]*)"|([^;\r\n]+))/i.exec(headers);
      if (filename) {
        files[name] = { filename: filename[1] ?? filename[2]!.trim(), bytes: Buffer.from(content) };
        continue;
      }
      const raw = content.toString('utf8');
      try {
        params[name] = JSON.parse(raw);
      } catch {
        params[name] = raw;
      }
    }
    return { params, ...(Object.keys(files).length > 0 ? { files } : {}) };
  }
  return { params: {} };
}

/** `body` cut at every `separator` (the separators dropped). */
function splitBuffer(body: Buffer, separator: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (;;) {
    const at = body.indexOf(separator, start);
    if (at < 0) {
      parts.push(body.subarray(start));
      return parts;
    }
    parts.push(body.subarray(start, at));
    start = at + separator.length;
  }
}

/** Start a fake Bot API on a loopback port. */
export async function startFakeBotApi(): Promise<FakeBotApi> {
  return new FakeBotApi().start();
}
