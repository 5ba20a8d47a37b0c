/**
 * `tidings extract URL_OR_FILE [--base-url URL] [--source ID]`: reads one article page
 * (fetched through the same guarded client as polling, or a local file in any encoding) and
 * prints the normalized article as JSON, the same shape `poll --emit jsonl` prints.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadSettings } from '../config/settings.js';
import type { Source } from '../domain/source.js';
import { toArticleJson } from '../domain/article-json.js';
import { decodeText } from '../fetch/decode.js';
import { createFetcher } from '../fetch/http-client.js';
import { extractArticle } from '../extract/extract-article.js';
import { detectAntiBot } from '../extract/anti-bot.js';
import { buildArticle } from '../pipeline/build-article.js';
import { readSources } from '../app.js';
import { parse } from './args.js';
import { UsageError } from './usage-error.js';

export async function runExtract(args: string[]): Promise<number> {
  const { values, positionals } = parse(
    args,
    { 'base-url': { type: 'string' }, source: { type: 'string' }, encoding: { type: 'string' } },
    true,
  );
  const target = (positionals as string[])[0];
  if (!target || positionals.length > 1) throw new UsageError('extract: expected one URL or file');
  const settings = loadSettings();
  const isUrl = /^https?:\/\//i.test(target);

  let bytes: Buffer;
  let contentType: string | undefined;
  let url: string;
  let status = 200;
  if (isUrl) {
    const fetcher = createFetcher({
      timeoutMs: settings.FETCH_TIMEOUT,
      maxBytes: settings.FETCH_MAX_BYTES,
      maxRedirects: settings.FETCH_MAX_REDIRECTS,
      perHostConcurrency: settings.FETCH_PER_HOST_CONCURRENCY,
      globalConcurrency: settings.FETCH_CONCURRENCY,
      userAgent: settings.userAgent,
      allowPrivateNetworks: settings.ALLOW_PRIVATE_NETWORKS,
    });
    try {
      const res = await fetcher.fetch({ url: target });
      bytes = res.body;
      contentType = res.contentType;
      url = values['base-url'] ?? res.url;
      status = res.status;
    } finally {
      await fetcher.close();
    }
  } else {
    try {
      bytes = await readFile(target);
    } catch (err) {
      process.stderr.write(`tidings: extract: cannot read ${target}: ${(err as Error).message}\n`);
      return 2;
    }
    url = values['base-url'] ?? pathToFileURL(path.resolve(target)).href.replace(/^file:/, 'http://localhost');
  }

  const sources = values.source ? readSources(settings) : [];
  const known = values.source ? sources.find((s) => s.id === values.source) : undefined;
  if (values.source && !known) throw new UsageError(`extract: no such source ${JSON.stringify(values.source)}`);
  const source: Source = known ?? { id: 'extract', name: 'extract', url, interval: { kind: 'every', ms: 900_000 }, fulltext: 'always', tags: [], origin: 'command line' };

  const decoded = decodeText(bytes, contentType, values.encoding ?? source.encoding);
  if (decoded.note) process.stderr.write(`tidings: ${decoded.note}\n`);
  const blocked = detectAntiBot(status, decoded.text);
  if (blocked) {
    process.stderr.write(`tidings: ${url}: ${blocked}\n`);
    return 1;
  }
  const now = new Date();
  const page = extractArticle(decoded.text, url, { timeZone: settings.DEFAULT_TIMEZONE, now, selectors: source.article });
  const article = buildArticle({ url, guid: url, title: page.title, published: page.published }, page, {
    source: { ...source, kind: 'html' },
    documentUrl: url,
    now,
    timeZone: settings.DEFAULT_TIMEZONE,
  });
  process.stdout.write(`${JSON.stringify({ ...toArticleJson(article), encoding: decoded.encoding }, null, 2)}\n`);
  return 0;
}
