/**
 * The whole of Universal Feed Parser's `wellformed/` corpus (about 1,750 hostile little
 * feeds, 745 of them XSS cases under `sanitize/`) polled in one run on the real stack: one
 * loopback server, one source per file, kinds detected, 32 polls at a time. No source may
 * fail with an internal error, a canary feed polled in the same run must lose nothing, and
 * the merged feeds published from all of it must be valid (jing, python3-feedparser) and
 * carry no active content (scripts, handlers, javascript: URLs, frames, refreshes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DOMParser, parseHTML } from 'linkedom';
import { loadSettings } from '../../src/config/settings.js';
import { createApp, type App } from '../../src/app.js';
import { silentLogger } from '../../src/ops/logger.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { pollSource, type PollResult } from '../../src/pipeline/poll-source.js';
import { FeedService } from '../../src/pipeline/feed-service.js';
import { pollAll } from '../../src/cli/poll.js';
import type { Source } from '../../src/domain/source.js';
import { corpusDir, hasCorpus, listen, type RunningServer } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';
import { feedparserPython, hasJing, jing } from '../helpers/validators.js';

const wellformed = path.join(corpusDir, 'feedparser', 'wellformed');
const present = hasCorpus && statSync(wellformed, { throwIfNoEntry: false })?.isDirectory() === true;

/**
 * Sources that listed at least one article, measured on this corpus (1,749 files and the
 * canary): 1,162 (CDF read since, 8 of its 15 files with an item). The rest hold feed-level
 * elements only (597 files have no item or entry at all). The floor leaves a small margin.
 */
const MIN_SOURCES_WITH_ARTICLES = 1150;
/** Files with an <item>/<entry> somewhere that yield no items: 3 measured. */
const MAX_MISSED_ENTRIES = 5;
const CANARY_TITLES = ['自治区科技厅召开2024年科技创新工作推进会', '乌鲁木齐市举办科技成果转化对接活动', '昌吉州启动新一轮科技特派员选派工作'];

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

function contentType(file: string): string {
  if (file.endsWith('.xml')) return 'application/xml';
  if (file.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}

function canaryFeed(origin: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>金丝雀</title><link>${origin}/canary/</link><description>canary</description>
${CANARY_TITLES.map(
  (t, i) => `<item><guid isPermaLink="false">canary-${i}</guid><title>${t}</title><link>${origin}/canary/${i}.html</link>
<pubDate>Mon, 0${i + 1} Jan 2024 08:00:00 +0800</pubDate><description><![CDATA[<p>${t}。</p>]]></description></item>`,
).join('\n')}
</channel></rss>`;
}

/** The Python side: entries' content and summaries as the feed carries them (not sanitized by feedparser). */
const FEEDPARSER_CONTENT = `
import feedparser, sys, json
d = feedparser.parse(sys.argv[1], sanitize_html=False, resolve_relative_uris=False)
print(json.dumps({
  "bozo": bool(d.bozo),
  "bozoException": str(d.get("bozo_exception")) if d.bozo else None,
  "version": d.version,
  "entries": len(d.entries),
  "html": [c.value for e in d.entries for c in e.get("content", [])] + [e.get("summary", "") for e in d.entries],
}))
`;

interface Active {
  where: string;
  what: string;
}

const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'background', 'poster', 'data', 'xlink:href', 'cite', 'longdesc', 'srcset', 'lowsrc', 'dynsrc'];

/** Active content in one HTML fragment, judged on the parsed DOM and on the text. */
function activeContent(html: string, where: string): Active[] {
  const found: Active[] = [];
  const add = (what: string) => found.push({ where, what: `${what} in ${html.slice(0, 200)}` });
  if (/<\s*(script|iframe|object|embed|frame|frameset|applet|base)\b/i.test(html)) add('a dangerous element');
  if (/<\s*meta\b[^>]*http-equiv/i.test(html)) add('a meta http-equiv');
  if (/javascript\s*:|vbscript\s*:/i.test(html)) add('a script URL');
  if (/<[^>]*\son[a-z]+\s*=/i.test(html)) add('an event handler attribute');
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'frame', 'frameset', 'applet', 'base', 'form'].includes(tag)) add(`<${tag}>`);
    if (tag === 'meta' && el.hasAttribute('http-equiv')) add('<meta http-equiv>');
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) add(`handler ${name}`);
      if (name === 'style' && /expression\s*\(|url\s*\(\s*['"]?\s*(?:java|vb)script:/i.test(attr.value)) add('script in style');
      // Browsers drop control characters and whitespace before deciding the scheme.
      // eslint-disable-next-line no-control-regex -- that is the point
      const squashed = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (URL_ATTRIBUTES.includes(name) && /^(?:javascript|vbscript|data:text\/html|livescript):?/.test(squashed)) add(`script URL in ${name}`);
    }
  }
  return found;
}

/** Text of every element named `name` in an XML document (entities and CDATA decoded). */
function xmlTexts(xml: string, names: string[]): string[] {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return names.flatMap((n) => [...doc.getElementsByTagName(n)].map((el) => el.textContent ?? ''));
}

describe('the active-content check', () => {
  it('finds what it looks for, escaped or not, and passes clean markup', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src="x" onerror="alert(1)">',
      '<IMG SRC=x ONLOAD=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      '<a href=" &#106;avascript:alert(1)">x</a>',
      '<iframe src="http://evil.example/"></iframe>',
      '<object data="x.swf"></object>',
      '<embed src="x.swf">',
      '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
      '<div style="width: expression(alert(1))">x</div>',
    ];
    for (const html of hostile) expect(activeContent(html, 'probe'), html).not.toEqual([]);
    for (const html of ['<p>javascript 教程：onload 事件</p>', '<a href="http://example.com/?q=on">x</a><img src="/a.png" alt="onerror">']) {
      expect(activeContent(html, 'probe'), html).toEqual([]);
    }
    const atom = '<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;img src="x" onerror="alert(1)"&gt;</content></entry></feed>';
    expect(xmlTexts(atom, ['content']).flatMap((h) => activeContent(h, 'probe'))).not.toEqual([]);
  });
});

describe.skipIf(!needs('the feedparser corpus (../shared/corpus/feedparser/wellformed)', present))('polling all of feedparser wellformed/', () => {
  let server: RunningServer;
  let app: App;
  let sources: Source[];
  let results: PollResult[];
  const files = present ? walk(wellformed) : [];
  const byPath = new Map(files.map((f) => [`/fp/${path.relative(wellformed, f).split(path.sep).join('/')}`, f]));
  const requests = new Map<string, number>();
  const tmp = mkdtempSync(path.join(tmpdir(), 'tidings-fp-'));
  const out = path.join(tmp, 'out');
  let runMs = 0;

  beforeAll(async () => {
    server = await listen((req, res) => {
      const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      requests.set(p, (requests.get(p) ?? 0) + 1);
      if (p === '/canary/feed.xml') {
        res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(canaryFeed(server.origin));
        return;
      }
      const file = byPath.get(p);
      if (!file) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': contentType(file), 'content-length': body.length }).end(body);
    });
    const base = { interval: { kind: 'every', ms: 3_600_000 }, fulltext: 'never', origin: 'test' } as const;
    sources = [...byPath.keys()].map((p, i) => ({ ...base, id: `fp-${i + 1}`, name: p.slice('/fp/'.length), url: `${server.origin}${encodeURI(p)}`, tags: ['feedparser'] }));
    // The canary sits in the middle of the run, so failures on both sides of it are around it.
    const canary: Source = { ...base, id: 'canary', name: '金丝雀', url: `${server.origin}/canary/feed.xml`, tags: ['canary'], kind: 'feed' };
    sources.splice(Math.floor(sources.length / 2), 0, canary);
    const settings = loadSettings({
      STORE_URL: 'memory',
      ALLOW_PRIVATE_NETWORKS: 'true',
      FETCH_PER_HOST_CONCURRENCY: '32',
      FETCH_TIMEOUT: '10s',
      PUBLIC_URL: 'http://127.0.0.1:8080',
    });
    app = await createApp(settings, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) });
    const t0 = Date.now();
    results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 32);
    runMs = Date.now() - t0;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('polls every file once and gives every source a result, none an internal error', async () => {
    expect(files.length).toBeGreaterThan(1700);
    expect(files.some((f) => f.includes(`${path.sep}sanitize${path.sep}`))).toBe(true);
    expect(results).toHaveLength(sources.length);
    expect(new Set(results.map((r) => r.sourceId))).toEqual(new Set(sources.map((s) => s.id)));
    for (const p of byPath.keys()) expect(requests.get(p), p).toBe(1);

    const internal = results.filter((r) => r.error?.kind === 'internal');
    expect(internal.map((r) => r.error!.message)).toEqual([]);
    const kinds = new Map<string, number>();
    for (const r of results) if (r.error) kinds.set(r.error.kind, (kinds.get(r.error.kind) ?? 0) + 1);
    // Fetch errors would mean the server or the client broke, not the documents.
    expect([...kinds.keys()].filter((k) => k !== 'parse' && k !== 'unsupported')).toEqual([]);
    for (const r of results.filter((x) => x.error)) expect(r.error!.message.startsWith(`${r.sourceId}: `), r.error!.message).toBe(true);

    // A source yielded an article when its index lists one: stored by it, or already stored
    // under the same URL by another source (many of these files link to example.com).
    const listed: string[] = [];
    for (const s of sources) if ((await app.store.getSourceIndex(s.id)).length > 0) listed.push(s.id);
    const articles = results.reduce((n, r) => n + r.stored.length, 0);
    const withItems = results.filter((r) => r.items > 0).length;
    console.log(
      `[feedparser corpus] ${listed.length}/${sources.length} sources yielded articles ` +
        `(${withItems} with items, ${articles} articles stored, ${kinds.get('parse') ?? 0} parse errors); ${runMs} ms`,
    );
    expect(listed.length).toBeGreaterThanOrEqual(MIN_SOURCES_WITH_ARTICLES);
    expect(listed.length).toBe(withItems);

    // A file with an <item> or <entry> yields items, except for a few that put entries where
    // no feed format has them (Atom 0.3 <item>s): tidings skips those, feedparser guesses.
    const missed = results
      .filter((r) => !r.error && r.items === 0)
      .map((r) => sources.find((s) => s.id === r.sourceId)!.name)
      .filter((name) => /<(?:[a-z]+:)?(?:entry|item)[\s>/]/.test(readFileSync(path.join(wellformed, name), 'utf8')));
    expect(missed.length, missed.join(', ')).toBeLessThanOrEqual(MAX_MISSED_ENTRIES);
  });

  it('stores the canary feed polled in the same run in full', async () => {
    const r = results.find((x) => x.sourceId === 'canary')!;
    expect(r.outcome, r.error?.message).toBe('new');
    expect(r.stored.map((a) => a.title)).toEqual(CANARY_TITLES);
    expect(r.stored.map((a) => a.url)).toEqual(CANARY_TITLES.map((_, i) => `${server.origin}/canary/${i}.html`));
    const index = await app.store.getSourceIndex('canary');
    expect(index).toHaveLength(CANARY_TITLES.length);
    const stored = await app.store.getArticles(index.map((e) => e.id));
    expect(stored.map((a) => a.title).sort()).toEqual([...CANARY_TITLES].sort());
    expect(await app.store.getSourceState('canary')).toMatchObject({ consecutiveErrors: 0, initialized: true, itemsLastSeen: 3, title: '金丝雀', format: 'rss' });
  });

  it('publishes merged feeds from all of it that validators accept and that carry no active content', async () => {
    const feeds = new FeedService({ store: app.store, sources: () => sources, publicUrl: 'http://127.0.0.1:8080', maxEntries: 5000 });
    const written = await feeds.publishAll(out);
    expect(written.map((f) => path.relative(out, f))).toEqual(expect.arrayContaining(['all.atom', 'all.rss', 'all.json']));
    const atom = readFileSync(path.join(out, 'all.atom'), 'utf8');
    const rss = readFileSync(path.join(out, 'all.rss'), 'utf8');
    const json = JSON.parse(readFileSync(path.join(out, 'all.json'), 'utf8')) as { items: { url?: string; title?: string; content_html?: string; summary?: string }[] };

    // Everything stored is in the merged feeds (maxEntries is above the count).
    const ids = new Set<string>();
    for (const s of sources) for (const e of await app.store.getSourceIndex(s.id)) ids.add(e.id);
    expect(ids.size).toBeGreaterThan(1000);
    expect(json.items).toHaveLength(ids.size);
    expect((atom.match(/<entry>/g) ?? []).length).toBe(ids.size);
    expect((rss.match(/<item>/g) ?? []).length).toBe(ids.size);
    // The inputs were hostile: most sanitize/ files carry a script, handler, frame or script URL.
    const hostile = files.filter((f) => f.includes(`${path.sep}sanitize${path.sep}`) && /script|\bon[a-z]+=|iframe|embed|object|http-equiv/i.test(readFileSync(f, 'utf8')));
    expect(hostile.length).toBeGreaterThan(300);
    const sanitizeSources = new Set(sources.filter((s) => s.name.startsWith('sanitize/')).map((s) => s.id));
    const fromSanitize = (await app.store.getArticles([...ids])).filter((a) => sanitizeSources.has(a.sourceId));
    expect(fromSanitize.length).toBeGreaterThan(500);

    // Decoded HTML of every format: JSON Feed values, Atom <content>/<summary>, RSS <description>/<content:encoded>.
    const bad: Active[] = [];
    for (const [i, item] of json.items.entries()) {
      bad.push(...activeContent(item.content_html ?? '', `all.json item ${i} (${item.url})`));
      bad.push(...activeContent(item.summary ?? '', `all.json summary ${i} (${item.url})`));
    }
    const atomHtml = xmlTexts(atom, ['content', 'summary']);
    expect(atomHtml.length).toBeGreaterThanOrEqual(ids.size);
    // Decoding worked: the checks below see markup, not escaped text.
    expect(atomHtml.filter((h) => /<(?:a|img|p|span|div|b|i)\b/.test(h)).length).toBeGreaterThan(200);
    for (const [i, html] of atomHtml.entries()) bad.push(...activeContent(html, `all.atom content ${i}`));
    const rssHtml = xmlTexts(rss, ['description', 'content:encoded']);
    expect(rssHtml.length).toBeGreaterThanOrEqual(ids.size);
    for (const [i, html] of rssHtml.entries()) bad.push(...activeContent(html, `all.rss content ${i}`));
    // And the documents as bytes: no live markup outside the escaped content either.
    for (const [name, body] of [['all.atom', atom], ['all.rss', rss]] as const) {
      expect(body, name).not.toMatch(/<\s*(script|iframe|object|embed)\b/i);
      expect(body, name).not.toMatch(/<meta[^>]*http-equiv/i);
    }
    expect(bad.slice(0, 20)).toEqual([]);

    if (needs('jing', hasJing())) {
      const r = jing(path.join(out, 'all.atom'));
      expect(r.status, r.output.slice(0, 2000)).toBe(0);
    }

    if (needs('python3-feedparser', feedparserPython !== undefined)) {
      const r = spawnSync(feedparserPython!, ['-c', FEEDPARSER_CONTENT, path.join(out, 'all.atom')], { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
      expect(r.status, r.stderr).toBe(0);
      const parsed = JSON.parse(r.stdout) as { bozo: boolean; bozoException: string | null; version: string; entries: number; html: string[] };
      expect(parsed.bozo, parsed.bozoException ?? '').toBe(false);
      expect(parsed.version).toBe('atom10');
      expect(parsed.entries).toBe(ids.size);
      const viaPython = parsed.html.flatMap((h, i) => activeContent(h, `all.atom via feedparser ${i}`));
      expect(viaPython.slice(0, 20)).toEqual([]);
    }
  }, 60_000);
});
