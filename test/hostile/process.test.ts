/**
 * Hostile rows 27–28 (../shared/docs/hostile-matrix.md), with real `tidings start` child
 * processes, the Bot API double (behind a proxy that answers a second concurrent getUpdates
 * with 409, as Telegram does) and a loopback RSS source:
 *
 * - #27 kill -9 during polls and during the drain, restart: nothing lost, no old item
 *   alerted again, repeats only for deliveries in flight (`sending`) at the kills.
 * - #28 two processes on one SQLite store and on one Redis store: no alert twice, one
 *   long poller (the `telegram` worker lease); SQLite busy (another connection holds the
 *   write lock for 4 s); Redis cut off mid-run (a TCP proxy dropped and restored); disk full
 *   (SQLite on a 3 MiB tmpfs filled up, then freed): nothing marked seen that was not stored,
 *   work resumes by itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CrashRig, PollGuard, type Child } from '../helpers/crash-rig.js';
import { hasTcp, needs } from '../helpers/services.js';

const redisUp = await hasTcp('127.0.0.1', 6379);
const freeDb = redisUp ? findFreeRedisDb() : undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let rigs: CrashRig[] = [];
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const r of rigs) await r.close();
  for (const c of cleanups.reverse()) await c();
  rigs = [];
  cleanups = [];
});

async function rig(opts: Parameters<typeof CrashRig.create>[0] = {}): Promise<CrashRig> {
  const r = await CrashRig.create(opts);
  rigs.push(r);
  return r;
}

/** Start, wait for the first poll (the backlog: no alerts), as the first child of a rig. */
async function firstRun(r: CrashRig, name = 'first'): Promise<Child> {
  r.add(0, 1);
  const c = r.start(name);
  await r.until(() => r.polls >= 1, 'the first poll', 60_000, [c]);
  await sleep(1500);
  return c;
}

/** Run a child until every matched pair is delivered and the outbox is empty, then stop it. */
async function drainAll(r: CrashRig, c: Child, timeoutMs = 90_000): Promise<void> {
  await r.until(async () => r.tally().lost === 0 && (await r.unfinished()) === 0, 'everything delivered', timeoutMs, [c]);
  await sleep(1500);
  expect(await r.stop(c), c.stderr.slice(-3000)).toBe(0);
}

/** A restart with nothing new: returns how many messages it sent (must be 0). */
async function quietRestart(r: CrashRig): Promise<number> {
  const before = r.api.sent.length;
  const c = r.start('quiet');
  const polls = r.polls;
  await r.until(() => r.polls >= polls + 2, 'two polls after the quiet restart', 60_000, [c]);
  await sleep(2500);
  expect(await r.stop(c)).toBe(0);
  return r.api.sent.length - before;
}

describe('hostile #27: kill -9 at any moment during poll or delivery, then restart', () => {
  it('hostile #27: kill -9 during polls (just after the feed is served), restart: nothing lost, no old item again', { timeout: 180_000 }, async () => {
    const r = await rig({ latencyMs: 10 });
    await r.seed(10);
    let c = await firstRun(r);
    let inFlight = 0;
    for (let k = 0; k < 4; k++) {
      r.add(3, 1);
      // Kill 0–250 ms after the next poll got the feed: while it parses, stores, records.
      const served = new Promise<void>((resolve) => (r.onServed = resolve));
      await served;
      r.onServed = undefined;
      await sleep(Math.random() * 250);
      await r.kill9(c);
      inFlight = await r.recordInFlight();
      c = r.start(`restart${k + 1}`);
      await r.until(() => r.polls >= 1, 'a poll', 30_000, [c]);
    }
    await drainAll(r, c);
    const t = r.tally();
    console.info(`[hostile #27 poll] ${t.expected} expected, lost ${t.lost}, duplicates ${t.duplicates} (in flight at the kills: ${inFlight}; most copies of one: ${t.mostCopies})`);
    expect(t.expected).toBe(120);
    expect(t.lost).toBe(0);
    expect(t.unexpected).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(inFlight);
    expect(await quietRestart(r)).toBe(0);
  });

  it('hostile #27: kill -9 during delivery, twice, restart: nothing lost, repeats only for sends in flight', { timeout: 180_000 }, async () => {
    const r = await rig({ latencyMs: 40 });
    await r.seed(30);
    let c = await firstRun(r);
    r.add(4, 1);
    let inFlight = 0;
    for (const at of [30, 70]) {
      await r.until(() => r.alertsSent() >= at, `${at} alerts sent`, 60_000, [c]);
      await r.kill9(c);
      inFlight = await r.recordInFlight();
      c = r.start(`after-${at}`);
    }
    await drainAll(r, c);
    const t = r.tally();
    console.info(`[hostile #27 delivery] ${t.expected} expected, lost ${t.lost}, duplicates ${t.duplicates} (in flight at the kills: ${inFlight})`);
    expect(t.expected).toBe(120);
    expect(t.lost).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(inFlight);
    expect(await quietRestart(r)).toBe(0);
  });
});

describe('hostile #28: two instances on one store; SQLite busy; Redis restarted mid-run; disk full', () => {
  /** Two processes against one store: one sender, one poller, no alert twice; the holder killed → the other takes over. */
  async function twoInstances(storeUrl: string | undefined, label: string): Promise<void> {
    const upstream = { url: '' };
    const guard = await new PollGuard(() => upstream.url).start();
    cleanups.push(() => guard.close());
    const r = await rig({ latencyMs: 20, storeUrl, apiRoot: () => guard.url });
    upstream.url = r.api.url;
    await r.seed(20);
    const a = await firstRun(r, 'a');
    const b = r.start('b');
    await r.until(() => /tidings started/.test(b.stderr), 'the second process to start', 60_000, [a, b]);
    r.add(5, 1);
    await r.until(() => r.tally().lost === 0, 'every alert', 60_000, [a, b]);
    await sleep(3000);
    let t = r.tally();
    expect(t.duplicates).toBe(0);
    expect(t.unexpected).toBe(0);
    // Exactly one process works the queue and long-polls.
    const holders = [a, b].filter((c) => /lease telegram: acquired/.test(c.stderr));
    expect(holders.map((c) => c.name)).toEqual(['a']);
    expect(/receiving updates by long polling/.test(b.stderr)).toBe(false);
    expect(guard.conflicts).toBe(0);
    expect(guard.maxConcurrent).toBe(1);
    // A command reaches the bot once, through the one poller.
    r.api.pushMessage('/list', { id: 9191 });
    await r.until(() => r.api.sentTo(9191).length >= 1, 'the /list reply', 30_000, [a, b]);
    // The holder dies mid-drain: the other takes over, nothing lost.
    r.add(5, 0);
    await r.until(() => r.alertsSent() >= 110, 'some of the next alerts', 60_000, [a, b]);
    await r.kill9(a);
    const inFlight = await r.recordInFlight();
    await r.until(() => /lease telegram: acquired/.test(b.stderr), 'b to take the lease over', 30_000, [b]);
    await r.until(async () => r.tally().lost === 0 && (await r.unfinished()) === 0, 'everything delivered', 90_000, [b]);
    await sleep(1500);
    // Counted while b runs: at its shutdown grammY aborts the open long poll and confirms the
    // last updates with one more getUpdates, which this proxy may see before it sees the abort
    // (Telegram would end the older request; the proxy refuses the newer one).
    const conflicts = guard.conflicts;
    expect(await r.stop(b), b.stderr.slice(-3000)).toBe(0);
    t = r.tally();
    console.info(`[hostile #28 ${label}] two instances: ${t.expected} expected, lost ${t.lost}, duplicates ${t.duplicates} (in flight at the kill: ${inFlight}), getUpdates conflicts ${conflicts}`);
    expect(t.lost).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(inFlight);
    expect(conflicts).toBe(0);
    expect(await quietRestart(r)).toBe(0);
  }

  it('hostile #28: two tidings start on one SQLite store: no alert twice, one getUpdates poller, takeover when the holder dies', { timeout: 180_000 }, async () => {
    await twoInstances(undefined, 'sqlite');
  });

  it.runIf(needs('Redis on 127.0.0.1:6379', redisUp) && freeDb !== undefined)(
    'hostile #28: two tidings start on one Redis store: no alert twice, one getUpdates poller, takeover when the holder dies',
    { timeout: 180_000 },
    async () => {
      cleanups.push(() => void spawnSync('redis-cli', ['-n', String(freeDb), 'flushdb'], { stdio: 'ignore' }));
      await twoInstances(`redis://127.0.0.1:6379/${freeDb}`, 'redis');
    },
  );

  it.runIf(redisUp && freeDb !== undefined)('hostile #28: Redis cut off for 4 s mid-run (TCP proxy dropped, restored): errors logged, nothing lost, work resumes', { timeout: 180_000 }, async () => {
    const proxy = await cuttableProxy(6379);
    cleanups.push(() => proxy.close());
    cleanups.push(() => void spawnSync('redis-cli', ['-n', String(freeDb), 'flushdb'], { stdio: 'ignore' }));
    const r = await rig({ latencyMs: 40, storeUrl: `redis://127.0.0.1:${proxy.port}/${freeDb}` });
    await r.seed(20);
    const c = await firstRun(r);
    r.add(4, 1);
    await r.until(() => r.alertsSent() >= 20, 'the first alerts', 60_000, [c]);
    proxy.cut();
    r.add(2, 0); // appear while the store is gone
    await sleep(4000);
    proxy.restore();
    await drainAll(r, c, 120_000);
    const t = r.tally();
    const resent = (c.stderr.match(/left in sending by a store failure/g) ?? []).length;
    console.info(`[hostile #28 redis cut] ${t.expected} expected, lost ${t.lost}, duplicates ${t.duplicates} (sends whose bookkeeping the cut interrupted: ${resent})`);
    expect(c.stderr).toMatch(/"level":(40|50)/);
    expect(t.lost).toBe(0);
    expect(t.unexpected).toBe(0);
    expect(t.duplicates).toBeLessThanOrEqual(resent);
    expect(await quietRestart(r)).toBe(0);
  });

  it('hostile #28: SQLite busy (another connection holds the write lock for 4 s): the poll waits, everything stored and alerted once', { timeout: 120_000 }, async () => {
    const r = await rig({ latencyMs: 10 });
    await r.seed(5);
    const c = await firstRun(r);
    const { default: sqlite3 } = await import('sqlite3');
    const db = new sqlite3.Database(r.storeUrl.replace(/^sqlite:\/\//, ''));
    const run = (sql: string) => new Promise<void>((resolve, reject) => db.run(sql, (err: Error | null) => (err ? reject(err) : resolve())));
    await run('BEGIN EXCLUSIVE');
    const heldAt = Date.now();
    r.add(3, 1);
    const polls = r.polls;
    await r.until(() => r.polls > polls, 'a poll during the lock', 30_000, [c]);
    await sleep(Math.max(0, 4000 - (Date.now() - heldAt)));
    expect(r.alertsSent()).toBe(0);
    await run('COMMIT');
    await new Promise<void>((resolve) => db.close(() => resolve()));
    await drainAll(r, c);
    const t = r.tally();
    expect(t.lost).toBe(0);
    expect(t.duplicates).toBe(0);
    expect(await quietRestart(r)).toBe(0);
  });

  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version'], { stdio: 'ignore' }).status === 0;
  it.runIf(needs('root and mount (a small tmpfs for the disk-full test)', canMount))(
    'hostile #28: disk full (SQLite on a 3 MiB tmpfs, filled up): errors logged, nothing marked seen that was not stored, resumes when space returns',
    { timeout: 150_000 },
    async () => {
      const mnt = mkdtempSync(path.join(os.tmpdir(), 'tidings-full-'));
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
      if (m.status !== 0) {
        console.warn(`[tidings tests] SKIPPED disk-full: mount failed: ${String(m.stderr)}`);
        return;
      }
      cleanups.push(() => {
        spawnSync('umount', ['-l', mnt]);
        rmSync(mnt, { recursive: true, force: true });
      });
      mkdirSync(path.join(mnt, 'db'));
      const r = await rig({ latencyMs: 10, storeUrl: `sqlite://${path.join(mnt, 'db', 'tidings.sqlite')}` });
      await r.seed(5);
      const c = await firstRun(r);
      // Fill the filesystem.
      const filler = path.join(mnt, 'filler');
      const chunk = Buffer.alloc(64 * 1024, 1);
      let size = 0;
      for (;;) {
        try {
          writeFileSync(filler, chunk, { flag: 'a' });
          size += chunk.length;
        } catch {
          break;
        }
      }
      r.add(3, 1);
      const polls = r.polls;
      await r.until(() => r.polls >= polls + 3, 'three polls on a full disk', 60_000, [c]);
      await sleep(1500);
      expect(r.alertsSent()).toBe(0);
      expect(c.stderr).toMatch(/SQLITE_FULL|database or disk is full|ENOSPC/);
      // Space returns: the same items are stored, marked seen and alerted, once.
      rmSync(filler);
      await drainAll(r, c, 90_000);
      const t = r.tally();
      console.info(`[hostile #28 disk full] filled ${(size / 2 ** 20).toFixed(1)} MiB; after freeing: ${t.expected} expected, lost ${t.lost}, duplicates ${t.duplicates}`);
      expect(t.lost).toBe(0);
      expect(t.duplicates).toBe(0);
      expect(await quietRestart(r)).toBe(0);
    },
  );
});

/** A Redis DB index (9–15) with no keys, for this file's tests (never flushes a DB it did not find empty). */
function findFreeRedisDb(): number | undefined {
  for (let db = 15; db >= 9; db--) {
    const out = spawnSync('redis-cli', ['-n', String(db), 'dbsize'], { encoding: 'utf8' });
    if (out.status === 0 && out.stdout.trim() === '0') return db + 0;
  }
  return undefined;
}

/** A TCP proxy to a local port that can be cut (all connections dropped, new ones refused) and restored. */
async function cuttableProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return void client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
