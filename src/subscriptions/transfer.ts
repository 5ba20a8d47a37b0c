/**
 * A chat's or address's subscriptions as a file, both ways: `/export` and `tidings subs export`
 * write it; `/import` and `tidings subs import` read it back, into the same or any other chat
 * or address. Subscriptions are keyword queries, not feeds, so the file is a small YAML
 * document of our own rather than OPML:
 *
 *   # (a comment: what this is and how to import it)
 *   tidings: subscriptions/1
 *   subscriptions:
 *     - query: 芯片 OR 半导体
 *       name: 芯片产业            # only when set
 *       tags: [芯片, 半导体]       # only when set
 *       digest: daily@08:00       # only for digest subscriptions (instant when omitted)
 *       timeZone: Asia/Shanghai   # only when set
 *       script: hans              # only when not original
 *       paused: true              # only when paused by the user
 *
 * Reading also takes a plain text file of one query a line, as `/unsuball` sends its backup
 * (a line may start with `/sub ` or `/sub@bot `; blank lines and `# ` comments are skipped).
 *
 * A file is read whole before anything is imported: any problem in it (not UTF-8, YAML
 * syntax, another version, an unknown key, a bad query, name, tag list, digest time or
 * zone) is a SubscriptionsFileError listing every problem as `file:line: field: what was
 * expected`, as source YAML errors are, and nothing is imported. Importing then adds each
 * subscription whole (one write with all its settings) or not at all; what the store refuses
 * (the per-subscriber cap) is reported per line.
 */
import { Document, isNode, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { formatProblem, type ConfigProblem } from '../config/config-error.js';
import { describeIssue as describeYamlIssue, formatPath, lineOf, valueAt } from '../config/yaml-lines.js';
import { DISPLAY_SCRIPTS, subscriberKey, type DisplayScript, type Subscriber, type Subscription } from '../domain/subscription.js';
import { parseQuery, QueryError, type QueryLimits } from '../match/query.js';
import {
  normalizeHashtags,
  normalizeSubscriptionName,
  SubscriptionInputError,
  SubscriptionLimitError,
  parseDailyDigest,
  validateTimeZone,
  type SubscriptionStore,
} from './subscription-store.js';

/** The value of the file's `tidings:` key: what it is, and which version of the format. */
export const TRANSFER_FORMAT = 'subscriptions/1';

/** The name `/export` gives the file. */
export const TRANSFER_FILENAME = 'tidings-subscriptions.yaml';

/** A problem in a subscriptions file (nothing was imported); `problems` name file, line and field. */
export class SubscriptionsFileError extends Error {
  override readonly name = 'SubscriptionsFileError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** One subscription read from a file, checked: what `importSubscriptions` adds. */
export interface TransferEntry {
  /** 1-based line of the entry (its `- query:` line, or the plain text line). */
  line: number;
  query: string;
  name?: string;
  /** Hashtags without `#`, normalized (normalizeHashtags). */
  tags?: string[];
  /** HH:MM: a daily digest at that time; undefined: instant. */
  digestAt?: string;
  timeZone?: string;
  script?: DisplayScript;
  /** Paused by the user. */
  paused?: boolean;
}

/** Whether a subscription is exported as paused: only a pause its subscriber chose. */
function pausedByUser(s: Subscription): boolean {
  return s.paused && (s.pausedReason ?? 'user') === 'user';
}

/**
 * The subscriptions a file carries for `subs`: all but those still waiting for a double
 * opt-in confirmation (they are not the subscriber's until confirmed).
 */
export function exportable(subs: readonly Subscription[]): Subscription[] {
  return subs.filter((s) => !(s.paused && s.pausedReason === 'unconfirmed'));
}

/** The file for `subs` (see exportable), with a header comment saying what it is and how to import it. */
export function exportSubscriptions(subs: readonly Subscription[], now = new Date()): string {
  const list = exportable(subs).map((s) => ({
    query: s.query,
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.hashtags?.length ? { tags: [...s.hashtags] } : {}),
    ...(s.mode === 'digest' && s.digestAt ? { digest: `daily@${s.digestAt}` } : {}),
    ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
    ...(s.script !== 'original' ? { script: s.script } : {}),
    ...(pausedByUser(s) ? { paused: true } : {}),
  }));
  const doc = new Document({ tidings: TRANSFER_FORMAT, subscriptions: list });
  // Tags on one line, as people write them.
  visit(doc, {
    Pair(_, pair) {
      if (isNode(pair.key) && (pair.key as { value?: unknown }).value === 'tags' && isSeq(pair.value)) pair.value.flow = true;
    },
  });
  const when = `${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  doc.commentBefore = [
    ` tidings keyword subscriptions (${list.length}), exported ${when}.`,
    ' To import them into a Telegram chat, send this file to the tidings bot with the caption',
    ' /import (or reply /import to it); on the server: tidings subs import FILE --telegram CHAT_ID',
    ' (or --email ADDRESS). Subscriptions already there are kept (their name and tags updated).',
    ' Each entry: query, and when set name, tags, digest (daily@HH:MM), timeZone, script',
    ' (hans|hant) and paused.',
  ].join('\n');
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * `bytes` as text: UTF-8 (a byte-order mark dropped). SubscriptionsFileError when it is not
 * UTF-8 or holds NUL bytes (a binary file).
 */
export function decodeSubscriptionsFile(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new SubscriptionsFileError([{ file, message: 'not UTF-8 text: expected a tidings subscriptions file (YAML) or one query a line' }]);
  }
  if (text.includes('\u0000')) throw new SubscriptionsFileError([{ file, message: 'a binary file: expected a tidings subscriptions file (YAML) or one query a line' }]);
  return text;
}

// A top-level key (`tidings:`, `subscriptions:`, a typo) or a list item with keys: YAML. A
// valid query never looks like either (a field prefix takes no space after its colon).
const YAML_KEY_LINE = /^(?:-[ \t]+)?[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)/;
/** A `/sub` command at the start of a plain text line (`/sub@bot` too). */
const SUB_PREFIX = /^\/sub(?:@\w+)?(?=\s|$)/i;

/** Whether `text` is meant as YAML (else it is read as one query a line). */
function looksLikeYaml(text: string): boolean {
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim() !== '' && !/^\s*#/.test(l));
  if (first !== undefined && /^(?:---|%YAML|\{)/.test(first)) return true;
  return lines.some((l) => YAML_KEY_LINE.test(l));
}

/**
 * Read a subscriptions file: the YAML format above, or one query a line. `file` names it in
 * problems; `limits` are the query limits of the store it goes to (QUERY_MAX_LENGTH).
 * Throws SubscriptionsFileError with every problem found.
 */
export function parseSubscriptionsFile(text: string, file: string, limits: QueryLimits = {}): TransferEntry[] {
  const clean = text.replace(/^\ufeff/, '').replace(/\r\n?/g, '\n');
  return looksLikeYaml(clean) ? parseYaml(clean, file, limits) : parsePlain(clean, file, limits);
}

function queryProblem(err: QueryError, query: string): string {
  const where = new RegExp(`\\bat ${err.position}\\b`).test(err.message) ? '' : ` (at ${err.position})`;
  const shown = [...query].length > 80 ? `${[...query].slice(0, 79).join('')}…` : query;
  return `${err.message}${where} in ${JSON.stringify(shown)}; positions count characters from 1`;
}

/** The problem with `query`, or undefined when it parses. */
function checkQuery(query: string, limits: QueryLimits): string | undefined {
  if (query.trim() === '') return 'expected a query; got an empty one';
  try {
    parseQuery(query, limits);
    return undefined;
  } catch (err) {
    if (err instanceof QueryError) return queryProblem(err, query);
    throw err;
  }
}

function parsePlain(text: string, file: string, limits: QueryLimits): TransferEntry[] {
  const entries: TransferEntry[] = [];
  const problems: ConfigProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    let query = raw.trim();
    if (query === '' || /^#(\s|$)/.test(query)) return;
    const command = SUB_PREFIX.exec(query);
    if (command) query = query.slice(command[0].length).trim();
    else if (query.startsWith('/')) {
      problems.push({ file, line, message: `expected a query, or /sub QUERY; got ${JSON.stringify(query.split(/\s/)[0])}` });
      return;
    }
    if (query === '') return; // a `/sub` line alone
    const problem = checkQuery(query, limits);
    if (problem) problems.push({ file, line, field: 'query', message: problem });
    else entries.push({ line, query });
  });
  if (problems.length > 0) throw new SubscriptionsFileError(problems);
  return entries;
}

/** A number where text is wanted (`name: 2024`) is taken as its text. */
const text = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string());

type Refinement = z.core.$RefinementCtx;

/** A check that throws SubscriptionInputError, as a zod issue with its message (`prefix` removed). */
function storeCheck<T>(ctx: Refinement, prefix: RegExp, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof SubscriptionInputError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message.replace(prefix, '') });
    return z.NEVER;
  }
}

/** One subscription of the file, checked as the store will check it, for queries within `limits`. */
function entrySchema(limits: QueryLimits) {
  return z.strictObject({
    query: text.transform((v, ctx) => {
      const query = v.trim();
      const problem = checkQuery(query, limits);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
      return query;
    }),
    name: text.transform((v, ctx) => storeCheck(ctx, /^name /, () => normalizeSubscriptionName(v))).optional(),
    tags: z
      .union([text, z.array(text)])
      .transform((v, ctx) => {
        const tags = storeCheck(ctx, /^hashtags: /, () => normalizeHashtags(v));
        const given = typeof v === 'string' ? v.trim() !== '' : v.length > 0;
        if (given && tags.length === 0) ctx.addIssue({ code: 'custom', message: `no usable hashtag in ${JSON.stringify(v)}: a tag is letters, digits and _` });
        return tags;
      })
      .optional(),
    digest: z
      .string()
      .transform((v, ctx) => {
        if (v.trim() === 'instant') return undefined;
        const hhmm = parseDailyDigest(v);
        if (hhmm !== undefined) return hhmm;
        ctx.addIssue({ code: 'custom', message: `expected daily@HH:MM with a time between 00:00 and 23:59 (like daily@08:00), or instant; got ${JSON.stringify(v)}` });
        return z.NEVER;
      })
      .optional(),
    timeZone: z
      .string()
      .transform((v, ctx) => {
        try {
          validateTimeZone(v);
        } catch {
          ctx.addIssue({ code: 'custom', message: `expected an IANA time zone name, like Asia/Shanghai or Europe/Berlin; got ${JSON.stringify(v)}` });
        }
        return v;
      })
      .optional(),
    script: z.enum(DISPLAY_SCRIPTS).optional(),
    paused: z.boolean().optional(),
  });
}

const ENTRY_KEYS = Object.keys(entrySchema({}).shape);

const fileSchema = z.strictObject({
  tidings: z.literal(TRANSFER_FORMAT),
  subscriptions: z.preprocess((v) => v ?? [], z.array(z.unknown())),
});

function parseYaml(text: string, file: string, limits: QueryLimits): TransferEntry[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SubscriptionsFileError(
      doc.errors.map((err) => {
        const pos = lc.linePos(err.pos[0]);
        return { file, line: pos.line, column: pos.col, message: `YAML syntax: ${err.message.split('\n')[0]}` };
      }),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  // The version first: a file of another version may have keys this one does not know.
  const version = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>).tidings : undefined;
  if (version !== TRANSFER_FORMAT) {
    const line = lineOf(doc, lc, ['tidings'], false) ?? 1;
    const message =
      version === undefined
        ? `missing: expected "tidings: ${TRANSFER_FORMAT}" at the top (a file from /export or tidings subs export, or one query a line)`
        : `expected ${TRANSFER_FORMAT}, the version this tidings reads; got ${JSON.stringify(version)}`;
    throw new SubscriptionsFileError([{ file, line, field: 'tidings', message }]);
  }
  const problems: ConfigProblem[] = [];
  const addIssues = (issues: readonly z.core.$ZodIssue[], prefix: (string | number)[]) => {
    for (const issue of issues) {
      const keyPath = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const line = lineOf(doc, lc, unknownKeys.length > 0 ? [...keyPath, unknownKeys[0]!] : keyPath, unknownKeys.length > 0);
      const field = formatPath([...keyPath, ...(unknownKeys.length === 1 ? [unknownKeys[0]!] : [])]);
      const allowed = keyPath.length === 0 ? Object.keys(fileSchema.shape) : ENTRY_KEYS;
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown key${unknownKeys.length > 1 ? 's' : ''} ${unknownKeys.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowed.join(', ')})`
          : describeIssue(issue, data, keyPath);
      problems.push({ file, line, ...(field ? { field } : {}), message });
    }
  };
  const top = fileSchema.safeParse(data);
  if (!top.success) {
    addIssues(top.error.issues, []);
    throw new SubscriptionsFileError(problems);
  }
  // Each entry on its own, so one with an unknown key does not hide another's bad query.
  const schema = entrySchema(limits);
  const entries: TransferEntry[] = [];
  top.data.subscriptions.forEach((item, i) => {
    const one = schema.safeParse(item);
    if (!one.success) {
      addIssues(one.error.issues, ['subscriptions', i]);
      return;
    }
    const s = one.data;
    entries.push({
      line: lineOf(doc, lc, ['subscriptions', i], false) ?? 1,
      query: s.query,
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.tags !== undefined ? { tags: s.tags } : {}),
      ...(s.digest !== undefined ? { digestAt: s.digest } : {}),
      ...(s.timeZone !== undefined ? { timeZone: s.timeZone } : {}),
      ...(s.script !== undefined ? { script: s.script } : {}),
      ...(s.paused !== undefined ? { paused: s.paused } : {}),
    });
  });
  if (problems.length > 0) throw new SubscriptionsFileError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  return entries;
}

/** One line of a file that was imported. */
export interface ImportedLine {
  line: number;
  subscription: Subscription;
}

export interface ImportFailure {
  line: number;
  query: string;
  reason: string;
  /** Set when the per-subscriber cap refused it: the subscriptions there were and the cap. */
  limit?: { count: number; limit: number };
}

export interface ImportReport {
  /** New subscriptions, in file order. */
  added: ImportedLine[];
  /** Queries the subscriber already had (kept as they were); `relabeled` when the file's name or tags changed them. */
  existing: (ImportedLine & { relabeled: boolean })[];
  failed: ImportFailure[];
}

function sameLabels(a: Pick<Subscription, 'name' | 'hashtags'>, b: Pick<Subscription, 'name' | 'hashtags'>): boolean {
  return a.name === b.name && (a.hashtags ?? []).join(' ') === (b.hashtags ?? []).join(' ');
}

/**
 * Add `entries` (from parseSubscriptionsFile) to `subscriber`'s subscriptions, in order. A new
 * query is added whole, with its name, tags, digest, zone, script and pause, in one write; a
 * query the subscriber has already is kept, and takes the name and tags the file gives it
 * (only those it gives). Once the per-subscriber cap is reached, each further new query is
 * reported as failed with the cap (`n/limit`); queries already there still count as existing.
 */
export async function importSubscriptions(store: SubscriptionStore, subscriber: Subscriber, entries: readonly TransferEntry[], createdBy: string, now = new Date()): Promise<ImportReport> {
  const key = subscriberKey(subscriber);
  const report: ImportReport = { added: [], existing: [], failed: [] };
  const known = new Set(await store.idsOf(key));
  for (const entry of entries) {
    let sub: Subscription;
    try {
      sub = await store.add(
        {
          subscriber,
          query: entry.query,
          ...(entry.name !== undefined ? { name: entry.name } : {}),
          ...(entry.tags !== undefined ? { hashtags: entry.tags } : {}),
          mode: entry.digestAt !== undefined ? 'digest' : 'instant',
          digestAt: entry.digestAt,
          timeZone: entry.timeZone,
          script: entry.script,
          createdBy,
          ...(entry.paused ? { pausedReason: 'user' } : {}),
        },
        now,
      );
    } catch (err) {
      if (err instanceof SubscriptionLimitError) {
        report.failed.push({ line: entry.line, query: entry.query, reason: err.message, limit: { count: err.count, limit: err.limit } });
        continue;
      }
      if (err instanceof QueryError) {
        report.failed.push({ line: entry.line, query: entry.query, reason: queryProblem(err, entry.query) });
        continue;
      }
      if (err instanceof SubscriptionInputError) {
        report.failed.push({ line: entry.line, query: entry.query, reason: err.message });
        continue;
      }
      throw err;
    }
    if (!known.has(sub.id)) {
      known.add(sub.id);
      report.added.push({ line: entry.line, subscription: sub });
      continue;
    }
    if (entry.name === undefined && entry.tags === undefined) {
      report.existing.push({ line: entry.line, subscription: sub, relabeled: false });
      continue;
    }
    const relabeled = await store.relabel(sub.id, key, {
      ...(entry.name !== undefined ? { name: entry.name } : {}),
      ...(entry.tags !== undefined ? { hashtags: entry.tags } : {}),
    });
    if (!relabeled) {
      report.failed.push({ line: entry.line, query: entry.query, reason: 'removed while it was being imported' });
      continue;
    }
    report.existing.push({ line: entry.line, subscription: relabeled, relabeled: !sameLabels(sub, relabeled) });
  }
  return report;
}

/** The shared wording (config/yaml-lines.ts), with what a subscriptions file calls things. */
function describeIssue(issue: z.core.$ZodIssue, data: unknown, keyPath: (string | number)[]): string {
  const shown = () => {
    const got = valueAt(data, keyPath);
    return got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 80);
  };
  if (issue.code === 'invalid_type' && issue.expected === 'object' && keyPath.length === 2) return `expected a subscription, like query: 科技援疆 (with name:, tags:, … when set); got ${shown()}`;
  if (issue.code === 'invalid_type' && issue.expected === 'array') return `expected a list; got ${shown()}`;
  if (issue.code === 'invalid_union') return `expected a string or a list of strings; got ${shown()}`;
  if (issue.code === 'custom') return issue.message;
  return describeYamlIssue(issue, data, keyPath);
}
