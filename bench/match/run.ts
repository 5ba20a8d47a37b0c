/**
 * Keyword-alert matching at scale: N subscriptions (default 100,000) compiled into one
 * matcher, M corpus-like articles (default 1,000) matched against it.
 *
 *   npx tsx bench/match/run.ts [--subs 100000] [--articles 1000] [--seed 1]
 *
 * Queries are generated from the corpus texts (shared/corpus/seeds and gne/pages): Chinese
 * words and phrases cut from the text, some Traditional or full-width, AND / OR / NOT
 * combinations, fields, Latin words. Articles are built from paragraphs of the same texts,
 * shuffled and recombined, some converted to Traditional. See README.md for what is measured.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { compileMatcher, prepareArticle, type MatchInput, type PreparedArticle } from '../../src/match/matcher.js';
import { parseQuery, type Query } from '../../src/match/query.js';
import { toTraditional } from '../../src/normalize/script.js';

const { values } = parseArgs({
  options: {
    subs: { type: 'string', default: '100000' },
    articles: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    vocab: { type: 'string', default: 'apart' },
  },
});
const SUBS = Number(values.subs);
const ARTICLES = Number(values.articles);
/**
 * `apart` (default): subscriptions take their words from one half of the corpus pages and
 * articles are written from the other half, with a paragraph of the first half in one article
 * of three, so a query's specific words are found in some articles, not in a fixed share of
 * all of them. `shared`: both from every page, a stress case (the corpus is small, so every
 * word cut from it is in a few percent of the articles: about 12% of subscriptions match each
 * article).
 */
const VOCAB = values.vocab;
if (VOCAB !== 'apart' && VOCAB !== 'shared') throw new Error('--vocab: expected apart or shared');

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = process.env.TIDINGS_SHARED ? path.join(process.env.TIDINGS_SHARED, 'corpus') : path.resolve(here, '../../../shared/corpus');

// ---- deterministic randomness -------------------------------------------------------------
let state = Number(values.seed) >>> 0 || 1;
function random(): number {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
}
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
const chance = (p: number) => random() < p;

// ---- corpus text ----------------------------------------------------------------------------
function pageText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/g, ' ');
}

const texts = [
  ...readdirSync(path.join(corpusDir, 'seeds')).map((f) => readFileSync(path.join(corpusDir, 'seeds', f), 'utf8')),
  ...readdirSync(path.join(corpusDir, 'gne', 'pages')).map((f) => pageText(readFileSync(path.join(corpusDir, 'gne', 'pages', f), 'utf8'))),
];
/** Paragraphs with a fair share of Chinese. */
const paragraphsOf = (ts: string[]) =>
  ts
    .flatMap((t) => t.split(/\n+/))
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => (p.match(/\p{Script=Han}/gu)?.length ?? 0) >= 12);
const queryParagraphs = paragraphsOf(VOCAB === 'shared' ? texts : texts.filter((_, i) => i % 2 === 0));
const paragraphs = paragraphsOf(VOCAB === 'shared' ? texts : texts.filter((_, i) => i % 2 === 1));
/** Runs of Han characters: words and phrases are cut from them. */
const hanRuns = queryParagraphs.flatMap((p) => p.match(/\p{Script=Han}{2,}/gu) ?? []);
const latinWords = [...new Set(texts.flatMap((t) => t.match(/\b[A-Za-z][A-Za-z0-9]{1,11}\b/g) ?? []))].filter((w) => !/^(div|span|class|href|http|https|www|html|com|cn|px|src|img|style|width|height|true|false|var|function|return)$/i.test(w));
const techWords = ['AI', '5G', 'GDP', 'ChatGPT', 'iPhone', 'COVID-19', 'CPU', 'GPU', 'IT', '6G', 'IoT', 'VR', 'Huawei'];
const sources = ['mrxw', 'kjxx', 'qysti', 'zgrm', 'spun', 'xjkjt', ...Array.from({ length: 200 }, (_, i) => `src-${i}`)];
const tags = ['科技援疆', '新疆', '甘肃', '四川', '科技', '政务', '经济', '教育'];

/** Characters a keyword rarely starts or ends with (particles, conjunctions, measure words). */
const FUNCTION_CHARS = new Set(Array.from('的了是在和与及等也而之为对把被从向以于就都并或其这那个年月日'));

/** A word-like window of a Han run: 2–5 characters (mostly 3–4), not starting or ending with a function character. */
function hanWord(min = 2, max = 5): string {
  for (;;) {
    const run = pick(hanRuns);
    const len = Math.min(run.length, min + int(max - min + 1), min + int(max - min + 1));
    const at = int(run.length - len + 1);
    const w = run.slice(at, at + len);
    if (len < min || FUNCTION_CHARS.has(w[0]!) || FUNCTION_CHARS.has(w[w.length - 1]!)) continue;
    return w;
  }
}

/** A term as a subscriber might write it. */
function term(): string {
  const r = random();
  if (r < 0.06) return chance(0.5) ? pick(techWords) : pick(latinWords);
  let w = hanWord();
  if (r < 0.12) w = toTraditional(w);
  if (r < 0.18) return `"${hanWord(4, 8)}"`;
  return w;
}

function queryText(): string {
  const r = random();
  if (r < 0.45) return term();
  if (r < 0.6) return `${term()} ${term()}`;
  if (r < 0.68) return `${term()} AND ${term()} AND ${term()}`;
  if (r < 0.78) return `${term()} OR ${term()}${chance(0.3) ? ` OR ${term()}` : ''}`;
  if (r < 0.85) return `${term()} -${term()}`;
  if (r < 0.9) return `title:${term()}${chance(0.5) ? ` ${term()}` : ''}`;
  if (r < 0.93) return `(${term()} OR ${term()}) ${term()} NOT ${term()}`;
  if (r < 0.96) return `source:${pick(sources)} ${chance(0.5) ? term() : `-${term()}`}`;
  return `tag:${pick(tags)} ${term()}`;
}

function article(i: number): MatchInput {
  // 600–4,000 characters, like the corpus reports.
  const target = 600 + int(3400);
  const parts: string[] = [];
  for (let len = 0; len < target; ) {
    const p = pick(paragraphs);
    parts.push(p);
    len += p.length;
  }
  if (VOCAB === 'apart' && chance(1 / 3)) parts.splice(int(parts.length + 1), 0, pick(queryParagraphs));
  let text = parts.join('\n').slice(0, target + 200);
  let title = pick(paragraphs).slice(0, 12 + int(25));
  if (chance(0.2)) {
    text = toTraditional(text);
    title = toTraditional(title);
  }
  if (chance(0.1)) text += `\n${pick(techWords)} ${pick(latinWords)}`;
  return { title, text, sourceId: sources[i % 12]!, tags: tags.filter(() => chance(0.15)) };
}

// ---- measurement ------------------------------------------------------------------------------
const gc = (globalThis as { gc?: () => void }).gc;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const base = process.memoryUsage();
console.log(`corpus (${VOCAB}): ${paragraphs.length} article paragraphs; queries from ${queryParagraphs.length} paragraphs, ${hanRuns.length} Han runs, ${latinWords.length} Latin words`);

let t = performance.now();
const entries: { id: string; query: Query }[] = [];
let refused = 0;
while (entries.length < SUBS) {
  try {
    entries.push({ id: `sub-${entries.length}`, query: parseQuery(queryText()) });
  } catch {
    refused++;
  }
}
const parseMs = performance.now() - t;

t = performance.now();
const matcher = compileMatcher(entries);
const compileMs = performance.now() - t;
gc?.();
const afterCompile = process.memoryUsage();

const inputs = Array.from({ length: ARTICLES }, (_, i) => article(i));
t = performance.now();
const prepared: PreparedArticle[] = inputs.map(prepareArticle);
const prepareMs = performance.now() - t;
const chars = inputs.reduce((n, a) => n + a.title.length + a.text.length, 0);

function pass(): { total: number; cpu: number; times: number[]; found: number; maxFound: number } {
  const times: number[] = [];
  let found = 0;
  let maxFound = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const a of prepared) {
    const s = performance.now();
    const ids = matcher.match(a);
    times.push(performance.now() - s);
    found += ids.length;
    maxFound = Math.max(maxFound, ids.length);
  }
  const total = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { total, cpu: (used.user + used.system) / 1000, times: times.sort((x, y) => x - y), found, maxFound };
}
const cold = pass();
const warm = pass();
if (warm.found !== cold.found) throw new Error(`passes disagree: ${cold.found} vs ${warm.found} matches`);
const peak = process.memoryUsage();

const stats = matcher.stats();
const line = (k: string, v: string) => console.log(`${k.padEnd(34)} ${v}`);
console.log('');
line('subscriptions', `${SUBS.toLocaleString('en')} (${refused} generated queries refused by parseQuery and replaced)`);
line('articles', `${ARTICLES.toLocaleString('en')} (${(chars / ARTICLES).toFixed(0)} characters on average)`);
line('parse 100k queries', ms(parseMs));
line('compile', ms(compileMs));
line('automaton', `${stats.textTerms.toLocaleString('en')} distinct texts, ${stats.automatonStates.toLocaleString('en')} states; ${stats.fieldTerms} source/tag terms`);
line('index / programs', `${stats.indexEntries.toLocaleString('en')} anchor entries, ${stats.programSize.toLocaleString('en')} instructions`);
line('prepare articles (search form)', `${ms(prepareMs)} total, ${ms(prepareMs / ARTICLES)} per article`);
for (const [name, p] of [['match, first pass', cold], ['match, second pass', warm]] as const) {
  line(name, `${ms(p.total)} total (${ms(p.cpu)} CPU); per article p50 ${ms(quantile(p.times, 0.5))}, p95 ${ms(quantile(p.times, 0.95))}, max ${ms(p.times.at(-1)!)}`);
}
line('matches found', `${cold.found.toLocaleString('en')} (${(cold.found / ARTICLES).toFixed(1)} subscriptions per article on average, at most ${cold.maxFound})`);
line('heap used after compile', `${mib(afterCompile.heapUsed)} (${mib(afterCompile.heapUsed - base.heapUsed)} more than at start)${gc ? '' : ' (no --expose-gc: includes garbage)'}`);
line('RSS after compile / at the end', `${mib(afterCompile.rss)} / ${mib(peak.rss)}`);
line('target: 1,000 articles in ≤ 1 s', cold.total <= ARTICLES ? 'met' : 'MISSED');
line('machine load (1/5/15 min)', loadavg().map((n) => n.toFixed(1)).join(' / ') + ` on ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}`);
