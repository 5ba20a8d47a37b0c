/**
 * Workers mode (`--store redis --mode workers`): the distributed setup of README "Scaling
 * out". `--workers` real `tidings worker` processes (the built CLI) share one Redis: BullMQ
 * poll jobs under a fresh QUEUE_PREFIX and the store (STORE_URL=redis://…/<db>, a database
 * this run flushes). No job scheduler is installed (only `tidings start` installs one), so
 * nothing ticks on its own: the runner starts each cycle by adding one `tick` job exactly as
 * the scheduler would (poll-queue.ts: name `tick`, removed on completion). The worker that
 * takes it computes the due sources (`dueSources`, all of them here) and adds one
 * deduplicated `poll` job per source; the cycle ends when the queue holds no job at all.
 *
 * Measured per cycle: wall time from adding the tick to the empty queue (sampled every 50 ms),
 * each worker's CPU (/proc/<pid>/stat) and peak RSS (VmHWM, reset at the cycle's start through
 * /proc/<pid>/clear_refs), the most RSS the workers held at once, the CPU Redis used (INFO;
 * the server is shared, so other clients' commands count too) and its memory growth. After
 * the cycle the runner reads every source's state from the store: polled in this cycle
 * (lastPolledAt), without error, and the articles stored (newLastPoll).
 *
 * The warm cycle needs every source due again: before it (untimed, `makeAllDue`) the runner
 * sets each source's nextDueAt to the past, as test/distributed/poll-workers.test.ts does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { CycleMeasurement, Phase, WorkerMeasurement } from './measurement.js';
import type { BenchOptions } from './options.js';
import { readPollLog } from './poll-log.js';
import { sourceId } from './loopback.js';

/** The queue name and job shape of src/distributed/poll-queue.ts. */
const POLL_QUEUE = 'polls';
const CLAIM_KEY = 'bench-poll:claimed-by';
const TICKS_PER_SECOND = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- /proc -------------------------------------------------------------------------------

function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function procStatusKb(pid: number, name: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---- Redis ---------------------------------------------------------------------------------

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return (infoField(info, 'used_cpu_sys') + infoField(info, 'used_cpu_user')) * 1000;
}

async function redisMemoryKb(redis: Redis): Promise<number> {
  return infoField(await redis.info('memory'), 'used_memory') / 1024;
}

/**
 * A Redis database for the run: `wanted`, or the first empty one of 1–8 (the test suites take
 * 0, 9–15, and the distributed test the last empty one counting down from 8), claimed at once
 * with a key so that nobody else takes it for empty.
 */
export async function claimRedisDb(base: string, wanted: number | undefined): Promise<number> {
  for (const db of wanted !== undefined ? [wanted] : [1, 2, 3, 4, 5, 6, 7, 8]) {
    const redis = new Redis(`${base}/${db}`, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      if (wanted === undefined && (await redis.dbsize()) !== 0) continue;
      if (wanted !== undefined) await redis.flushdb();
      if ((await redis.set(CLAIM_KEY, String(process.pid), 'NX')) === 'OK') return db;
    } finally {
      redis.disconnect();
    }
  }
  throw new Error(`no empty Redis database among 1–8 on ${base}; pass --redis-db N (it is flushed)`);
}

/** Give the database back: flushed, claim included (unless `keep`: then only the claim goes). */
export async function releaseRedisDb(base: string, db: number, keep: boolean): Promise<void> {
  const redis = new Redis(`${base}/${db}`, { maxRetriesPerRequest: 3 });
  try {
    if (keep) await redis.del(CLAIM_KEY);
    else await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

// ---- the store, through the built tidings ------------------------------------------------

interface SourceStateLike {
  lastPolledAt?: string;
  lastErrorAt?: string;
  lastError?: string;
  consecutiveErrors: number;
  newLastPoll?: number;
  nextDueAt?: string;
}
interface StoreLike {
  getSourceStates(ids: string[]): Promise<Map<string, SourceStateLike>>;
  putSourceState(id: string, state: SourceStateLike): Promise<void>;
  close(): Promise<void>;
}

async function openBuiltStore(cli: string, storeUrl: string): Promise<StoreLike> {
  const dist = path.resolve(path.dirname(cli), '..');
  const kvModule = (await import(pathToFileURL(path.join(dist, 'store', 'keyv-store.js')).href)) as { openKeyValue(url: string): Promise<unknown> };
  const storeModule = (await import(pathToFileURL(path.join(dist, 'store', 'store.js')).href)) as { createStore(kv: unknown): StoreLike };
  return storeModule.createStore(await kvModule.openKeyValue(storeUrl));
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

// ---- the pool --------------------------------------------------------------------------------

export interface WorkerPool {
  /** Start-up of the slowest worker: spawn to ready (taking jobs), ms. */
  startupMs: number;
  redisDb: number;
  prefix: string;
  /**
   * Make every source due again (untimed, before the warm cycle: the cold one set each
   * nextDueAt an interval ahead), as test/distributed/poll-workers.test.ts does.
   */
  makeAllDue(): Promise<void>;
  cycle(phase: Phase): Promise<Omit<CycleMeasurement, 'server' | 'othersCpuMs'>>;
  close(): Promise<void>;
}

export interface WorkerPoolRequest {
  cli: string;
  options: BenchOptions;
  sources: number;
  sourcesFile: string;
  workDir: string;
  /** tidingsEnv() for the Redis store; REDIS_URL, QUEUE_PREFIX and TIDINGS_SOURCES are added. */
  env: NodeJS.ProcessEnv;
  redisDb: number;
}

export function redisStoreUrl(options: BenchOptions, db: number): string {
  return `${options.redisUrl}/${db}`;
}

export async function startWorkerPool(req: WorkerPoolRequest): Promise<WorkerPool> {
  const { options } = req;
  const redisUrl = redisStoreUrl(options, req.redisDb);
  const prefix = `bench-poll-${process.pid}-${req.sources}-${Date.now().toString(36)}`;
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  await admin.flushdb();
  await admin.set(CLAIM_KEY, String(process.pid));
  const connection = { host: new URL(redisUrl).hostname, port: Number(new URL(redisUrl).port || 6379), db: req.redisDb, maxRetriesPerRequest: null };
  const queue = new Queue(POLL_QUEUE, { connection, prefix });
  // The tick job's completion: when its worker had added every poll job.
  const events = new QueueEvents(POLL_QUEUE, { connection, prefix });
  const completedAt = new Map<string, number>();
  events.on('completed', ({ jobId }) => completedAt.set(jobId, performance.now()));
  await events.waitUntilReady();
  const store = await openBuiltStore(req.cli, redisUrl);
  const ids = Array.from({ length: req.sources }, (_, i) => sourceId(i));
  const env: NodeJS.ProcessEnv = {
    ...req.env,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    TIDINGS_SOURCES: req.sourcesFile,
    // Only a `tick` job the runner adds starts a cycle (no scheduler is installed); this is
    // the default, set so that the record says so.
    SCHEDULER_TICK: '*/5 * * * * *',
  };

  const children: ChildProcess[] = [];
  const logFiles: string[] = [];
  const spawnedAt = performance.now();
  for (let i = 0; i < options.workers; i++) {
    const logFile = path.join(req.workDir, `worker-${i + 1}.log`);
    const fd = openSync(logFile, 'w');
    const profArgs = options.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.join(req.workDir, 'profiles'), '--cpu-prof-name', `worker-${i + 1}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profArgs, req.cli, 'worker'], { cwd: req.workDir, env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    children.push(child);
    logFiles.push(logFile);
  }
  const logOf = (i: number, from = 0): string => {
    const text = readFileSync(logFiles[i]!, 'utf8');
    return text.slice(from);
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
        c.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
        clearTimeout(timer);
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }),
    );
  };
  const cleanup = async (): Promise<void> => {
    await stopAll();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await events.close();
    await store.close();
    if (!options.keep) await admin.flushdb();
    await admin.set(CLAIM_KEY, String(process.pid));
    admin.disconnect();
  };

  // Ready: each worker logged its start and BullMQ sees as many worker connections.
  let startupMs = 0;
  try {
    const deadline = Date.now() + 120_000;
    const ready = new Set<number>();
    while (ready.size < children.length || (await queue.getWorkersCount()) < children.length) {
      for (let i = 0; i < children.length; i++) {
        const c = children[i]!;
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`tidings worker ${i + 1} exited (${c.signalCode ?? `code ${c.exitCode}`}) before it was ready; the end of ${logFiles[i]}:\n${logOf(i).slice(-2000)}`);
        if (!ready.has(i) && logOf(i).includes('tidings worker started')) {
          ready.add(i);
          startupMs = Math.max(startupMs, performance.now() - spawnedAt);
        }
      }
      if (Date.now() > deadline) throw new Error(`the tidings workers were not ready within 120 s; logs in ${req.workDir}`);
      await sleep(100);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }

  async function makeAllDue(): Promise<void> {
    const states = await store.getSourceStates(ids);
    const past = new Date(Date.now() - 1000).toISOString();
    await inBatches([...states], 200, ([id, s]) => store.putSourceState(id, { ...s, nextDueAt: past }));
    await sleep(500);
  }

  async function cycle(phase: Phase): Promise<Omit<CycleMeasurement, 'server' | 'othersCpuMs'>> {
    const logOffsets = logFiles.map((f) => statSync(f).size);
    const pids = children.map((c) => c.pid!);
    const rssBefore = pids.map((pid) => procStatusKb(pid, 'VmRSS'));
    const peakReset = pids.map(resetPeak).every(Boolean);
    const cpuBefore = pids.map(procCpuMs);
    const redisCpuBefore = await redisCpuMs(admin);
    const redisMemBefore = await redisMemoryKb(admin);
    const startedAt = Date.now();
    const monoFrom = Number(process.hrtime.bigint() / 1000n);
    const t = performance.now();

    const tick = await queue.add('tick', { sourceId: '' }, { removeOnComplete: true, removeOnFail: true });
    let peakRssSumSampledKb = 0;
    const deadline = Date.now() + 3_600_000;
    for (;;) {
      await sleep(50);
      peakRssSumSampledKb = Math.max(peakRssSumSampledKb, pids.reduce((n, pid) => n + procStatusKb(pid, 'VmRSS'), 0));
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
      const open = Object.values(counts).reduce((a, b) => a + b, 0);
      if (open === 0) break;
      const dead = children.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
      if (dead >= 0) throw new Error(`tidings worker ${dead + 1} exited mid-cycle; the end of ${logFiles[dead]}:\n${logOf(dead).slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`the ${phase} cycle did not end within an hour (${open} jobs left)`);
    }
    const wallMs = performance.now() - t;
    const monoWindowUs = { from: monoFrom, to: Number(process.hrtime.bigint() / 1000n) };
    await sleep(200); // the completed event travels through a Redis stream
    const tickDone = completedAt.get(tick.id!);
    const enqueuedMs = tickDone === undefined ? undefined : tickDone - t;
    const workers: WorkerMeasurement[] = pids.map((pid, i) => {
      const log = logOf(i, logOffsets[i]);
      return { pid, cpuMs: procCpuMs(pid) - cpuBefore[i]!, peakRssKb: procStatusKb(pid, 'VmHWM'), rssBeforeKb: rssBefore[i]!, polled200: (log.match(/"msg":"polled"/g) ?? []).length };
    });
    const redisCpu = (await redisCpuMs(admin)) - redisCpuBefore;
    const redisMemoryGrowthKb = (await redisMemoryKb(admin)) - redisMemBefore;

    // What the store says about every source (untimed).
    const states = await store.getSourceStates(ids);
    let polled = 0;
    let failed = 0;
    let stored = 0;
    for (const id of ids) {
      const s = states.get(id);
      if (!s || Date.parse(s.lastPolledAt ?? '') < startedAt) continue;
      polled++;
      if (s.consecutiveErrors > 0 || Date.parse(s.lastErrorAt ?? '') >= startedAt) failed++;
      else stored += s.newLastPoll ?? 0;
    }
    const problems = workers.flatMap((_, i) => readPollLog(logOf(i, logOffsets[i])).problems.map((p) => `worker ${i + 1}: ${p}`)).slice(0, 5);
    return {
      phase,
      wallMs,
      cpuMs: workers.reduce((n, w) => n + w.cpuMs, 0),
      peakRssKb: workers.reduce((n, w) => n + w.peakRssKb, 0),
      peakSinceStartup: !peakReset,
      polled,
      failed,
      stored,
      workers,
      peakRssSumSampledKb,
      redisCpuMs: redisCpu,
      redisMemoryGrowthKb,
      enqueuedMs,
      monoWindowUs,
      problems,
    };
  }

  return { startupMs, redisDb: req.redisDb, prefix, makeAllDue, cycle, close: cleanup };
}
