/**
 * bench/extract: pages per second for extract + normalize (the work `poll` does for every
 * new article page, minus the network) over the GNE pages and the corpus article pages.
 *
 *   npx tsx bench/extract/run.ts [--rounds 20]
 *
 * Each round decodes every page from its bytes, extracts the article and builds the
 * normalized Article (normalization, script, summary, sanitizing). Prints a table; the
 * first round is a warm-up and is not counted.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { decodeText } from '../../src/fetch/decode.js';
import { extractArticle } from '../../src/extract/extract-article.js';
import { buildArticle } from '../../src/pipeline/build-article.js';
import type { Source } from '../../src/domain/source.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = process.env.TIDINGS_SHARED ? path.join(process.env.TIDINGS_SHARED, 'corpus') : path.resolve(here, '../../../shared/corpus');
const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } });
const rounds = Number(values.rounds);

interface Page {
  name: string;
  bytes: Buffer;
  contentType?: string;
}

function pages(): Page[] {
  const out: Page[] = [];
  const gne = path.join(corpus, 'gne', 'pages');
  for (const f of readdirSync(gne).sort()) out.push({ name: `gne/${f}`, bytes: readFileSync(path.join(gne, f)) });
  const sites = path.join(corpus, 'sites');
  for (const site of readdirSync(sites).sort()) {
    const headers = JSON.parse(readFileSync(path.join(sites, site, '_headers.json'), 'utf8')) as Record<string, string>;
    for (const [p, type] of Object.entries(headers)) {
      const file = path.join(sites, site, p);
      if (!type.startsWith('text/html') || !existsSync(file) || /list|index/.test(p)) continue;
      out.push({ name: `sites/${site}${p}`, bytes: readFileSync(file), contentType: type });
    }
  }
  return out;
}

const source: Source = { id: 'bench', name: 'bench', url: 'https://example.gov.cn/', kind: 'html', interval: { kind: 'every', ms: 900_000 }, fulltext: 'always', tags: [], origin: 'bench' };

function once(p: Page): number {
  const decoded = decodeText(p.bytes, p.contentType);
  const url = `https://example.gov.cn/${p.name}`;
  const now = new Date();
  const page = extractArticle(decoded.text, url, { timeZone: 'Asia/Shanghai', now });
  const article = buildArticle({ url, guid: url, title: page.title, published: page.published }, page, { source, documentUrl: url, now, timeZone: 'Asia/Shanghai' });
  return article.text.length;
}

const all = pages();
const bytes = all.reduce((n, p) => n + p.bytes.length, 0);
for (const p of all) once(p); // warm-up
const times: number[] = [];
const started = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) {
  for (const p of all) {
    const t0 = process.hrtime.bigint();
    once(p);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const wallS = Number(process.hrtime.bigint() - started) / 1e9;
times.sort((a, b) => a - b);
const pct = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
const rows = [
  ['pages', String(all.length)],
  ['average page size', `${Math.round(bytes / all.length / 1024)} KiB`],
  ['rounds', String(rounds)],
  ['pages extracted', String(times.length)],
  ['wall time', `${wallS.toFixed(2)} s`],
  ['pages per second (one core)', (times.length / wallS).toFixed(1)],
  ['ms per page p50 / p95 / max', `${pct(0.5)} / ${pct(0.95)} / ${times[times.length - 1]!.toFixed(1)}`],
  ['peak RSS', `${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB`],
  ['machine', `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`],
];
const w = Math.max(...rows.map((r) => r[0]!.length));
console.log('bench/extract: extract + normalize over the GNE and corpus article pages');
for (const [k, v] of rows) console.log(`${k!.padEnd(w)}  ${v}`);
