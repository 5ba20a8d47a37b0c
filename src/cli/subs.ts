/**
 * `tidings subs add | edit | list | remove | export | import`: admin management of keyword subscriptions.
 *
 *   subs add (--telegram CHAT_ID | --email ADDRESS) --query QUERY [--name NAME] [--tags TAGS]
 *            [--digest daily@HH:MM|off] [--script original|hans|hant] [--tz ZONE]
 *   subs edit ID [--name NAME] [--tags TAGS]
 *   subs list [--json] [--telegram CHAT_ID | --email ADDRESS]
 *   subs remove ID
 *   subs export (--telegram CHAT_ID | --email ADDRESS)
 *   subs import FILE (--telegram CHAT_ID | --email ADDRESS)
 *
 * `add` prints the id, the name and hashtags when it has them, the query as understood, the
 * subscription's private feed URL and the subscriber's feed of all its subscriptions (asking
 * again for a query the subscriber has prints the existing one, its name and tags as they
 * were: `edit` changes them). `--name` is a display name shown instead of the query in alerts
 * and lists (one line, at most 64 characters); `--tags "芯片 半导体"` are hashtags put under
 * the title of its alerts (split at spaces, commas and 、; a leading # is dropped). `edit`
 * sets either or both (an empty value, `--name ""`, clears it) and prints the subscription as
 * `add` does. `list` shows names and tags (table columns when any subscription has one;
 * `name` and `hashtags` in --json). Bad input, and an unknown id for `edit`, exit 2 with a
 * message naming the flag and what was expected; an unknown id for `remove` exits 1.
 *
 * `export` prints the subscriber's subscriptions as a file (subscriptions/transfer.ts; what
 * the bot's /export sends). `import` reads FILE (that format, or one query a line as
 * /unsuball's backup) whole before the store is opened: a file with problems exits 2, each
 * problem on stderr as `FILE:LINE: field: what was expected`, and nothing is imported. Else
 * it adds each subscription whole and prints what was added, what was there already and what
 * failed (the per-subscriber cap), exiting 1 when any failed.
 */
import { readFileSync } from 'node:fs';
import { formatProblem } from '../config/config-error.js';
import { loadSettings } from '../config/settings.js';
import { createApp, type App } from '../app.js';
import { DISPLAY_SCRIPTS, subscriberKey, type DisplayScript, type Subscriber, type Subscription } from '../domain/subscription.js';
import { describeQuery, parseQuery, QueryError } from '../match/query.js';
import {
  normalizeHashtags,
  normalizeSubscriptionName,
  SubscriptionInputError,
  SubscriptionLimitError,
  parseDailyDigest,
  validateSubscriber,
  validateTimeZone,
} from '../subscriptions/subscription-store.js';
import {
  decodeSubscriptionsFile,
  exportable,
  exportSubscriptions,
  importSubscriptions,
  parseSubscriptionsFile,
  SubscriptionsFileError,
  type TransferEntry,
} from '../subscriptions/transfer.js';
import { parse } from './args.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';

/** Bad input: printed as is, exit 2. */
class InputError extends Error {}


const OPTIONS = {
  telegram: { type: 'string' },
  email: { type: 'string' },
  query: { type: 'string' },
  digest: { type: 'string' },
  script: { type: 'string' },
  tz: { type: 'string' },
  name: { type: 'string' },
  tags: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export async function runSubs(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'add' && sub !== 'edit' && sub !== 'list' && sub !== 'remove' && sub !== 'export' && sub !== 'import') {
    throw new UsageError(`subs: expected add, edit, export, import, list or remove; got ${JSON.stringify(sub ?? '')}`);
  }
  const { values, positionals } = parse(joinDashValues(rest), OPTIONS, true);
  try {
    // Everything that can be checked without the store is checked before it is opened.
    const subscriber = subscriberOf(values.telegram, values.email, sub === 'add');
    if (sub === 'add') {
      if (positionals.length > 0) throw new InputError(`subs add: unexpected argument ${JSON.stringify(positionals[0])}; put the query in --query "…"`);
      const input = addInput(values, subscriber!);
      return await withApp((app) => add(app, input));
    }
    for (const flag of ['query', 'digest', 'script', 'tz'] as const) {
      if (values[flag] !== undefined) throw new InputError(`subs ${sub}: --${flag} is only for subs add`);
    }
    if (sub === 'export' || sub === 'import') {
      for (const flag of ['name', 'tags'] as const) {
        if (values[flag] !== undefined) throw new InputError(`subs ${sub}: --${flag} is only for subs add and subs edit`);
      }
      if (values.json) throw new InputError(`subs ${sub}: --json is only for subs list`);
      if (!subscriber) throw new InputError(`subs ${sub}: expected --telegram CHAT_ID or --email ADDRESS`);
      if (sub === 'export') {
        if (positionals.length > 0) throw new InputError(`subs export: unexpected argument ${JSON.stringify(positionals[0])}; the file is printed on stdout (subs export … > FILE)`);
        return await withApp((app) => exportTo(app, subscriber));
      }
      if (positionals.length !== 1) throw new InputError(`subs import: expected one FILE (from subs export or /export, or one query a line); got ${positionals.length}`);
      const file = positionals[0]!;
      const entries = readImportFile(file);
      return await withApp((app) => importInto(app, subscriber, file, entries));
    }
    if (sub === 'edit') {
      if (subscriber || values.json) throw new InputError('subs edit: expected a subscription id (see subs list) and --name NAME and/or --tags TAGS');
      if (positionals.length !== 1) throw new InputError(`subs edit: expected one subscription id (see subs list); got ${positionals.length}`);
      if (values.name === undefined && values.tags === undefined) throw new InputError('subs edit: expected --name NAME and/or --tags TAGS (an empty value, like --name "", clears it)');
      const change = labelInput(values);
      return await withApp((app) => edit(app, positionals[0]!, change));
    }
    for (const flag of ['name', 'tags'] as const) {
      if (values[flag] !== undefined) throw new InputError(`subs ${sub}: --${flag} is only for subs add and subs edit`);
    }
    if (sub === 'list') {
      if (positionals.length > 0) throw new InputError(`subs list: unexpected argument ${JSON.stringify(positionals[0])}`);
      return await withApp((app) => list(app, subscriber, values.json === true));
    }
    if (subscriber || values.json) throw new InputError('subs remove: expected only a subscription id (see subs list)');
    if (positionals.length !== 1) throw new InputError(`subs remove: expected one subscription id (see subs list); got ${positionals.length}`);
    return await withApp((app) => remove(app, positionals[0]!));
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`tidings: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

async function withApp(fn: (app: App) => Promise<number>): Promise<number> {
  const app = await createApp(loadSettings());
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * `--telegram -100123` is a negative chat id and `--query -庆阳 科技` a query that starts with
 * an exclusion; parseArgs would take either value for an option, so they are joined first.
 */
function joinDashValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    const takesDash =
      (args[i] === '--telegram' && next !== undefined && /^-\d+$/.test(next)) ||
      ((args[i] === '--query' || args[i] === '--name' || args[i] === '--tags') && next !== undefined && /^-(?!-)/.test(next));
    if (takesDash) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]!);
  }
  return out;
}

function subscriberOf(telegram: string | undefined, email: string | undefined, required: boolean): Subscriber | undefined {
  if (telegram !== undefined && email !== undefined) throw new InputError('--telegram and --email: expected one of them, not both');
  let subscriber: Subscriber | undefined;
  if (telegram !== undefined) {
    const id = telegram.trim();
    if (!/^-?\d{1,16}$/.test(id) || !Number.isSafeInteger(Number(id)) || Number(id) === 0) {
      throw new InputError(`--telegram ${JSON.stringify(telegram)}: expected a Telegram chat id, a non-zero integer (groups and channels are negative, like -1001234567890)`);
    }
    subscriber = { kind: 'telegram', chatId: Number(id) };
  } else if (email !== undefined) {
    subscriber = { kind: 'email', address: email.trim() };
  } else if (required) {
    throw new InputError('subs add: expected --telegram CHAT_ID or --email ADDRESS');
  }
  if (subscriber) {
    try {
      validateSubscriber(subscriber);
    } catch (err) {
      if (err instanceof SubscriptionInputError) throw new InputError(`--${subscriber.kind === 'telegram' ? 'telegram' : 'email'} ${err.message}`);
      throw err;
    }
  }
  return subscriber;
}

/** A display name and hashtags as typed: undefined leaves one as it is, '' clears it (edit). */
interface LabelInput {
  name?: string;
  hashtags?: string;
}

/** The subscription-store error about a name or hashtags, as the flag that carried them. */
function labelError(err: SubscriptionInputError): InputError {
  if (err.field === 'name') return new InputError(`--name ${err.message.replace(/^name /, '')}`);
  if (err.field === 'hashtags') return new InputError(`--tags: ${err.message.replace(/^hashtags: /, '')}`);
  return new InputError(err.message);
}

/** --name and --tags checked as the store will check them (it normalizes them again). */
function labelInput(values: { name?: string; tags?: string }): LabelInput {
  try {
    normalizeSubscriptionName(values.name);
    if (values.tags !== undefined) normalizeHashtags(values.tags);
  } catch (err) {
    if (err instanceof SubscriptionInputError) throw labelError(err);
    throw err;
  }
  return { ...(values.name !== undefined ? { name: values.name } : {}), ...(values.tags !== undefined ? { hashtags: values.tags } : {}) };
}

interface AddInput extends LabelInput {
  subscriber: Subscriber;
  query: string;
  digestAt?: string;
  timeZone?: string;
  script: DisplayScript;
}

function addInput(values: { query?: string; digest?: string; script?: string; tz?: string; name?: string; tags?: string }, subscriber: Subscriber): AddInput {
  if (values.query === undefined || values.query.trim() === '') throw new InputError('subs add: expected --query QUERY (for example --query "科技援疆 -庆阳")');
  const settings = loadSettings();
  try {
    parseQuery(values.query, { maxLength: settings.QUERY_MAX_LENGTH });
  } catch (err) {
    if (err instanceof QueryError) {
      const where = new RegExp(`\\bat ${err.position}\\b`).test(err.message) ? '' : ` (at ${err.position})`;
      throw new InputError(`--query ${JSON.stringify(values.query)}: ${err.message}${where}; positions count characters from 1`);
    }
    throw err;
  }
  let digestAt: string | undefined;
  if (values.digest !== undefined && values.digest !== 'off') {
    digestAt = parseDailyDigest(values.digest);
    if (digestAt === undefined) throw new InputError(`--digest ${JSON.stringify(values.digest)}: expected daily@HH:MM with a time between 00:00 and 23:59 (like daily@08:00), or off`);
  }
  if (values.tz !== undefined) {
    try {
      validateTimeZone(values.tz);
    } catch {
      throw new InputError(`--tz ${JSON.stringify(values.tz)}: expected an IANA time zone name, like Asia/Shanghai or Europe/Berlin`);
    }
  }
  const script = values.script ?? 'original';
  if (!DISPLAY_SCRIPTS.includes(script as DisplayScript)) throw new InputError(`--script ${JSON.stringify(values.script)}: expected ${DISPLAY_SCRIPTS.join(', ')}`);
  return { subscriber, query: values.query, digestAt, timeZone: values.tz, script: script as DisplayScript, ...labelInput(values) };
}

function feedUrl(app: App, token: string): string {
  return `${app.settings.PUBLIC_URL}/feeds/sub/${token}.atom`;
}

function modeOf(s: Subscription, defaultZone: string): string {
  return s.mode === 'digest' && s.digestAt ? `daily@${s.digestAt} ${s.timeZone ?? defaultZone}` : 'instant';
}

function tagLine(s: Subscription): string {
  return (s.hashtags ?? []).map((t) => `#${t}`).join(' ');
}

/** What add and edit print after their first line: name and tags (when set), query, alerts, feeds. */
async function describeSubscription(app: App, sub: Subscription): Promise<string[]> {
  return [
    ...(sub.name !== undefined ? [`name: ${sub.name}`] : []),
    ...(sub.hashtags?.length ? [`tags: ${tagLine(sub)}`] : []),
    `query: ${describeQuery(parseQuery(sub.query, { maxLength: 10_000 }))}`,
    `alerts: ${modeOf(sub, app.settings.DEFAULT_TIMEZONE)}, script ${sub.script}`,
    `feed: ${feedUrl(app, sub.feedToken)}`,
    `feed of all ${sub.subscriberKey} subscriptions: ${feedUrl(app, await app.subscriptions.subscriberToken(sub.subscriberKey))}`,
  ];
}

async function add(app: App, input: AddInput): Promise<number> {
  const key = subscriberKey(input.subscriber);
  const before = new Set((await app.subscriptions.listOf(key)).map((s) => s.id));
  let sub: Subscription;
  try {
    sub = await app.subscriptions.add({
      subscriber: input.subscriber,
      query: input.query,
      mode: input.digestAt ? 'digest' : 'instant',
      digestAt: input.digestAt,
      timeZone: input.timeZone,
      script: input.script,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.hashtags !== undefined ? { hashtags: input.hashtags } : {}),
      createdBy: 'cli',
    });
  } catch (err) {
    if (err instanceof SubscriptionLimitError) {
      throw new InputError(`subs add: ${key} already has ${err.count}/${err.limit} subscriptions, the most one chat or address may have (SUBS_PER_SUBSCRIBER); remove one first`);
    }
    if (err instanceof SubscriptionInputError && (err.field === 'name' || err.field === 'hashtags')) throw labelError(err);
    if (err instanceof SubscriptionInputError) throw new InputError(`subs add: ${err.message}`);
    if (err instanceof QueryError) throw new InputError(`--query ${JSON.stringify(input.query)}: ${err.message}`);
    throw err;
  }
  const existed = before.has(sub.id);
  const lines = [`${existed ? 'already subscribed' : 'added'}: ${sub.id} for ${sub.subscriberKey}`, ...(await describeSubscription(app, sub))];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (existed && labelsDiffer(sub, input)) {
    process.stderr.write(`tidings: note: the existing subscription keeps its name and tags; change them with: tidings subs edit ${sub.id} --name NAME --tags TAGS\n`);
  }
  return 0;
}

/** Whether --name or --tags asked for something other than what the subscription has. */
function labelsDiffer(sub: Subscription, input: LabelInput): boolean {
  const name = input.name === undefined ? sub.name : normalizeSubscriptionName(input.name);
  const tags = input.hashtags === undefined ? (sub.hashtags ?? []) : normalizeHashtags(input.hashtags);
  return name !== sub.name || tags.join(' ') !== (sub.hashtags ?? []).join(' ');
}

async function edit(app: App, id: string, change: LabelInput): Promise<number> {
  const unknown = () => new InputError(`subs edit: no subscription with id ${JSON.stringify(id)} (see subs list)`);
  const current = await app.subscriptions.get(id);
  if (!current) throw unknown();
  let sub: Subscription | undefined;
  try {
    sub = await app.subscriptions.relabel(id, current.subscriberKey, change);
  } catch (err) {
    if (err instanceof SubscriptionInputError) throw labelError(err);
    throw err;
  }
  if (!sub) throw unknown(); // removed meanwhile
  const lines = [`edited: ${sub.id} for ${sub.subscriberKey}`, ...(await describeSubscription(app, sub))];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

async function list(app: App, subscriber: Subscriber | undefined, json: boolean): Promise<number> {
  const subs = subscriber ? await app.subscriptions.listOf(subscriber) : await app.subscriptions.all();
  if (json) {
    const out = subs.map((s) => ({ ...s, feedUrl: feedUrl(app, s.feedToken) }));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (subs.length === 0) {
    process.stdout.write(subscriber ? `no subscriptions for ${subscriberKey(subscriber)}\n` : 'no subscriptions\n');
    return 0;
  }
  // The name and tags columns only when some subscription has one: without them, the table is as it was.
  const names = subs.some((s) => s.name !== undefined);
  const tags = subs.some((s) => s.hashtags?.length);
  const headers = ['id', 'subscriber', 'mode', 'state', ...(names ? ['name'] : []), ...(tags ? ['tags'] : []), 'query'];
  const rows = subs.map((s) => [
    s.id,
    s.subscriberKey,
    modeOf(s, app.settings.DEFAULT_TIMEZONE),
    s.paused ? `paused${s.pausedReason ? ` (${s.pausedReason})` : ''}` : 'active',
    ...(names ? [s.name ?? ''] : []),
    ...(tags ? [tagLine(s)] : []),
    s.query,
  ]);
  process.stdout.write(`${renderTable(headers, rows)}\n`);
  return 0;
}

/** The file of `subscriber`'s subscriptions on stdout (an empty list when it has none, said on stderr). */
async function exportTo(app: App, subscriber: Subscriber): Promise<number> {
  const subs = exportable(await app.subscriptions.listOf(subscriber));
  process.stdout.write(exportSubscriptions(subs));
  if (subs.length === 0) process.stderr.write(`tidings: note: ${subscriberKey(subscriber)} has no subscriptions; the file lists none\n`);
  return 0;
}

/** FILE read and checked whole, with the query limits of the settings (InputError listing every problem). */
function readImportFile(file: string): TransferEntry[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new InputError(`subs import: cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'a folder, not a file' : e.message}`);
  }
  try {
    return parseSubscriptionsFile(decodeSubscriptionsFile(bytes, file), file, { maxLength: loadSettings().QUERY_MAX_LENGTH });
  } catch (err) {
    if (!(err instanceof SubscriptionsFileError)) throw err;
    const n = err.problems.length;
    throw new InputError(`subs import: nothing imported: ${n} problem${n === 1 ? '' : 's'} in ${file}:\n${err.problems.map(formatProblem).join('\n')}`);
  }
}

async function importInto(app: App, subscriber: Subscriber, file: string, entries: TransferEntry[]): Promise<number> {
  const key = subscriberKey(subscriber);
  const report = await importSubscriptions(app.subscriptions, subscriber, entries, 'cli');
  const relabeled = report.existing.filter((e) => e.relabeled).length;
  const label = (s: Subscription) => `${s.query}${s.name !== undefined ? ` (${s.name})` : ''}`;
  const lines = [
    `imported into ${key} from ${file}: ${report.added.length} added, ${report.existing.length} already there${relabeled > 0 ? ` (${relabeled} with a new name or tags)` : ''}, ${report.failed.length} failed`,
    ...report.added.map((a) => `added: ${a.subscription.id} (line ${a.line}) ${label(a.subscription)}`),
    ...report.existing.map((e) => `already there: ${e.subscription.id} (line ${e.line}) ${label(e.subscription)}${e.relabeled ? ', name and tags updated' : ''}`),
    ...report.failed.map((f) => `failed: (line ${f.line}) ${f.query}: ${f.reason}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (report.failed.length === 0) return 0;
  const capped = report.failed.some((f) => f.limit !== undefined);
  process.stderr.write(
    `tidings: ${report.failed.length} of ${entries.length} subscriptions in ${file} not imported${capped ? ` (SUBS_PER_SUBSCRIBER: remove some with subs remove, then import ${file} again; what is there is kept)` : ''}\n`,
  );
  return 1;
}

async function remove(app: App, id: string): Promise<number> {
  const removed = await app.subscriptions.remove(id);
  if (!removed) {
    process.stderr.write(`tidings: no subscription with id ${JSON.stringify(id)} (see subs list)\n`);
    return 1;
  }
  process.stdout.write(`removed: ${removed.id} for ${removed.subscriberKey}: ${removed.query}\n`);
  return 0;
}
