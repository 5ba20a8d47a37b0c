/**
 * Universal Feed Parser's `illformed/` and `encoding/` suites (../shared/corpus/feedparser),
 * served over loopback with the Content-Type their `Header:` lines declare, polled in one
 * run on the real stack: every file parses or fails with a clear error naming its source.
 * And every `wellformed/sanitize/` case, polled: nothing dangerous in the republished Atom,
 * RSS and JSON Feed, in the Telegram alert or in the alert email rendered from each article.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { App } from '../../src/app.js';
import { pollSource, type PollResult } from '../../src/pipeline/poll-source.js';
import { pollAll } from '../../src/cli/poll.js';
import type { Source } from '../../src/domain/source.js';
import { corpusDir, hasCorpus } from '../helpers/corpus.js';
import { needs } from '../helpers/services.js';
import { checkTelegramHtml, visibleText } from '../helpers/fake-bot-api.js';
import {
  alertActiveContent,
  alertOf,
  emailActiveContent,
  emailOf,
  feedSource,
  markupInText,
  pollingApp,
  republish,
  republishedActiveContent,
  routeServer,
  type Found,
  type RouteServer,
} from './content-checks.js';

const root = path.join(corpusDir, 'feedparser');
const present = hasCorpus && statSync(path.join(root, 'encoding'), { throwIfNoEntry: false })?.isDirectory() === true;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n)) : [path.join(dir, n)]));
}

/**
 * The file's text for reading its comment header: feedparser's harness reads UTF-16/32
 * files (BOM or NUL-padded `<`) in their encoding, everything else as bytes.
 */
function headerText(bytes: Buffer): string {
  const [a, b, c, d] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  // UTF-32 (no TextDecoder for it): the header is ASCII, so its bytes with the NULs dropped.
  if ((a === 0 && b === 0 && ((c === 0xfe && d === 0xff) || (c === 0 && d === 0x3c))) || ((a === 0xff || a === 0x3c) && b !== undefined && c === 0 && d === 0 && (b === 0xfe || b === 0))) {
    return bytes.toString('latin1').replace(/\0/g, '');
  }
  if ((a === 0xfe && b === 0xff) || (a === 0 && b === 0x3c)) return new TextDecoder('utf-16be').decode(bytes);
  if ((a === 0xff && b === 0xfe) || (a === 0x3c && b === 0)) return new TextDecoder('utf-16le').decode(bytes);
  return bytes.toString('latin1');
}

/** The HTTP headers a corpus file declares (`Header: Content-type: text/xml; charset=…`), lower-case names. */
function declaredHeaders(bytes: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const m of headerText(bytes).matchAll(/^Header:[ \t]*([A-Za-z0-9-]+):[ \t]*(.*?)[ \t]*\r?$/gm)) headers[m[1]!.toLowerCase()] = m[2]!;
  return headers;
}

describe.skipIf(!needs('the feedparser corpus (illformed/, encoding/, wellformed/sanitize/)', present))('feedparser suites as hostile input', () => {
  let server: RouteServer;
  let app: App;

  beforeAll(async () => {
    server = await routeServer();
    app = await pollingApp();
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
  });

  it('reads the Header: lines as feedparser does', () => {
    const bytes = readFileSync(path.join(root, 'encoding', 'http_text_xml_charset_overrides_encoding.xml'));
    expect(declaredHeaders(bytes)).toEqual({ 'content-type': expect.stringMatching(/^text\/xml;\s*charset/i) });
    expect(declaredHeaders(readFileSync(path.join(root, 'encoding', 'utf-16le-bom.xml')))).toEqual({});
    expect(declaredHeaders(Buffer.from('<!--\nHeader:      Content-type: text/plain; charset=utf-8\nDescription: x\n-->'))).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
  });

  it('hostile #13/#14: polls all of illformed/ and encoding/ with their declared headers, each parsed or failed with a clear per-source error', async () => {
    const files = [...walk(path.join(root, 'illformed')), ...walk(path.join(root, 'encoding'))];
    const sources: Source[] = [];
    let withHeaders = 0;
    for (const [i, file] of files.entries()) {
      const rel = path.relative(root, file).split(path.sep).join('/');
      const bytes = readFileSync(file);
      const declared = declaredHeaders(bytes);
      if (Object.keys(declared).length > 0) withHeaders++;
      // Without a Header: line there is no Content-Type at all (the `no_content_type_*` cases).
      const headers = declared['content-type'] !== undefined ? { 'content-type': declared['content-type'] } : ({} as Record<string, string>);
      server.routes.set(`/fp/${rel}`, { headers, body: bytes });
      sources.push(feedSource(`fp-${i + 1}`, `${server.origin}/fp/${encodeURI(rel)}`, { name: rel }));
    }
    expect(files.length).toBeGreaterThanOrEqual(100);
    expect(withHeaders).toBeGreaterThanOrEqual(45);
    const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 16);
    expect(results).toHaveLength(sources.length);
    for (const s of sources) expect(server.hitsOf(decodeURI(new URL(s.url).pathname)), s.name).toBe(1);

    const byId = new Map(results.map((r) => [r.sourceId, r]));
    const unclear: string[] = [];
    const failed: string[] = [];
    for (const s of sources) {
      const r = byId.get(s.id)!;
      if (!r.error) continue;
      failed.push(`${s.name}: ${r.error.message.slice(s.id.length + 2, s.id.length + 120)}`);
      if (!['parse', 'unsupported'].includes(r.error.kind) || !r.error.message.startsWith(`${s.id}: `) || !/expected|could not|not a feed|got /i.test(r.error.message)) {
        unclear.push(`${s.name}: ${r.error.kind}: ${r.error.message}`);
      }
    }
    expect(unclear).toEqual([]);
    const parsed = results.filter((r) => !r.error).length;
    const withItems = results.filter((r) => r.items > 0).length;
    console.log(`[feedparser suites] illformed/ + encoding/: ${parsed}/${files.length} parsed (${withItems} with items), ${failed.length} failed with a per-source error:\n  ${failed.join('\n  ')}`);
    // Measured: all but the empty document (rss_empty_document.xml, no root element).
    expect(parsed).toBeGreaterThanOrEqual(files.length - 3);

    // What was read was read right: the charsets the files declare or imply were used, and
    // nothing stored carries U+FFFD except where the file itself is line noise or invalid bytes.
    const encodingOf = async (name: string): Promise<string | undefined> => {
      const s = sources.find((x) => x.name === name)!;
      return (await app.store.getSourceState(s.id))?.encoding;
    };
    expect(await encodingOf('encoding/http_i18n.xml')).toBe('utf-8');
    expect(await encodingOf('encoding/utf-16le-bom.xml')).toBe('utf-16le');
    expect(await encodingOf('encoding/utf-32be.xml')).toMatch(/^utf-32be$/);
    expect(await encodingOf('encoding/euc-kr.xml')).toBe('euc-kr');
    expect(await encodingOf('illformed/chardet/big5.xml')).toBe('big5');
    expect(await encodingOf('illformed/chardet/gb2312.xml')).toBe('gb18030');
    const stored = results.flatMap((r: PollResult) => r.stored.map((a) => ({ a, name: sources.find((s) => s.id === r.sourceId)!.name })));
    const garbled = stored.filter(({ a, name }) => /\uFFFD/.test(a.title + a.text) && !/bozo_(?:linenoise|invalid-bytes|encoding_mismatch)/.test(name));
    expect(garbled.map(({ name, a }) => `${name}: ${a.title}`)).toEqual([]);
  });

  it('hostile #15: every wellformed/sanitize/ case leaves nothing dangerous in the republished feeds, Telegram alerts and emails', async () => {
    const dir = path.join(root, 'wellformed', 'sanitize');
    const files = walk(dir);
    expect(files.length).toBeGreaterThan(700);
    const sources: Source[] = files.map((file, i) => {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      server.routes.set(`/sanitize/${rel}`, { headers: { 'content-type': 'application/xml' }, body: readFileSync(file) });
      return feedSource(`san-${i + 1}`, `${server.origin}/sanitize/${encodeURI(rel)}`, { name: rel });
    });
    const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), 16);
    expect(results.filter((r) => r.error?.kind === 'internal').map((r) => r.error!.message)).toEqual([]);
    const ids = new Set<string>();
    for (const s of sources) for (const e of await app.store.getSourceIndex(s.id)) ids.add(e.id);
    const articles = await app.store.getArticles([...ids]);
    console.log(`[feedparser suites] wellformed/sanitize/: ${results.filter((r) => !r.error).length}/${files.length} parsed, ${articles.length} articles checked`);
    expect(articles.length).toBeGreaterThan(400);
    // The inputs were hostile: most files carry a script, handler, frame, object or refresh.
    const hostile = files.filter((f) => /script|\bon[a-z]+=|iframe|embed|object|http-equiv|expression/i.test(readFileSync(f, 'utf8')));
    expect(hostile.length).toBeGreaterThan(300);

    const bad: Found[] = [];
    const feeds = await republish(app, sources);
    bad.push(...republishedActiveContent(feeds));
    let alerts = 0;
    for (const a of articles) {
      const alert = alertOf(a, 'a OR e OR i OR o OR u');
      const parseError = checkTelegramHtml(alert.html);
      if (parseError) bad.push({ where: `alert of ${a.url}`, what: `Telegram would refuse it: ${parseError}` });
      bad.push(...alertActiveContent(alert, a.url));
      bad.push(...markupInText(visibleText(alert.html), `alert of ${a.url}`));
      bad.push(...emailActiveContent(emailOf(a), a.url));
      alerts++;
    }
    expect(alerts).toBe(articles.length);
    expect(bad.slice(0, 20)).toEqual([]);
  }, 60_000);
});
