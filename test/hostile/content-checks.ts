/**
 * Shared pieces of the parsing and content rows of the hostile matrix
 * (../shared/docs/hostile-matrix.md, rows 11–17): a loopback server whose routes tests set
 * per path (and that counts every request), an app on the real poll path (memory store,
 * private networks allowed for loopback), the republished feeds read back in all three
 * formats, a Telegram alert rendered from an article, and the check for active content.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOMParser, parseHTML } from 'linkedom';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import type { FeedFormat } from '../../src/publish/render-feeds.js';
import type { Article } from '../../src/domain/article.js';
import type { Source } from '../../src/domain/source.js';
import type { Subscription } from '../../src/domain/subscription.js';
import { renderAlert, type RenderedAlert } from '../../src/notify/telegram/render-alert.js';
import { renderAlertEmail, type RenderedEmail } from '../../src/notify/email/render-email.js';
import { listen, type RunningServer } from '../helpers/corpus.js';

export const PUBLIC_URL = 'http://127.0.0.1:8080';

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  body: string | Buffer | ((req: IncomingMessage) => string | Buffer);
}

export interface RouteServer extends RunningServer {
  routes: Map<string, Route>;
  /** Requests per path, every path (unknown ones included). */
  hits: Map<string, number>;
  hitsOf(path: string): number;
}

/** A loopback server answering each path from `routes` (404 for the rest), counting requests. */
export async function routeServer(): Promise<RouteServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const running = await listen((req: IncomingMessage, res: ServerResponse) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.set(p, (hits.get(p) ?? 0) + 1);
    const route = routes.get(p);
    if (!route) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const body = typeof route.body === 'function' ? route.body(req) : route.body;
    const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    res.writeHead(route.status ?? 200, { 'content-length': String(buf.length), ...(route.headers ?? { 'content-type': 'application/xml' }) }).end(buf);
  });
  return { ...running, routes, hits, hitsOf: (p) => hits.get(p) ?? 0 };
}

/** The app on the real poll path: memory store, loopback allowed, short timeouts. */
export async function pollingApp(env: Record<string, string> = {}): Promise<App> {
  const settings = loadSettings({
    STORE_URL: 'memory',
    ALLOW_PRIVATE_NETWORKS: 'true',
    FETCH_TIMEOUT: '5s',
    FETCH_PER_HOST_CONCURRENCY: '16',
    PUBLIC_URL,
    ...env,
  });
  return createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), loadYaml: () => [] });
}

export function feedSource(id: string, url: string, extra: Partial<Source> = {}): Source {
  return { id, name: id, url, interval: { kind: 'every', ms: 3_600_000 }, fulltext: 'never', tags: ['hostile'], origin: 'test', ...extra };
}

export interface Republished {
  atom: string;
  rss: string;
  json: string;
}

/** The merged `all` feed in the three formats, as the HTTP layer would serve it. */
export async function republish(app: App, sources: Source[], maxEntries = 5000): Promise<Republished> {
  const feeds = new FeedService({ store: app.store, sources: () => sources, publicUrl: PUBLIC_URL, maxEntries });
  const get = async (format: FeedFormat) => (await feeds.getFeed({ kind: 'all', format }))!.body;
  return { atom: await get('atom'), rss: await get('rss'), json: await get('json') };
}

/** Text of every element named in `names` in an XML document (entities and CDATA decoded). */
export function xmlTexts(xml: string, names: string[]): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return names.flatMap((n) => [...doc.getElementsByTagName(n)].map((el) => el.textContent ?? ''));
}

/** The `<title>` of each entry (`entry` in Atom, `item` in RSS), not of the feed or of a `<source>`. */
export function entryTitles(xml: string, entryTag: 'entry' | 'item'): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return [...doc.getElementsByTagName(entryTag)].map((entry) => [...entry.children].find((c) => c.tagName === 'title')?.textContent ?? '');
}

interface JsonFeedItem {
  id: string;
  url?: string;
  title?: string;
  content_html?: string;
  content_text?: string;
  summary?: string;
}

export function jsonItems(json: string): JsonFeedItem[] {
  return (JSON.parse(json) as { items: JsonFeedItem[] }).items;
}

export interface Found {
  where: string;
  what: string;
}

const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'background', 'poster', 'data', 'xlink:href', 'cite', 'longdesc', 'srcset', 'lowsrc', 'dynsrc', 'codebase', 'usemap'];
const DANGEROUS_ELEMENTS = ['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'applet', 'base', 'form', 'style', 'link', 'svg', 'math'];

/**
 * Active content in one HTML fragment, judged on the text and on the parsed DOM: dangerous
 * elements, `<meta>` (refresh), event handlers, script and data: URLs, CSS expressions and
 * any style attribute, non-web URLs, and images that are tracking pixels.
 */
export function activeContent(html: string, where: string, opts: { document?: boolean } = {}): Found[] {
  const found: Found[] = [];
  const add = (what: string) => found.push({ where, what: `${what} in ${html.slice(0, 160)}` });
  if (new RegExp(`<\\s*(?:${DANGEROUS_ELEMENTS.join('|')})\\b`, 'i').test(html)) add('a dangerous element');
  if (opts.document ? /<\s*meta\b[^>]*http-equiv\s*=\s*["']?refresh/i.test(html) : /<\s*meta\b/i.test(html)) add('a <meta> refresh');
  if (/(?:java|vb|live)script\s*:/i.test(html)) add('a script URL');
  if (/<[^>]*[\s"'/]on[a-z]+\s*=/i.test(html)) add('an event handler attribute');
  if (/expression\s*\(/i.test(html) && /<[^>]*style/i.test(html)) add('a CSS expression');
  const { document } = parseHTML(opts.document ? html : `<!doctype html><html><body>${html}</body></html>`);
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (DANGEROUS_ELEMENTS.includes(tag)) add(`<${tag}>`);
    if (tag === 'meta' && (!opts.document || el.hasAttribute('http-equiv') && /refresh/i.test(el.getAttribute('http-equiv') ?? ''))) add('<meta>');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) add(`handler ${name}`);
      // Article markup keeps no style at all; a whole document (an email) may style itself, but
      // never with expressions, bindings, behaviours or URLs.
      if (name === 'style' && (!opts.document || /expression|url\s*\(|behavior|binding|javascript|@import/i.test(attr.value))) add(`a style attribute ${attr.value.slice(0, 60)}`);
      // Browsers drop control characters and whitespace before deciding the scheme.
      // eslint-disable-next-line no-control-regex -- that is the point
      const squashed = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (URL_ATTRIBUTES.includes(name) && /^(?:javascript|vbscript|livescript|data|file|mocha):/.test(squashed)) add(`a script/data URL in ${name}`);
      if (URL_ATTRIBUTES.includes(name) && squashed !== '' && !/^(?:https?:\/\/|mailto:)/.test(squashed)) add(`a non-web URL in ${name}: ${attr.value}`);
    }
    if (tag === 'img') {
      const size = [el.getAttribute('width'), el.getAttribute('height')].filter((v): v is string => v !== null).map(Number);
      if (size.some((n) => n <= 2)) add('a tracking pixel');
      if (/\/(?:pixel|beacon|track|1x1)\b|(?:google-analytics|doubleclick|hm\.baidu)\./i.test(el.getAttribute('src') ?? '')) add('a tracker image');
    }
  }
  return found;
}

/** Plain-text fields must not carry markup that a careless reader would render. */
export function markupInText(text: string, where: string): Found[] {
  return /<\s*\/?\s*(?:script|iframe|object|embed|style|meta|frame|applet|img|a|svg|form)\b/i.test(text) || /(?:java|vb)script\s*:/i.test(text)
    ? [{ where, what: `markup in plain text: ${text.slice(0, 160)}` }]
    : [];
}

/**
 * Everything that reaches a reader from the republished feeds, checked: the HTML of every
 * format (JSON Feed values; Atom content, summary and titles, which are type="html"; RSS
 * description, content:encoded and titles, which readers take as HTML), JSON titles as text,
 * and the XML documents as bytes.
 */
export function republishedActiveContent(feeds: Republished): Found[] {
  const bad: Found[] = [];
  for (const [i, item] of jsonItems(feeds.json).entries()) {
    bad.push(...activeContent(item.content_html ?? '', `json item ${i} content_html (${item.url})`));
    bad.push(...activeContent(item.summary ?? '', `json item ${i} summary (${item.url})`));
    bad.push(...markupInText(item.title ?? '', `json item ${i} title`));
    if (item.url !== undefined && !/^https?:\/\//.test(item.url)) bad.push({ where: `json item ${i}`, what: `non-web url ${item.url}` });
  }
  for (const [i, html] of xmlTexts(feeds.atom, ['content', 'summary', 'title']).entries()) bad.push(...activeContent(html, `atom content/summary/title ${i}`));
  for (const [i, html] of xmlTexts(feeds.rss, ['description', 'content:encoded', 'title']).entries()) bad.push(...activeContent(html, `rss description/content/title ${i}`));
  for (const [name, body] of [
    ['atom', feeds.atom],
    ['rss', feeds.rss],
  ] as const) {
    if (/<\s*(?:script|iframe|object|embed|style|meta)\b/i.test(body)) bad.push({ where: name, what: 'live markup in the document' });
    for (const m of body.matchAll(/\shref="([^"]*)"/g)) if (!/^https?:\/\//.test(m[1]!)) bad.push({ where: name, what: `non-web link ${m[1]}` });
    for (const m of body.matchAll(/<link>([^<]*)<\/link>/g)) if (!/^https?:\/\//.test(m[1]!)) bad.push({ where: name, what: `non-web link ${m[1]}` });
  }
  return bad;
}

export function subscription(query: string, chatId = 7001): Subscription {
  return {
    id: `sub-${chatId}`,
    subscriber: { kind: 'telegram', chatId },
    subscriberKey: `tg:${chatId}`,
    query,
    mode: 'instant',
    script: 'original',
    paused: false,
    createdBy: 'cli',
    createdAt: '2024-01-01T00:00:00.000Z',
    feedToken: 'token',
  };
}

/** The Telegram alert one article would be sent as. */
export function alertOf(article: Article, query = 'hostile'): RenderedAlert {
  return renderAlert({ article, sourceName: article.sourceId, alsoReportedBy: [] }, [subscription(query)], {
    lang: 'zh',
    timeZone: 'Asia/Shanghai',
    script: 'original',
    now: new Date(),
  });
}

/** The alert email one article would be sent to `address` as. */
export function emailOf(article: Article, query = 'hostile', address = 'reader@example.com'): RenderedEmail {
  const sub: Subscription = { ...subscription(query), subscriber: { kind: 'email', address }, subscriberKey: `mail:${address}` };
  return renderAlertEmail(address, sub.subscriberKey, { article, sourceName: article.sourceId, alsoReportedBy: [], subscriptions: [sub] }, {
    publicUrl: PUBLIC_URL,
    secret: 'hostile-test-secret-hostile-test-secret',
    mailFrom: 'tidings <tidings@example.com>',
    timeZone: 'Asia/Shanghai',
    lang: 'zh',
    now: new Date(),
  });
}

/** An alert email checked: its HTML as a whole document, its text part and its subject as text. */
export function emailActiveContent(email: RenderedEmail, where: string): Found[] {
  const html = String(email.message.html ?? '');
  const text = String(email.message.text ?? '');
  return [
    ...activeContent(html, `email html of ${where}`, { document: true }),
    ...markupInText(text, `email text of ${where}`),
    ...markupInText(email.subject, `email subject of ${where}`),
  ];
}

/** A Telegram alert's links and buttons: web URLs only (checkTelegramHtml checks the parse). */
export function alertActiveContent(alert: RenderedAlert, where: string): Found[] {
  const bad: Found[] = [];
  for (const m of alert.html.matchAll(/<a\s+href="([^"]*)"/g)) {
    if (!/^https?:\/\//.test(m[1]!)) bad.push({ where, what: `non-web link ${m[1]}` });
  }
  for (const row of alert.buttons) for (const b of row) if (b.url !== undefined && !/^https?:\/\//.test(b.url)) bad.push({ where, what: `non-web button ${b.url}` });
  return bad;
}
