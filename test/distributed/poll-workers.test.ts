/**
 * Distributed mode on the real Redis (issue 7): three `tidings worker` processes share BullMQ
 * poll and delivery jobs and one store, on Redis and on PostgreSQL. 500 loopback feeds (one
 * handler, four loopback addresses): every source is polled once per due time, never twice at
 * once; every new matching article is recorded once and delivered, by email (a real SMTP
 * server) and Telegram (the Bot API double over HTTP), once; a worker killed with -9 mid-run
 * leaves its polls and sends to the others (stalled-job recovery, subscriber claims).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCommand, hasTcp, needs } from '../helpers/services.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { openKeyValue, type KeyValue } from '../../src/store/keyv-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import { Outbox } from '../../src/delivery/outbox.js';
import { SubscriptionStore } from '../../src/subscriptions/subscription-store.js';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp-catcher.js';
import { startFakeBotApi, type FakeBotApi } from '../helpers/fake-bot-api.js';

const redisUp = await hasTcp('127.0.0.1', 6379);
/** A Redis database nobody uses (1–8; the other suites use 0 and 9–15). */
function freeRedisDb(): number | undefined {
  for (let db = 8; db >= 1; db--) {
    const out = spawnSync('redis-cli', ['-n', String(db), 'dbsize'], { encoding: 'utf8' });
    if (out.status === 0 && out.stdout.trim() === '0') return db;
  }
  return undefined;
}
const db = redisUp ? freeRedisDb() : undefined;
const pgUp = (await hasTcp('127.0.0.1', 5432)) && hasCommand('psql');
/** A fresh PostgreSQL database for one run (psql, trust auth as on the CI machine). */
function createPgDatabase(): string | undefined {
  const name = `tidings_dist_${process.pid}_${randomBytes(3).toString('hex')}`;
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? name : undefined;
}
function dropPgDatabase(name: string): void {
  spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`], { stdio: 'ignore' });
}
/** Telegram chats subscribed in round 2; the fresh article of feed n names group n % CHATS. */
const CHATS = 25;

const SOURCES = 500;
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Feeds {
  requests: Map<string, number>;
  inFlight: Map<string, number>;
  /** Paths requested while a request for the same path was still open. */
  overlaps: string[];
  /** Whether /feed/N carries the matching article. */
  fresh: boolean;
  urls: string[];
  close(): Promise<void>;
}

const WORDS = 'amber basalt cobalt delta ember fjord garnet harbor indigo juniper kelp lagoon meadow nickel orchid pebble quartz raven saffron tundra umber violet willow xenon yarrow zephyr anchor beacon canyon dune'.split(' ');
/** Text of its own for article `n` (copies of one story are folded into one alert). */
function words(n: number, count: number): string {
  let x = (Math.imul(n + 1, 2654435761) ^ 0x5bd1e995) >>> 0;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    out.push(`${WORDS[x % WORDS.length]}${(x >>> 8) % 997}`);
  }
  return out.join(' ');
}

function rss(n: number, fresh: boolean): string {
  const item = (id: string, title: string, date: Date) =>
    `<item><title>${title}</title><link>http://news.test/${n}/${id}</link><guid>http://news.test/${n}/${id}</guid><pubDate>${date.toUTCString()}</pubDate><description>${title} ${words(n * 2 + (id === 'b' ? 1 : 0), 40)}</description></item>`;
  const old = item('a', `Report ${words(n, 5)}`, new Date(Date.now() - 3_600_000));
  const extra = fresh ? item('b', `Zeppelin grp${n % CHATS}x ${words(n + 100_000, 6)}`, new Date(Date.now() - 60_000)) : '';
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed ${n}</title><link>http://news.test/${n}/</link><description>d</description>${extra}${old}</channel></rss>`;
}

async function startFeeds(): Promise<Feeds> {
  const feeds: Feeds = { requests: new Map(), inFlight: new Map(), overlaps: [], fresh: false, urls: [], close: async () => undefined };
  const handler: http.RequestListener = (req, res) => {
    const p = req.url ?? '/';
    const n = Number(/^\/feed\/(\d+)$/.exec(p)?.[1] ?? NaN);
    if (!Number.isInteger(n)) return void res.writeHead(404).end();
    feeds.requests.set(p, (feeds.requests.get(p) ?? 0) + 1);
    const open = (feeds.inFlight.get(p) ?? 0) + 1;
    if (open > 1) feeds.overlaps.push(p);
    feeds.inFlight.set(p, open);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      feeds.inFlight.set(p, (feeds.inFlight.get(p) ?? 1) - 1);
    };
    res.on('close', finish);
    // Slow enough that a kill catches polls in flight.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' }).end(rss(n, feeds.fresh));
    }, 40 + (n % 7) * 15);
  };
  const servers = await Promise.all(
    HOSTS.map(
      (host) =>
        new Promise<http.Server>((resolve, reject) => {
          const s = http.createServer(handler);
          s.once('error', reject);
          s.listen(0, host, () => resolve(s));
        }),
    ),
  );
  feeds.urls = Array.from({ length: SOURCES }, (_, i) => {
    const s = servers[i % servers.length]!;
    const { address, port } = s.address() as AddressInfo;
    return `http://${address}:${port}/feed/${i}`;
  });
  feeds.close = async () => {
    await Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); })));
  };
  return feeds;
}

describe('distributed mode needs REDIS_URL', () => {
  it('tidings worker without REDIS_URL exits 2 with a clear message', async () => {
    const r = await runCli(['worker'], { env: { STORE_URL: 'memory' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REDIS_URL is not set/);
  });

  it('tidings start --no-worker without REDIS_URL exits 2', async () => {
    const r = await runCli(['start', '--no-worker'], { env: { STORE_URL: 'memory' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--no-worker needs REDIS_URL/);
  });
});

const stores = [
  { kind: 'redis' as const, available: redisUp && db !== undefined },
  { kind: 'postgres' as const, available: redisUp && db !== undefined && pgUp },
];

for (const storeKind of stores) describe.runIf(needs(`Redis on 127.0.0.1:6379${storeKind.kind === 'postgres' ? ' and PostgreSQL on 127.0.0.1:5432 (with psql)' : ''}`, storeKind.available))(`distributed mode: three tidings worker processes on BullMQ, store on ${storeKind.kind}`, () => {
  const redisUrl = `redis://127.0.0.1:6379/${db}`;
  const prefix = `tidings-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  let storeUrl = redisUrl;
  let pgDb: string | undefined;
  let dir: string;
  let feeds: Feeds;
  let kv: KeyValue;
  let store: Store;
  let smtp: SmtpCatcher;
  let bot: FakeBotApi;
  const children: ChildProcess[] = [];
  const logs = new Map<ChildProcess, string>();

  const env = (extra: Record<string, string> = {}) => ({
    STORE_URL: storeUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    QUEUE_LOCK_DURATION: '5s', // short, for the kill; long enough for a loaded CI machine to renew locks
    SCHEDULER_TICK: '* * * * * *',
    TIDINGS_SOURCES: path.join(dir, 'sources.yaml'),
    ALLOW_PRIVATE_NETWORKS: 'true',
    POLL_CONCURRENCY: '8',
    FETCH_PER_HOST_CONCURRENCY: '4',
    POLL_JITTER: '0',
    LOG_LEVEL: 'info',
    TIDINGS_SECRET: 'a-test-secret-of-enough-length',
    ...extra,
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tidings-dist-'));
    if (storeKind.kind === 'postgres') {
      pgDb = createPgDatabase();
      if (!pgDb) throw new Error('could not create a PostgreSQL database for the test (psql -h 127.0.0.1 -U postgres)');
      storeUrl = `postgresql://postgres@127.0.0.1:5432/${pgDb}`;
    }
    feeds = await startFeeds();
    const yaml = ['sources:', ...feeds.urls.map((url, i) => `  - { id: src-${i}, name: Source ${i}, url: "${url}", kind: feed, interval: 1h, fulltext: never }`)].join('\n');
    writeFileSync(path.join(dir, 'sources.yaml'), `${yaml}\n`);
    kv = await openKeyValue(storeUrl);
    store = createStore(kv);
    smtp = await startSmtpCatcher();
    bot = await startFakeBotApi();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await store?.close();
    await feeds?.close();
    await smtp?.close();
    await bot?.close();
    if (db !== undefined) spawnSync('redis-cli', ['-n', String(db), 'flushdb'], { stdio: 'ignore' });
    if (pgDb) dropPgDatabase(pgDb);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function worker(extra: Record<string, string> = {}): ChildProcess {
    const c = spawnCli(['worker'], { cwd: dir, env: env(extra) });
    logs.set(c, '');
    c.stdout!.setEncoding('utf8').on('data', (d: string) => logs.set(c, logs.get(c) + d));
    c.stderr!.setEncoding('utf8').on('data', (d: string) => logs.set(c, logs.get(c) + d));
    children.push(c);
    return c;
  }

  async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${[...logs.values()].map((l) => l.slice(-2000)).join('\n---\n')}`);
      await sleep(200);
    }
  }

  const ids = () => Array.from({ length: SOURCES }, (_, i) => `src-${i}`);
  async function polledSince(t: number): Promise<number> {
    const states = await store.getSourceStates(ids());
    return [...states.values()].filter((s) => Date.parse(s.lastPolledAt ?? '') >= t).length;
  }

  // `tidings start` with REDIS_URL: once, on the Redis store (the store does not change what is checked).
  if (storeKind.kind === 'redis') {
    it('tidings start --no-worker installs the tick and serves; a tidings worker does all the polls', { timeout: 60_000 }, async () => {
      const yaml = ['sources:', ...feeds.urls.slice(0, 20).map((url, i) => `  - { id: start-${i}, name: Start ${i}, url: "${url}", kind: feed, interval: 1h, fulltext: never }`)].join('\n');
      writeFileSync(path.join(dir, 'start-sources.yaml'), `${yaml}\n`);
      const own = { TIDINGS_SOURCES: path.join(dir, 'start-sources.yaml'), QUEUE_PREFIX: `${prefix}-start`, HTTP_PORT: '0' };
      const start = spawnCli(['start', '--no-worker'], { cwd: dir, env: env(own) });
      const w = spawnCli(['worker'], { cwd: dir, env: env(own) });
      for (const c of [start, w]) {
        children.push(c);
        logs.set(c, '');
        c.stdout!.setEncoding('utf8').on('data', (d: string) => logs.set(c, logs.get(c) + d));
        c.stderr!.setEncoding('utf8').on('data', (d: string) => logs.set(c, logs.get(c) + d));
      }
      const startIds = Array.from({ length: 20 }, (_, i) => `start-${i}`);
      await until('the worker to poll the 20 sources', async () => [...(await store.getSourceStates(startIds)).values()].filter((st) => st.lastPolledAt).length === 20, 40_000);
      expect(logs.get(start)).toMatch(/polls as BullMQ jobs \(REDIS_URL\), taken by workers only/);
      expect(logs.get(start)).not.toMatch(/"msg":"polled"/);
      expect((logs.get(w)!.match(/"msg":"polled"/g) ?? []).length).toBe(20);
      const { Queue } = await import('bullmq');
      const q = new Queue('polls', { connection: { host: '127.0.0.1', port: 6379, db }, prefix: `${prefix}-start` });
      expect((await q.getJobSchedulers()).map((j) => j.key)).toEqual(['tidings-tick']);
      await q.removeJobScheduler('tidings-tick');
      await q.close();
      for (const c of [start, w]) c.kill('SIGTERM');
      await Promise.all([start, w].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
      expect([start.exitCode, w.exitCode]).toEqual([0, 0]);
    });

    it('tidings start with REDIS_URL (no --no-worker) takes the poll jobs itself', { timeout: 60_000 }, async () => {
      const yaml = ['sources:', ...feeds.urls.slice(20, 30).map((url, i) => `  - { id: solo-${i}, name: Solo ${i}, url: "${url}", kind: feed, interval: 1h, fulltext: never }`)].join('\n');
      writeFileSync(path.join(dir, 'solo-sources.yaml'), `${yaml}\n`);
      const start = spawnCli(['start'], { cwd: dir, env: env({ TIDINGS_SOURCES: path.join(dir, 'solo-sources.yaml'), QUEUE_PREFIX: `${prefix}-solo`, HTTP_PORT: '0' }) });
      children.push(start);
      logs.set(start, '');
      start.stderr!.setEncoding('utf8').on('data', (d: string) => logs.set(start, logs.get(start) + d));
      start.stdout!.setEncoding('utf8').on('data', (d: string) => logs.set(start, logs.get(start) + d));
      const soloIds = Array.from({ length: 10 }, (_, i) => `solo-${i}`);
      await until('start to poll its 10 sources', async () => [...(await store.getSourceStates(soloIds)).values()].filter((st) => st.lastPolledAt).length === 10, 40_000);
      expect(logs.get(start)).toMatch(/polls as BullMQ jobs \(REDIS_URL\);/);
      expect((logs.get(start)!.match(/"msg":"polled"/g) ?? []).length).toBe(10);
      const { Queue } = await import('bullmq');
      const q = new Queue('polls', { connection: { host: '127.0.0.1', port: 6379, db }, prefix: `${prefix}-solo` });
      await q.removeJobScheduler('tidings-tick');
      await q.close();
      start.kill('SIGTERM');
      await new Promise((r) => (start.exitCode !== null ? r(null) : start.once('exit', r)));
      expect(start.exitCode).toBe(0);
    });
  }

  it('500 sources, three workers: each polled once per due time, never twice at once; kill -9 one: the others finish; every match recorded and delivered once', { timeout: 180_000 }, async () => {
    const subs = new SubscriptionStore(kv, store, { perSubscriber: 50, maxLength: 500 });
    await subs.add({ subscriber: { kind: 'email', address: 'reader@example.org' }, query: 'Zeppelin', createdBy: 'test' });
    for (let c = 0; c < CHATS; c++) await subs.add({ subscriber: { kind: 'telegram', chatId: 5000 + c }, query: `grp${c}x`, createdBy: 'test' });

    // The tick scheduler is installed by `tidings start`; here the test installs it as start does.
    const { PollQueue } = await import('../../src/distributed/poll-queue.js');
    const { createLogger } = await import('../../src/ops/logger.js');
    const scheduler = new PollQueue({
      redisUrl,
      prefix,
      tick: '* * * * * *',
      timeZone: 'UTC',
      concurrency: 1,
      lockDurationMs: 2000,
      store,
      logger: createLogger({ level: 'silent', format: 'json' }),
      sources: () => [],
      source: () => undefined,
      poll: () => Promise.reject(new Error('not used')),
    });
    await scheduler.startScheduler();

    feeds.requests.clear(); // the tests before polled some of these paths
    const t0 = Date.now();
    const senders = { SMTP_URL: smtp.url, MAIL_FROM: 'tidings <alerts@tidings.example>', TELEGRAM_BOT_TOKEN: '123:test', TELEGRAM_API_ROOT: bot.url };
    const workers = [worker(senders), worker(senders), worker(senders)];
    // Round 1: every source is new, hence due; its first poll stores without alerting.
    await until('the first round', async () => (await polledSince(t0)) === SOURCES, 90_000);
    await sleep(1500); // a few more ticks: nothing is due (interval 1h)
    expect(feeds.requests.size).toBe(SOURCES);
    expect([...feeds.requests.values()].every((n) => n === 1)).toBe(true);
    expect(feeds.overlaps).toEqual([]);
    expect(smtp.mails).toEqual([]);
    expect(bot.sent).toEqual([]);

    // Round 2: a matching article appears everywhere and every source is due again.
    feeds.fresh = true;
    const t1 = Date.now();
    const states = await store.getSourceStates(ids());
    for (const [id, s] of states) await store.putSourceState(id, { ...s, nextDueAt: new Date(t1 - 1000).toISOString() });
    const requestsAt = () => [...feeds.requests.values()].reduce((a, b) => a + b, 0);
    await until('round 2 to be under way', () => requestsAt() >= SOURCES + 100, 30_000);
    workers[0]!.kill('SIGKILL');
    await until('the surviving workers to finish round 2', async () => (await polledSince(t1)) === SOURCES, 90_000);
    await sleep(1500);

    const counts = [...feeds.requests.values()];
    const extra = counts.filter((n) => n > 2).length;
    console.info(`[distributed ${storeKind.kind}] round 2: ${counts.filter((n) => n === 2).length} sources polled once, ${extra} polled again after the kill`);
    expect(counts.every((n) => n >= 2)).toBe(true);
    // Only the polls the killed worker had in flight (at most its concurrency) run a second time.
    expect(extra).toBeLessThanOrEqual(8);
    expect(feeds.overlaps).toEqual([]);

    // Every match recorded once: one email and one Telegram delivery per fresh article.
    const outbox = new Outbox(kv, store, 86_400_000);
    const fresh = Array.from({ length: SOURCES }, (_, n) => `http://news.test/${n}/b`);
    const urlOf = (text: string) => [...text.matchAll(/http:\/\/news\.test\/\d+\/b/g)].map((m) => m[0]);
    // Every one delivered, by the survivors too (the dead worker's claims expire, its jobs stall back).
    await until('all 500 emails', () => new Set(smtp.mails.flatMap((m) => urlOf(m.text))).size === SOURCES, 90_000);
    await until('every alert on Telegram', () => new Set(bot.sent.flatMap((c) => urlOf(String(c.params.text)))).size === SOURCES, 90_000);
    await until('the outbox to have nothing unfinished', async () => (await outbox.unfinishedDeliveries('email')).length + (await outbox.unfinishedDeliveries('telegram')).length === 0, 60_000);
    await sleep(2000); // anything sent twice would arrive now

    const mailed = smtp.mails.flatMap((m) => urlOf(m.text));
    const told = bot.sent.flatMap((c) => urlOf(String(c.params.text)).map((u) => `${String(c.params.chat_id)} ${u}`));
    const dupMail = mailed.length - new Set(mailed).size;
    const dupTold = told.length - new Set(told).size;
    console.info(`[distributed ${storeKind.kind}] ${smtp.mails.length} emails, ${bot.sent.length} Telegram messages; sent twice after the kill: ${dupMail} emails, ${dupTold} alerts`);
    expect([...new Set(mailed)].sort()).toEqual([...fresh].sort());
    expect(smtp.mails.every((m) => m.rcptTo.join() === 'reader@example.org')).toBe(true);
    // Each alert went to its group's chat, and only there.
    for (const line of new Set(told)) {
      const [chat, url] = line.split(' ') as [string, string];
      const n = Number(/\/(\d+)\/b$/.exec(url)![1]);
      expect(Number(chat)).toBe(5000 + (n % CHATS));
    }
    expect(new Set(told).size).toBe(SOURCES);
    // At least once: only what the killed worker was sending at the instant of the kill may
    // go twice (README "Delivery guarantee"), at most its sends in flight.
    expect(dupMail).toBeLessThanOrEqual(10);
    expect(dupTold).toBeLessThanOrEqual(3 * 10);
    // Per chat, 1 s apart across all processes (the shared limiter spaces the sends; they are
    // timed here on arrival, after a trip through a loaded 2-core machine, hence the margin).
    let closest = Infinity;
    for (let c = 0; c < CHATS; c++) {
      const times = bot.sent.filter((m) => Number(m.params.chat_id) === 5000 + c).map((m) => m.at).sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++) closest = Math.min(closest, times[i]! - times[i - 1]!);
    }
    console.info(`[distributed ${storeKind.kind}] closest two messages to one chat: ${closest} ms apart`);
    expect(closest).toBeGreaterThanOrEqual(600);
    await scheduler.queue.removeJobScheduler('tidings-tick');
    await scheduler.close();
    for (const w of workers.slice(1)) w.kill('SIGTERM');
    await Promise.all(workers.slice(1).map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    expect(workers.slice(1).map((w) => w.exitCode)).toEqual([0, 0]);
  });
});
