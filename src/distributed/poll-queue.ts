/**
 * Distributed polling (REDIS_URL set): polls are BullMQ jobs shared by every `tidings worker`
 * and `tidings start` process on one Redis and one shared store.
 *
 * - A BullMQ job scheduler (`upsertJobScheduler`, idempotent: every `tidings start` upserts
 *   the same one) adds a `tick` job on SCHEDULER_TICK (a cron pattern, DEFAULT_TIMEZONE).
 * - Whichever worker takes a tick computes the due sources as the single-process Scheduler
 *   does (`dueSources`) and adds one `poll` job per due source, deduplicated by source id:
 *   while a source's poll job waits or runs, adding another is a no-op, so a source is never
 *   polled twice at once.
 * - A poll job looks at the source's state again before polling (a tick that read the state
 *   just before the previous poll finished does not poll it a second time for one due time),
 *   then runs `pollSource`.
 * - A worker that dies mid-poll loses its job lock after QUEUE_LOCK_DURATION; another
 *   worker's stalled-job check puts the job back and it is polled there (BullMQ recovery).
 */
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Source } from '../domain/source.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { PollResult } from '../pipeline/poll-source.js';
import { dueSources } from '../pipeline/scheduler.js';
import type { App } from '../app.js';

export const POLL_QUEUE = 'polls';
export const TICK_SCHEDULER_ID = 'tidings-tick';

export interface PollQueueOptions {
  /** REDIS_URL. */
  redisUrl: string;
  /** QUEUE_PREFIX: the BullMQ key prefix. */
  prefix: string;
  /** SCHEDULER_TICK: cron pattern of the tick (six fields, seconds first). */
  tick: string;
  timeZone: string;
  /** POLL_CONCURRENCY: jobs one worker runs at once. */
  concurrency: number;
  /** QUEUE_LOCK_DURATION in ms: a dead worker's job is taken over within about this time. */
  lockDurationMs: number;
  store: Store;
  logger: Logger;
  /** The sources this process knows (its registry). */
  sources: () => Source[];
  /** Look a source up by id (its registry). */
  source: (id: string) => Source | undefined;
  poll: (source: Source) => Promise<PollResult>;
}

interface PollJobData {
  sourceId: string;
}

/** ioredis options from a redis:// or rediss:// URL (host, port, db, user, password, TLS). */
export function redisConnection(redisUrl: string): ConnectionOptions {
  const u = new URL(redisUrl);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ workers block on Redis; they must not give up on a command while it reconnects.
    maxRetriesPerRequest: null,
  };
}

export class PollQueue {
  readonly queue: Queue<PollJobData>;
  private worker: Worker<PollJobData> | undefined;
  private readonly connection: ConnectionOptions;

  constructor(private readonly opts: PollQueueOptions) {
    this.connection = redisConnection(opts.redisUrl);
    this.queue = new Queue<PollJobData>(POLL_QUEUE, { connection: this.connection, prefix: opts.prefix });
    this.queue.on('error', (err) => opts.logger.warn({ err }, `poll queue: ${err.message}`));
  }

  /** Install (or update) the tick job scheduler. Idempotent across processes. */
  async startScheduler(): Promise<void> {
    await this.queue.upsertJobScheduler(
      TICK_SCHEDULER_ID,
      { pattern: this.opts.tick, tz: this.opts.timeZone },
      { name: 'tick', data: { sourceId: '' }, opts: { removeOnComplete: true, removeOnFail: true } },
    );
  }

  /** Start taking tick and poll jobs in this process. */
  startWorker(): void {
    if (this.worker) return;
    const worker = new Worker<PollJobData>(POLL_QUEUE, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.opts.prefix,
      concurrency: this.opts.concurrency,
      lockDuration: this.opts.lockDurationMs,
      stalledInterval: Math.max(500, Math.floor(this.opts.lockDurationMs / 2)),
      maxStalledCount: 3,
    });
    worker.on('error', (err) => this.opts.logger.warn({ err }, `poll worker: ${err.message}`));
    worker.on('failed', (job, err) => this.opts.logger.error({ err, job: job?.name, source: job?.data.sourceId }, `poll job failed: ${err.message}`));
    this.worker = worker;
  }

  /** Handle one job (exported for tests through the worker). */
  async process(job: Job<PollJobData>): Promise<unknown> {
    if (job.name === 'tick') return this.tick();
    if (job.name === 'poll') return this.pollOne(job.data.sourceId);
    this.opts.logger.warn({ job: job.name }, `poll queue: unknown job ${job.name}`);
    return undefined;
  }

  /** Add a deduplicated poll job for every source due now; returns how many were due. */
  async tick(now = new Date()): Promise<number> {
    const due = await dueSources(this.opts.sources(), this.opts.store, now);
    if (due.length === 0) return 0;
    await this.queue.addBulk(
      due.map((s) => ({
        name: 'poll',
        data: { sourceId: s.id },
        opts: { deduplication: { id: s.id }, removeOnComplete: true, removeOnFail: true },
      })),
    );
    return due.length;
  }

  private async pollOne(sourceId: string): Promise<string> {
    const source = this.opts.source(sourceId);
    if (!source) {
      this.opts.logger.warn({ source: sourceId }, `poll job for source ${sourceId}, which this process does not know (different TIDINGS_SOURCES?)`);
      return 'unknown';
    }
    // Still due? (A tick may have read the state just before the last poll of it finished.)
    const [still] = await dueSources([source], this.opts.store, new Date());
    if (!still) return 'not-due';
    const result = await this.opts.poll(source);
    return result.outcome;
  }

  /** Stop taking jobs (jobs in flight finish) and close the Redis connections. */
  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

/** The poll queue of a running app (REDIS_URL must be set); `poll` polls one source. */
export function pollQueueFromApp(app: App, poll: (source: Source) => Promise<PollResult>): PollQueue {
  const s = app.settings;
  if (!s.REDIS_URL) throw new Error('REDIS_URL is not set');
  return new PollQueue({
    redisUrl: s.REDIS_URL,
    prefix: s.QUEUE_PREFIX,
    tick: s.SCHEDULER_TICK,
    timeZone: s.DEFAULT_TIMEZONE,
    concurrency: s.POLL_CONCURRENCY,
    lockDurationMs: s.QUEUE_LOCK_DURATION,
    store: app.store,
    logger: app.logger,
    sources: () => app.registry.all(),
    source: (id) => app.registry.get(id),
    poll,
  });
}
