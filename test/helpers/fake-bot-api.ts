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
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
  at: number;
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

  /** Queue a text message from a user in a chat (private chat when chat is omitted). */
  pushMessage(
    text: string,
    from: { id: number; language_code?: string; first_name?: string },
    chat: { id: number; type: 'private' | 'group' | 'supergroup' | 'channel'; title?: string } = { id: from.id, type: 'private' },
  ): number {
    const entities = text.startsWith('/') ? [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]!.length }] : undefined;
    const message = {
      message_id: this.nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: { ...chat, first_name: chat.type === 'private' ? (from.first_name ?? 'User') : undefined },
      from: { is_bot: false, first_name: 'User', ...from },
      text,
      ...(entities ? { entities } : {}),
    };
    return chat.type === 'channel' ? this.pushUpdate({ channel_post: { ...message, from: undefined, sender_chat: chat } }) : this.pushUpdate({ message });
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
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (!m) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    const [, token, method] = m as unknown as [string, string, string];
    const params = parseBody(req.headers['content-type'] ?? '', Buffer.concat(chunks));
    const call: RecordedCall & { accepted?: boolean } = { method, token, params, at: Date.now() };
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
      case 'getChat':
        return { ok: true, result: { id: Number(params.chat_id), type: Number(params.chat_id) < 0 ? 'group' : 'private' } };
      case 'getChatMember':
        return { ok: true, result: { status: 'administrator', user: { id: Number(params.user_id), is_bot: false, first_name: 'User' } } };
      default:
        // setMyCommands, deleteMyCommands, answerCallbackQuery, setWebhook, deleteWebhook, sendChatAction, …
        return { ok: true, result: true };
    }
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

function parseBody(contentType: string, body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  if (contentType.includes('application/json')) return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  if (contentType.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  if (contentType.includes('multipart/form-data')) {
    const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
    const out: Record<string, unknown> = {};
    if (!boundary) return out;
    for (const part of body.toString('utf8').split(`--${boundary}`)) {
      const pm = /name="([^"]+)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*)\r\n$/.exec(part);
      if (!pm) continue;
      const raw = pm[2]!;
      try {
        out[pm[1]!] = JSON.parse(raw);
      } catch {
        out[pm[1]!] = raw;
      }
    }
    return out;
  }
  return {};
}

/** Start a fake Bot API on a loopback port. */
export async function startFakeBotApi(): Promise<FakeBotApi> {
  return new FakeBotApi().start();
}
