/**
 * `tidings match QUERY [--file ARTICLES.jsonl]`: prints the `url` of each article (JSON lines
 * as `poll --emit jsonl` prints them, from the file or stdin) that the query matches.
 *
 * The query is parsed and matched by the same code as subscriptions and the bot's `/preview`
 * (parseQuery with the QUERY_MAX_LENGTH setting, matchQuery), so `tidings match` is the way
 * to try a query before subscribing with it. Several QUERY arguments are joined with spaces
 * (`tidings match 科技援疆 -庆阳` is the query `科技援疆 -庆阳`); `--` ends the options.
 *
 * Exit codes:
 * - 0: every line was read (also when no article matched);
 * - 2: the query is invalid (the message says what and at which 1-based character, and
 *   points at it), the file cannot be read, or some lines were not articles. A bad line is
 *   reported on stderr as `FILE:LINE: what is wrong` and skipped; the other lines are still
 *   matched and their URLs printed, so one broken line does not hide the rest;
 * - 1: an unexpected failure.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { loadSettings } from '../config/settings.js';
import { matchQuery, type MatchInput } from '../match/matcher.js';
import { QueryError, parseQuery, type Query } from '../match/query.js';
import { UsageError } from './usage-error.js';

/** Lines reported one by one before the rest are only counted. */
const MAX_REPORTED_LINES = 20;

export async function runMatch(args: string[]): Promise<number> {
  const { query: text, file } = parseMatchArgs(args);
  const settings = loadSettings();

  let query: Query;
  try {
    query = parseQuery(text, { maxLength: settings.QUERY_MAX_LENGTH });
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    process.stderr.write(`tidings: match: invalid query: ${err.message}\n${pointAt(text, err.position)}`);
    return 2;
  }

  const name = file === undefined || file === '-' ? '(stdin)' : file;
  const input: Readable = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  let readError: Error | undefined;
  input.on('error', (err) => (readError = err));

  const out = new Output();
  let lineNo = 0;
  let bad = 0;
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      const article = readArticleLine(line);
      if (typeof article === 'string') {
        if (++bad <= MAX_REPORTED_LINES) process.stderr.write(`tidings: match: ${name}:${lineNo}: ${article}; line skipped\n`);
        continue;
      }
      if (matchQuery(query, article.input)) {
        if (!(await out.line(article.url))) break;
      }
    }
  } catch (err) {
    readError ??= err as Error;
  }
  if (readError) {
    process.stderr.write(`tidings: match: cannot read ${name}: ${readError.message}\n`);
    return 2;
  }
  if (bad > 0) {
    const more = bad > MAX_REPORTED_LINES ? ` (the first ${MAX_REPORTED_LINES} reported above)` : '';
    process.stderr.write(`tidings: match: ${name}: ${bad} of ${lineNo} lines skipped, not articles${more}\n`);
    return 2;
  }
  return 0;
}

/** The query (QUERY arguments joined by spaces) and `--file`. Arguments starting with one `-` are query text (`-庆阳`). */
function parseMatchArgs(args: string[]): { query: string; file: string | undefined } {
  const words: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      words.push(...args.slice(i + 1));
      break;
    }
    if (a === '--file') {
      if (i + 1 >= args.length) throw new UsageError('match: --file needs a path (or - for stdin)');
      file = args[++i];
    } else if (a.startsWith('--file=')) {
      file = a.slice('--file='.length);
    } else if (a.startsWith('--')) {
      throw new UsageError(`match: unknown option ${JSON.stringify(a)} (options: --file PATH; put the query after -- if it starts with --)`);
    } else {
      words.push(a);
    }
  }
  if (words.length === 0) throw new UsageError('match: expected a QUERY, e.g. tidings match \'科技援疆 -庆阳\' --file articles.jsonl');
  if (file === '') throw new UsageError('match: --file needs a path (or - for stdin)');
  return { query: words.join(' '), file };
}

/** One article JSON line → what matching needs and the URL to print, or what is wrong with it. */
export function readArticleLine(line: string): { url: string; input: MatchInput } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an article (expected a JSON object)';
  const o = value as Record<string, unknown>;
  for (const key of ['url', 'title', 'text', 'sourceId'] as const) {
    if (typeof o[key] !== 'string') return `"${key}" is ${o[key] === undefined ? 'missing' : 'not a string'}`;
  }
  const tags = o.tags ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return '"tags" is not a list of strings';
  const attachments = o.attachments ?? [];
  if (!Array.isArray(attachments) || !attachments.every((x) => typeof x === 'object' && x !== null && typeof (x as { title?: unknown }).title === 'string')) {
    return '"attachments" is not a list of { title, url }';
  }
  return {
    url: o.url as string,
    input: {
      title: o.title as string,
      text: o.text as string,
      sourceId: o.sourceId as string,
      tags: tags as string[],
      attachments: attachments as { title: string }[],
    },
  };
}

/**
 * The query on one line and a caret under the character `position` (1-based), wide
 * characters counted as two columns. Empty for long queries or a position past the end + 1.
 */
export function pointAt(query: string, position: number): string {
  const chars = Array.from(query.replace(/[\p{Cc}]/gu, ' '));
  if (chars.length > 160 || position < 1 || position > chars.length + 1) return '';
  const width = (c: string) => (WIDE.test(c) ? 2 : 1);
  const column = chars.slice(0, position - 1).reduce((n, c) => n + width(c), 0);
  return `  ${chars.join('')}\n  ${' '.repeat(column)}^\n`;
}

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{20000}-\u{3fffd}]/u;

/** stdout with back-pressure, which stops quietly when the reader goes away (`| head`). */
class Output {
  private closed = false;

  constructor() {
    // EPIPE (the reader went away) or any other write failure: stop writing, nothing to report to.
    process.stdout.on('error', () => {
      this.closed = true;
    });
  }

  /** Write one line; false when nobody reads any more. */
  async line(text: string): Promise<boolean> {
    if (this.closed) return false;
    if (!process.stdout.write(`${text}\n`)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          process.stdout.off('drain', done);
          process.stdout.off('close', done);
          resolve();
        };
        process.stdout.on('drain', done);
        process.stdout.on('close', done);
      });
    }
    return !this.closed;
  }
}
