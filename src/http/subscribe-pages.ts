/**
 * Self-service email subscriptions on the HTTP server, with double opt-in:
 *
 * - `GET /subscribe` a form (address, query, optional daily digest time); `POST /subscribe`
 *   checks it (the address; the query, its error shown next to the field with the 1-based
 *   position; the time), previews what the query would have matched, and on "subscribe"
 *   stores the subscription paused (`pausedReason: 'unconfirmed'`) and mails a confirmation
 *   link. The page says "check your inbox" whatever the address's state, so it never tells
 *   whether an address is subscribed already.
 * - `GET /confirm?t=` shows what the link confirms, with a button; `POST /confirm?t=`
 *   activates it. GET changes nothing: mail scanners follow links. Two kinds of link: a web
 *   subscription (`confirm`, subject the subscription id) and an address for a Telegram chat
 *   (`confirm-email`, sent by the bot's `/email`: the chat's subscriptions are copied as
 *   email subscriptions of the address).
 * - `GET /unsubscribe?t=` shows what the link removes, with a button; `POST /unsubscribe?t=`
 *   removes it (RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click`). The
 *   token is `unsubscribe` (one subscription) or `unsubscribe-all` (every one of an address).
 *
 * A forged, truncated or expired token gets a clear page and changes nothing. Sending is
 * rate-limited per client (IPv4 address, IPv6 /64) and per target address, with counters in
 * the store (so limits hold across restarts and processes): nobody can use the page, or the
 * bot, to flood a stranger's inbox. Over the limit: a 429 page, nothing sent.
 *
 * Pages are server-rendered from templates/web/ (eta, every value escaped), in Chinese or
 * English (page-i18n.ts), without JavaScript. They are never cached, never framed, send no
 * Referer to other sites (links carry tokens), and forms post only to this site (CSP `form-action 'self'`).
 * The subscribe form carries a signed, dated form token and is refused when a browser says it
 * was posted from another site (Origin, Sec-Fetch-Site).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { SendMailOptions } from 'nodemailer';
import type { Source } from '../domain/source.js';
import type { Subscription } from '../domain/subscription.js';
import type { Outbox } from '../delivery/outbox.js';
import { describeQuery, parseQuery, QueryError, type Query } from '../match/query.js';
import { signToken, verifyToken, type TokenPurpose } from '../notify/email/tokens.js';
import { firstPerStory, RecentMatcher } from '../notify/telegram/commands/shared.js';
import { isWebUrl, truncateText } from '../notify/telegram/html.js';
import { localDateTime } from '../notify/telegram/local-time.js';
import type { Logger } from '../ops/logger.js';
import type { KeyValue } from '../store/keyv-store.js';
import type { Store } from '../store/store.js';
import { SubscriptionInputError, SubscriptionLimitError, validateDigestAt, validateSubscriber, type SubscriptionStore } from '../subscriptions/subscription-store.js';
import { pageLang, pageStrings, type PageLang, type PageStrings } from './page-i18n.js';
import { send, type Route } from './server.js';

export interface SubscribeLimits {
  /** Confirmation emails one client (IPv4 address, IPv6 /64) may cause per window (default 5 per 10 minutes). */
  perClient: number;
  perClientWindowMs: number;
  /** Confirmation emails one target address may receive per window, from the page and the bot together (default 3 a day). */
  perAddress: number;
  perAddressWindowMs: number;
  /** Largest form body accepted (default 8 KiB). */
  maxBodyBytes: number;
  /** Longest query (QUERY_MAX_LENGTH, default 500). */
  queryMaxLength: number;
  /** Newest articles the preview looks at (default 1000) and titles it lists (default 5). */
  recentArticles: number;
  previewItems: number;
  /** How long a confirmation link works (default 7 days); unconfirmed subscriptions older than that are pruned. */
  confirmDays: number;
  /** How long a served form may be submitted (default 24 hours). */
  formMaxAgeMs: number;
}

export const DEFAULT_SUBSCRIBE_LIMITS: SubscribeLimits = {
  perClient: 5,
  perClientWindowMs: 10 * 60_000,
  perAddress: 3,
  perAddressWindowMs: 24 * 3_600_000,
  maxBodyBytes: 8 * 1024,
  queryMaxLength: 500,
  recentArticles: 1000,
  previewItems: 5,
  confirmDays: 7,
  formMaxAgeMs: 24 * 3_600_000,
};

/** What sending a confirmation email needs (the page's and the bot's `/email`). */
export interface ConfirmationMailDeps {
  /** Rate-limit counters (app.kv): kept with a TTL, shared by every process on the store. */
  kv: KeyValue;
  /** TIDINGS_SECRET as `store.secret()` resolves it. */
  secret: string;
  /** PUBLIC_URL, the base of links in emails and of the pages' own URLs. */
  publicUrl: string;
  /** Sends one message (nodemailer's transporter.sendMail, or a test double); rejects when it fails. */
  sendMail: (msg: SendMailOptions) => Promise<void>;
  /** MAIL_FROM. */
  mailFrom: string;
  logger: Logger;
  limits?: Partial<SubscribeLimits>;
  /** The clock for tokens (default: the real one). */
  now?: () => Date;
}

export interface SubscribeDeps extends ConfirmationMailDeps {
  subscriptions: SubscriptionStore;
  store: Store;
  sources: () => Source[];
  /** When given, "unsubscribe from everything" also drops the address's alerts not yet sent. */
  outbox?: Outbox;
  /** The zone of daily digest times chosen on the page (DEFAULT_TIMEZONE; default Asia/Shanghai). */
  timeZone?: string;
  /** Behind a reverse proxy: the client is the last address of X-Forwarded-For (default false: the socket's peer). */
  trustProxy?: boolean;
}

// ---------------------------------------------------------------------------------------
// Templates

function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates', 'web'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`subscribe-pages: no templates/web above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let engines: { web: Eta; mailHtml: Eta; mailText: Eta } | undefined;

function templates(): { web: Eta; mailHtml: Eta; mailText: Eta } {
  if (!engines) {
    const root = packageRoot();
    const common = { cache: true, autoTrim: false as const };
    engines = {
      web: new Eta({ ...common, views: path.join(root, 'templates', 'web'), autoEscape: true }),
      mailHtml: new Eta({ ...common, views: path.join(root, 'templates', 'email'), autoEscape: true }),
      // The text part is not HTML: nothing to escape (values are single lines, checked by the caller).
      mailText: new Eta({ ...common, views: path.join(root, 'templates', 'email'), autoEscape: false }),
    };
  }
  return engines;
}

// ---------------------------------------------------------------------------------------
// Addresses, tokens, rate limits

/**
 * The address as typed, trimmed, when it can receive mail from us; undefined when it cannot:
 * more than 254 characters, any control character (CR/LF would inject headers), or not
 * `local@domain.tld` without spaces, quotes, angle brackets, commas or semicolons.
 */
export function cleanAddress(raw: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return undefined;
  const address = raw.trim();
  if (address === '' || address.length > 254) return undefined;
  try {
    validateSubscriber({ kind: 'email', address });
  } catch (err) {
    if (err instanceof SubscriptionInputError) return undefined;
    throw err;
  }
  return address;
}

/** The subject of a `confirm-email` token: which chat asked for which address. */
export function chatLinkSubject(chatId: number, address: string): string {
  return JSON.stringify({ c: chatId, a: address });
}

export function parseChatLinkSubject(subject: string): { chatId: number; address: string } | undefined {
  try {
    const v = JSON.parse(subject) as { c?: unknown; a?: unknown };
    if (typeof v.c !== 'number' || !Number.isSafeInteger(v.c) || typeof v.a !== 'string') return undefined;
    const address = cleanAddress(v.a);
    return address ? { chatId: v.c, address } : undefined;
  } catch {
    return undefined;
  }
}

function hashed(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 24);
}

/**
 * At most `max` events per sliding `windowMs` for one subject, across processes: each event
 * claims one of `max` slots with an atomic set-if-absent that expires `windowMs` later. Keys
 * hold a hash of the subject, never an address.
 */
export class RateLimiter {
  constructor(
    private readonly kv: KeyValue,
    private readonly name: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Take a slot: undefined when allowed, else how long (ms) until one frees. */
  async take(subject: string): Promise<number | undefined> {
    const keys = Array.from({ length: this.max }, (_, i) => `ratelimit:${this.name}:${hashed(subject)}:${i}`);
    const now = Date.now();
    for (const key of keys) if (await this.kv.setIfAbsent(key, now, this.windowMs)) return undefined;
    const taken = (await this.kv.getMany<number>(keys)).filter((v): v is number => typeof v === 'number');
    const oldest = taken.length > 0 ? Math.min(...taken) : now;
    return Math.max(1000, oldest + this.windowMs - now);
  }
}

function limitsOf(deps: { limits?: Partial<SubscribeLimits> }): SubscribeLimits {
  return { ...DEFAULT_SUBSCRIBE_LIMITS, ...deps.limits };
}

function addressLimiter(kv: KeyValue, limits: SubscribeLimits): RateLimiter {
  return new RateLimiter(kv, 'mail-address', limits.perAddress, limits.perAddressWindowMs);
}

function clientLimiter(kv: KeyValue, limits: SubscribeLimits, name: string): RateLimiter {
  return new RateLimiter(kv, name, limits.perClient, limits.perClientWindowMs);
}

/** The client a request counts against: the IPv4 address, or the /64 of an IPv6 one. */
export function clientKey(req: IncomingMessage, trustProxy = false): string {
  let ip = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
    if (last) ip = last;
  }
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) ip = ip.slice(7);
  return ip.includes(':') ? ipv6Prefix(ip) : ip;
}

function ipv6Prefix(ip: string): string {
  const bare = ip.replace(/^\[|\]$/g, '').split('%')[0]!.toLowerCase();
  const [head = '', tail] = bare.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const full = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A dated form token (`<seconds>.<mac>`): the form was served by us, not too long ago. */
function formToken(secret: string, now: Date): string {
  const ts = Math.floor(now.getTime() / 1000).toString(36);
  return `${ts}.${formMac(secret, ts)}`;
}

function formMac(secret: string, ts: string): string {
  const key = createHmac('sha256', secret).update('tidings-token:subscribe-form').digest();
  return createHmac('sha256', key).update(ts).digest().subarray(0, 12).toString('base64url');
}

function formTokenValid(secret: string, token: string, now: Date, maxAgeMs: number): boolean {
  const m = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{16})$/.exec(token);
  if (!m) return false;
  const expected = Buffer.from(formMac(secret, m[1]!));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const age = now.getTime() - parseInt(m[1]!, 36) * 1000;
  return age >= -60_000 && age <= maxAgeMs;
}

type TokenCheck = { ok: true; subject: string } | { ok: false; expired: boolean };

/** Verify a token; a genuine token past its expiry is told apart from a forged one. */
function checkToken(secret: string, purpose: TokenPurpose, token: string | null, now: Date): TokenCheck {
  const subject = verifyToken(secret, purpose, token, now);
  if (subject !== undefined) return { ok: true, subject };
  // The MAC is checked before the expiry: a subject at the epoch means "genuine but expired".
  return { ok: false, expired: verifyToken(secret, purpose, token, new Date(0)) !== undefined };
}

// ---------------------------------------------------------------------------------------
// Confirmation emails

interface ConfirmMailView {
  htmlLang: string;
  subject: string;
  greeting: string;
  intro: string;
  queries: string[];
  notes: string[];
  link: string;
  action: string;
  expires: string;
  notYou: string;
  signature: string;
}

/** One line of text for a mail: no line breaks or other control characters. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

async function sendConfirmMail(deps: ConfirmationMailDeps, to: string, view: ConfirmMailView): Promise<void> {
  const clean: ConfirmMailView = { ...view, queries: view.queries.map(oneLine), intro: oneLine(view.intro), notes: view.notes.map(oneLine) };
  const t = templates();
  await deps.sendMail({
    from: deps.mailFrom,
    to: { name: '', address: to },
    subject: clean.subject,
    text: t.mailText.render('./confirm.txt.eta', clean),
    html: t.mailHtml.render('./confirm.html.eta', clean),
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
}

function linkUrl(publicUrl: string, pathName: string, token: string, lang: PageLang): string {
  return `${publicUrl}${pathName}?t=${token}&lang=${lang}`;
}

export type EmailLinkResult = { kind: 'sent' } | { kind: 'invalid' } | { kind: 'limited'; retryAfterMs: number };

/**
 * The bot's `/email ADDRESS`: mail a `confirm-email` link for the chat to the address, within
 * the per-chat and per-address limits. `subscriptions` is how many the chat has now (shown).
 */
export async function requestChatEmailLink(deps: ConfirmationMailDeps, request: { chatId: number; address: string; subscriptions: number; lang: PageLang }): Promise<EmailLinkResult> {
  const address = cleanAddress(request.address);
  if (!address) return { kind: 'invalid' };
  const limits = limitsOf(deps);
  const chatWait = await clientLimiter(deps.kv, limits, 'mail-chat').take(String(request.chatId));
  if (chatWait !== undefined) return { kind: 'limited', retryAfterMs: chatWait };
  const addressWait = await addressLimiter(deps.kv, limits).take(address.toLowerCase());
  if (addressWait !== undefined) return { kind: 'limited', retryAfterMs: addressWait };
  const now = deps.now?.() ?? new Date();
  const token = signToken(deps.secret, 'confirm-email', chatLinkSubject(request.chatId, address), new Date(now.getTime() + limits.confirmDays * 86_400_000));
  const t = pageStrings(request.lang);
  await sendConfirmMail(deps, address, {
    htmlLang: t.htmlLang,
    subject: t.mail.chatSubject,
    greeting: t.mail.greeting,
    intro: t.mail.chatBody(address, request.subscriptions),
    queries: [],
    notes: [],
    link: linkUrl(deps.publicUrl.replace(/\/+$/, ''), '/confirm', token, request.lang),
    action: t.mail.confirmAction,
    expires: t.mail.confirmExpires(limits.confirmDays),
    notYou: t.mail.notYou,
    signature: t.mail.signature,
  });
  deps.logger.info({ chat: request.chatId }, 'email: sent a confirmation link for a chat address');
  return { kind: 'sent' };
}

// ---------------------------------------------------------------------------------------
// Requests

const TOO_LARGE = Symbol('too large');

/** The body as text, or TOO_LARGE (reading stops there; the connection is closed after the answer). */
function readBody(req: IncomingMessage, max: number): Promise<string | typeof TOO_LARGE> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.pause();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function isFormBody(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * True when a browser says this POST comes from a page of another site: Sec-Fetch-Site
 * (every current browser) other than same-origin; else, from older browsers, an Origin that
 * is neither PUBLIC_URL's nor the Host's (`null`, sent under strict referrer policies, tells
 * nothing). Clients that send neither (scripts) still need a valid form token.
 */
function crossSite(req: IncomingMessage, publicOrigin: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return false;
  const host = req.headers.host;
  const allowed = [publicOrigin, ...(host ? [`http://${host}`, `https://${host}`] : [])];
  return !allowed.includes(origin);
}

const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  // Links carry tokens: no Referer leaves the site (same-origin requests keep theirs, and their Origin).
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  vary: 'Accept-Language',
};

interface MessageView {
  heading: string;
  paragraphs?: string[];
  queries?: string[];
  after?: string[];
  buttons?: { action: string; label: string; secondary?: boolean; intro?: string }[];
  links?: { href: string; label: string }[];
  preview?: PreviewView | null;
}

interface PreviewView {
  described: string;
  summary: string;
  items: { title: string; href: string | null; source: string; time: string }[];
}

interface FormView {
  values: { address: string; query: string; digest: string };
  errors: { form: string; address: string; query: string; digest: string };
  caret: { before: string; at: string; after: string } | null;
  preview: PreviewView | null;
}

function queryCaret(query: string, position: number): FormView['caret'] {
  const chars = Array.from(query);
  return { before: chars.slice(0, Math.max(0, position - 1)).join(''), at: chars[position - 1] ?? ' ', after: chars.slice(position).join('') };
}

/** `8:00`, `08:00`, `08:00:00` (a browser's time input) → `08:00`; '' → ''; anything else undefined. */
function digestTime(value: string): string | undefined {
  const v = value.trim();
  if (v === '') return '';
  const m = /^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/.exec(v);
  if (!m) return undefined;
  const hhmm = `${m[1]!.padStart(2, '0')}:${m[2]}`;
  try {
    validateDigestAt(hhmm);
  } catch {
    return undefined;
  }
  return hhmm;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, lang: PageLang) => Promise<void>;

export function createSubscribeRoutes(deps: SubscribeDeps): Route[] {
  const limits = limitsOf(deps);
  const publicUrl = deps.publicUrl.replace(/\/+$/, '');
  const publicOrigin = new URL(publicUrl).origin;
  const base = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const zone = deps.timeZone ?? 'Asia/Shanghai';
  const now = () => deps.now?.() ?? new Date();
  const recent = new RecentMatcher(deps.store, deps.sources, limits.recentArticles);
  const perClient = clientLimiter(deps.kv, limits, 'subscribe-client');
  const perAddress = addressLimiter(deps.kv, limits);
  const { logger } = deps;

  function render(res: ServerResponse, status: number, lang: PageLang, url: URL, view: 'subscribe' | 'message', title: string, data: object, headers: Record<string, string> = {}): void {
    const t = pageStrings(lang);
    const other: PageLang = lang === 'zh' ? 'en' : 'zh';
    const switchUrl = new URL(url.href);
    switchUrl.searchParams.set('lang', other);
    const html = templates().web.render(`./${view}`, {
      t,
      lang,
      title,
      switchHref: `${base}${switchUrl.pathname}${switchUrl.search}`,
      switchLang: other,
      switchName: pageStrings(other).langName,
      ...data,
    });
    send(res, status, 'text/html; charset=utf-8', html, { ...PAGE_HEADERS, 'content-language': t.htmlLang, ...headers });
  }

  function message(res: ServerResponse, status: number, lang: PageLang, url: URL, view: MessageView, headers: Record<string, string> = {}): void {
    render(res, status, lang, url, 'message', view.heading, { paragraphs: [], queries: [], after: [], buttons: [], links: [], preview: null, ...view }, headers);
  }

  const formLink = (lang: PageLang) => ({ href: `${base}/subscribe?lang=${lang}`, label: pageStrings(lang).backToForm });

  function badRequest(res: ServerResponse, status: number, lang: PageLang, url: URL, body: string, headers: Record<string, string> = {}): void {
    const t = pageStrings(lang);
    message(res, status, lang, url, { heading: t.badRequestTitle, paragraphs: [body], links: [formLink(lang)] }, headers);
  }

  /** The request's body, or undefined once a 413 page has been sent because it is larger than the limit. */
  async function bodyWithinLimit(req: IncomingMessage, res: ServerResponse, url: URL, lang: PageLang): Promise<string | undefined> {
    const body = await readBody(req, limits.maxBodyBytes);
    if (body === TOO_LARGE) {
      badRequest(res, 413, lang, url, pageStrings(lang).tooLargeBody, { connection: 'close' });
      return undefined;
    }
    return body;
  }

  function showForm(res: ServerResponse, status: number, lang: PageLang, url: URL, form: FormView): void {
    const t = pageStrings(lang);
    render(res, status, lang, url, 'subscribe', t.subscribeTitle, {
      ...form,
      action: `${base}/subscribe`,
      formToken: formToken(deps.secret, now()),
      zone,
      queryMaxLength: limits.queryMaxLength,
    });
  }

  async function preview(query: Query, lang: PageLang): Promise<PreviewView> {
    const t = pageStrings(lang);
    const articles = await recent.articles();
    const { recent: looked, matches } = recent.match(query, articles);
    const stories = firstPerStory(matches);
    const names = new Map(deps.sources().map((s) => [s.id, s.name]));
    return {
      described: describeQuery(query),
      summary: looked === 0 ? t.previewNoArticles : matches.length === 0 ? t.previewNone(looked) : t.previewCount(matches.length, looked),
      items: stories.slice(0, limits.previewItems).map((a) => ({
        title: truncateText(a.title, 140),
        href: isWebUrl(a.url) ? a.url : null,
        source: names.get(a.sourceId) ?? a.sourceId,
        time: localDateTime(a.published, zone),
      })),
    };
  }

  /** Remove this address's subscriptions left unconfirmed longer than a link works. */
  async function pruneUnconfirmed(key: string): Promise<void> {
    const cutoff = now().getTime() - limits.confirmDays * 86_400_000;
    for (const s of await deps.subscriptions.listOf(key)) {
      if (s.paused && s.pausedReason === 'unconfirmed' && Date.parse(s.createdAt) < cutoff) await deps.subscriptions.remove(s.id);
    }
  }

  // GET /subscribe
  const getSubscribe: Handler = async (_req, res, url, lang) => {
    const query = (url.searchParams.get('q') ?? '').slice(0, limits.queryMaxLength);
    showForm(res, 200, lang, url, { values: { address: '', query, digest: '' }, errors: { form: '', address: '', query: '', digest: '' }, caret: null, preview: null });
  };

  // POST /subscribe
  const postSubscribe: Handler = async (req, res, url, initialLang) => {
    if (crossSite(req, publicOrigin)) {
      badRequest(res, 403, initialLang, url, pageStrings(initialLang).crossSite);
      return;
    }
    if (!isFormBody(req)) {
      badRequest(res, 415, initialLang, url, pageStrings(initialLang).unsupportedBody, { connection: 'close' });
      return;
    }
    const body = await bodyWithinLimit(req, res, url, initialLang);
    if (body === undefined) return;
    const form = new URLSearchParams(body);
    const lang = pageLang(form.get('lang') ?? url.searchParams.get('lang'), req.headers['accept-language']);
    const t = pageStrings(lang);
    const rawAddress = (form.get('address') ?? '').slice(0, 1000);
    const queryText = (form.get('query') ?? '').replace(/[\r\n\t]+/g, ' ').trim();
    const rawDigest = (form.get('digest') ?? '').slice(0, 20);
    const view: FormView = {
      // A refused address is shown back on one line: a form value never carries line breaks.
      values: { address: rawAddress.replace(/[\r\n]+/g, ' '), query: queryText, digest: rawDigest },
      errors: { form: '', address: '', query: '', digest: '' },
      caret: null,
      preview: null,
    };
    const address = cleanAddress(rawAddress);
    if (rawAddress.trim() === '') view.errors.address = t.addressMissing;
    else if (!address) view.errors.address = t.addressInvalid;
    let query: Query | undefined;
    if (queryText === '') {
      view.errors.query = t.queryMissing;
    } else {
      try {
        query = parseQuery(queryText, { maxLength: limits.queryMaxLength });
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        view.errors.query = t.queryInvalid(err.position, err.message);
        view.caret = queryCaret(queryText, err.position);
      }
    }
    const digest = digestTime(rawDigest);
    if (digest === undefined) view.errors.digest = t.digestInvalid;
    if (query) view.preview = await preview(query, lang);
    const fieldErrors = view.errors.address !== '' || view.errors.query !== '' || view.errors.digest !== '';
    const stale = !formTokenValid(deps.secret, form.get('form') ?? '', now(), limits.formMaxAgeMs);
    if (fieldErrors || stale) {
      view.errors.form = fieldErrors ? t.formProblems : t.formStale;
      showForm(res, 400, lang, url, view);
      return;
    }
    if (form.get('action') === 'preview') {
      showForm(res, 200, lang, url, view);
      return;
    }
    // Valid from here on: the limits count only requests that would send mail.
    const clientWait = await perClient.take(clientKey(req, deps.trustProxy));
    const addressWait = clientWait === undefined ? await perAddress.take(address!.toLowerCase()) : undefined;
    const wait = clientWait ?? addressWait;
    if (wait !== undefined) {
      logger.info({ limit: clientWait !== undefined ? 'client' : 'address' }, 'subscribe: rate limit reached; nothing sent');
      message(res, 429, lang, url, { heading: t.limitedTitle, paragraphs: [t.limitedBody(Math.max(1, Math.ceil(wait / 60_000)))], links: [formLink(lang)] }, { 'retry-after': String(Math.ceil(wait / 1000)) });
      return;
    }
    const key = `mail:${address!.toLowerCase()}`;
    await pruneUnconfirmed(key);
    const at = digest === '' ? undefined : digest;
    let mail: ConfirmMailView;
    const common = { htmlLang: t.htmlLang, greeting: t.mail.greeting, notYou: t.mail.notYou, signature: t.mail.signature };
    try {
      const existing = (await deps.subscriptions.listOf(key)).find((x) => x.query.trim() === queryText);
      let sub = await deps.subscriptions.add({
        subscriber: { kind: 'email', address: address! },
        query: queryText,
        mode: at ? 'digest' : 'instant',
        digestAt: at,
        timeZone: zone,
        createdBy: 'web',
        // Created held: nothing is sent to an address nobody has confirmed.
        pausedReason: 'unconfirmed',
      });
      if (!existing || (sub.paused && sub.pausedReason === 'unconfirmed')) {
        // New, or still waiting: held until the address owner confirms, with the settings of
        // this latest request.
        sub = { ...sub, mode: at ? 'digest' : 'instant', digestAt: at, timeZone: zone, paused: true, pausedReason: 'unconfirmed' };
        await deps.subscriptions.update(sub);
      } else if (sub.paused) {
        // Paused for another reason (bounced, by its owner): confirming this request resumes it.
        sub = { ...sub, pausedReason: 'unconfirmed' };
        await deps.subscriptions.update(sub);
      }
      const token = signToken(deps.secret, 'confirm', sub.id, new Date(now().getTime() + limits.confirmDays * 86_400_000));
      mail = {
        ...common,
        subject: t.mail.subscribeSubject,
        intro: t.mail.subscribeBody(address!),
        queries: [sub.query],
        notes: sub.mode === 'digest' && sub.digestAt ? [t.mail.subscribeDigest(sub.digestAt, sub.timeZone ?? zone)] : [],
        link: linkUrl(publicUrl, '/confirm', token, lang),
        action: t.mail.confirmAction,
        expires: t.mail.confirmExpires(limits.confirmDays),
      };
    } catch (err) {
      if (!(err instanceof SubscriptionLimitError)) throw err;
      // Not said on the page (it would tell a stranger about the address): the owner gets it by mail.
      mail = {
        ...common,
        subject: t.mail.limitSubject,
        intro: t.mail.limitBody(address!, err.limit),
        queries: [queryText],
        notes: [],
        link: linkUrl(publicUrl, '/unsubscribe', signToken(deps.secret, 'unsubscribe-all', address!.toLowerCase()), lang),
        action: t.mail.limitAction,
        expires: '',
      };
    }
    try {
      await sendConfirmMail(deps, address!, mail);
    } catch (err) {
      logger.error({ err }, 'subscribe: the confirmation email could not be sent');
      message(res, 503, lang, url, { heading: t.failedTitle, paragraphs: [t.failedBody], links: [formLink(lang)] }, { 'retry-after': '60' });
      return;
    }
    logger.info({ by: 'web' }, 'subscribe: confirmation email sent');
    message(res, 200, lang, url, { heading: t.sentTitle, paragraphs: [t.sentBody(address!, limits.confirmDays), t.sentSpam], preview: view.preview, links: [formLink(lang)] });
  };

  function tokenOf(url: URL): string | null {
    return url.searchParams.get('t');
  }

  function invalidLink(res: ServerResponse, lang: PageLang, url: URL, expired: boolean): void {
    const t = pageStrings(lang);
    message(res, 400, lang, url, {
      heading: expired ? t.expiredLinkTitle : t.invalidLinkTitle,
      paragraphs: [expired ? t.expiredLinkBody : t.invalidLinkBody],
      links: [formLink(lang)],
    });
  }

  function gone(res: ServerResponse, lang: PageLang, url: URL): void {
    const t = pageStrings(lang);
    message(res, 404, lang, url, { heading: t.goneTitle, paragraphs: [t.goneBody], links: [formLink(lang)] });
  }

  const selfAction = (url: URL, lang: PageLang) => `${base}${url.pathname}?t=${encodeURIComponent(tokenOf(url) ?? '')}&lang=${lang}`;

  function digestNote(t: PageStrings, s: Subscription): string[] {
    return s.mode === 'digest' && s.digestAt ? [t.confirmedDigest(s.digestAt, s.timeZone ?? zone)] : [];
  }

  function addressOf(s: Subscription): string {
    return s.subscriber.kind === 'email' ? s.subscriber.address : s.subscriberKey;
  }

  // /confirm (GET shows, POST activates)
  const confirm =
    (activate: boolean): Handler =>
    async (req, res, url, lang) => {
      if (activate) {
        if ((await bodyWithinLimit(req, res, url, lang)) === undefined) return;
      }
      const t = pageStrings(lang);
      const token = tokenOf(url);
      const single = checkToken(deps.secret, 'confirm', token, now());
      if (single.ok) {
        const sub = await deps.subscriptions.get(single.subject);
        if (!sub || sub.subscriber.kind !== 'email') return gone(res, lang, url);
        const pending = sub.paused && sub.pausedReason === 'unconfirmed';
        const address = addressOf(sub);
        if (!pending) {
          message(res, 200, lang, url, { heading: t.alreadyActiveTitle, paragraphs: [t.alreadyActiveBody(address)], queries: [sub.query], after: [...digestNote(t, sub), t.confirmedUnsubscribeNote] });
          return;
        }
        if (!activate) {
          message(res, 200, lang, url, { heading: t.confirmTitle, paragraphs: [t.confirmQuestion(address)], queries: [sub.query], after: digestNote(t, sub), buttons: [{ action: selfAction(url, lang), label: t.confirmButton }] });
          return;
        }
        const active: Subscription = { ...sub, paused: false, pausedReason: undefined };
        if (!(await deps.subscriptions.update(active))) return gone(res, lang, url);
        logger.info({ subscription: sub.id }, 'subscribe: subscription confirmed');
        message(res, 200, lang, url, { heading: t.confirmedTitle, paragraphs: [t.confirmedBody(address)], queries: [sub.query], after: [...digestNote(t, sub), t.confirmedUnsubscribeNote] });
        return;
      }
      const chat = checkToken(deps.secret, 'confirm-email', token, now());
      const link = chat.ok ? parseChatLinkSubject(chat.subject) : undefined;
      if (!chat.ok || !link) return invalidLink(res, lang, url, single.expired || (!chat.ok && chat.expired));
      const chatSubs = await deps.subscriptions.listOf(`tg:${link.chatId}`);
      if (chatSubs.length === 0) {
        message(res, 200, lang, url, { heading: t.confirmTitle, paragraphs: [t.chatNothing] });
        return;
      }
      if (!activate) {
        message(res, 200, lang, url, {
          heading: t.confirmTitle,
          paragraphs: [t.chatConfirmQuestion(link.address, chatSubs.length)],
          queries: chatSubs.map((s) => s.query),
          buttons: [{ action: selfAction(url, lang), label: t.chatConfirmButton }],
        });
        return;
      }
      const copied: Subscription[] = [];
      let limit: number | undefined;
      for (const s of chatSubs) {
        try {
          const added = await deps.subscriptions.add({
            subscriber: { kind: 'email', address: link.address },
            query: s.query,
            mode: s.mode,
            digestAt: s.digestAt,
            timeZone: s.timeZone ?? zone,
            script: s.script,
            createdBy: `telegram:${link.chatId}`,
          });
          if (added.paused) await deps.subscriptions.update({ ...added, paused: false, pausedReason: undefined });
          copied.push(added);
        } catch (err) {
          if (err instanceof SubscriptionLimitError) {
            limit = err.limit;
            break;
          }
          if (err instanceof QueryError || err instanceof SubscriptionInputError) continue;
          throw err;
        }
      }
      logger.info({ chat: link.chatId, copied: copied.length }, 'subscribe: chat address confirmed');
      message(res, 200, lang, url, {
        heading: t.confirmedTitle,
        paragraphs: [t.chatConfirmedBody(link.address, copied.length)],
        queries: copied.map((s) => s.query),
        after: [...(limit !== undefined ? [t.chatLimit(copied.length, limit)] : []), t.confirmedUnsubscribeNote],
      });
    };

  // /unsubscribe (GET shows, POST removes; RFC 8058 one-click is a POST)
  const unsubscribe =
    (remove: boolean): Handler =>
    async (req, res, url, lang) => {
      if (remove) {
        // The body (`List-Unsubscribe=One-Click`, or the page's empty form) says nothing the token does not.
        if ((await bodyWithinLimit(req, res, url, lang)) === undefined) return;
      }
      const t = pageStrings(lang);
      const token = tokenOf(url);
      const one = checkToken(deps.secret, 'unsubscribe', token, now());
      if (one.ok) {
        const sub = await deps.subscriptions.get(one.subject);
        if (!sub) {
          message(res, 200, lang, url, { heading: t.alreadyUnsubscribedTitle, paragraphs: [t.alreadyUnsubscribedBody], links: [{ href: `${base}/subscribe?lang=${lang}`, label: t.resubscribe }] });
          return;
        }
        const address = addressOf(sub);
        if (!remove) {
          const others = sub.subscriber.kind === 'email' ? await deps.subscriptions.listOf(sub.subscriberKey) : [];
          const buttons: NonNullable<MessageView['buttons']> = [{ action: selfAction(url, lang), label: t.unsubscribeButton }];
          if (others.length > 1) {
            const all = signToken(deps.secret, 'unsubscribe-all', address.toLowerCase());
            buttons.push({ action: `${base}/unsubscribe?t=${all}&lang=${lang}`, label: t.unsubscribeAllButton, secondary: true, intro: t.unsubscribeAllOffer(others.length) });
          }
          message(res, 200, lang, url, { heading: t.unsubscribeTitle, paragraphs: [t.unsubscribeQuestion(address)], queries: [sub.query], buttons });
          return;
        }
        await deps.subscriptions.remove(sub.id);
        logger.info({ subscription: sub.id }, 'subscribe: unsubscribed by link');
        message(res, 200, lang, url, { heading: t.unsubscribedTitle, paragraphs: [t.unsubscribedBody(address)], queries: [sub.query], links: [{ href: `${base}/subscribe?lang=${lang}`, label: t.resubscribe }] });
        return;
      }
      const all = checkToken(deps.secret, 'unsubscribe-all', token, now());
      const address = all.ok ? cleanAddress(all.subject) : undefined;
      if (!all.ok || !address) return invalidLink(res, lang, url, false);
      const key = `mail:${address.toLowerCase()}`;
      const subs = await deps.subscriptions.listOf(key);
      if (subs.length === 0) {
        message(res, 200, lang, url, { heading: t.alreadyUnsubscribedTitle, paragraphs: [t.alreadyUnsubscribedBody], links: [{ href: `${base}/subscribe?lang=${lang}`, label: t.resubscribe }] });
        return;
      }
      if (!remove) {
        message(res, 200, lang, url, {
          heading: t.unsubscribeTitle,
          paragraphs: [t.unsubscribeAllQuestion(address, subs.length)],
          queries: subs.map((s) => s.query),
          buttons: [{ action: selfAction(url, lang), label: t.unsubscribeAllButton }],
        });
        return;
      }
      const removed = await deps.subscriptions.forget(key);
      const dropped = deps.outbox ? await deps.outbox.dropSubscriber('email', key) : 0;
      logger.info({ removed, dropped }, 'subscribe: address unsubscribed from everything by link');
      message(res, 200, lang, url, { heading: t.unsubscribedTitle, paragraphs: [t.unsubscribedAllBody(address, removed)], links: [{ href: `${base}/subscribe?lang=${lang}`, label: t.resubscribe }] });
    };

  const routeFor =
    (pathName: string, get: Handler, post: Handler): Route =>
    async (req, res, url) => {
      if (url.pathname !== pathName) return false;
      const lang = pageLang(url.searchParams.get('lang'), req.headers['accept-language']);
      const method = req.method ?? 'GET';
      try {
        if (method === 'GET' || method === 'HEAD') await get(req, res, url, lang);
        else if (method === 'POST') await post(req, res, url, lang);
        else badRequest(res, 405, lang, url, pageStrings(lang).methodNotAllowedBody, { allow: 'GET, HEAD, POST' });
      } catch (err) {
        logger.error({ err, path: pathName }, 'subscribe pages: request failed');
        if (res.headersSent) res.destroy();
        else {
          const t = pageStrings(lang);
          message(res, 500, lang, url, { heading: t.failedTitle, paragraphs: [t.failedBody], links: [formLink(lang)] });
        }
      }
      return true;
    };

  return [routeFor('/subscribe', getSubscribe, postSubscribe), routeFor('/confirm', confirm(false), confirm(true)), routeFor('/unsubscribe', unsubscribe(false), unsubscribe(true))];
}
