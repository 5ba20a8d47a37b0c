/**
 * The single-process scheduler: a node-cron tick looks for sources whose `nextDueAt` has
 * come and polls them, at most `concurrency` at a time, and never one source twice at once
 * (a source still running is skipped by later ticks). Sources never polled are due at once,
 * spread over the first tick by the global concurrency limit.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Source } from '../domain/source.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../ops/logger.js';
import type { PollResult } from './poll-source.js';

export interface SchedulerOptions {
  /** node-cron expression of the tick (default every 5 s). */
  tick: string;
  concurrency: number;
  timeZone: string;
}

export type PollFn = (source: Source) => Promise<PollResult>;

/**
 * The sources of `sources` that are due at `now`: not paused, and never polled or with a
 * `nextDueAt` that has come; longest overdue first (never polled first of all). The
 * single-process Scheduler and the distributed tick (distributed/poll-queue.ts) both use it.
 */
export async function dueSources(sources: Source[], store: Store, now: Date): Promise<Source[]> {
  const candidates = sources.filter((s) => !s.paused);
  const states = await store.getSourceStates(candidates.map((s) => s.id));
  return candidates
    .map((s) => ({ s, at: Date.parse(states.get(s.id)?.nextDueAt ?? '') || 0 }))
    .filter((d) => d.at <= now.getTime())
    .sort((a, b) => a.at - b.at)
    .map((d) => d.s);
}

export class Scheduler {
  private sources: () => Source[];
  private readonly running = new Map<string, Promise<void>>();
  private task: ScheduledTask | undefined;
  private ticking = false;
  private stopped = false;
  private readonly listeners: ((r: PollResult) => void)[] = [];

  constructor(
    sources: Source[] | (() => Source[]),
    private readonly store: Store,
    private readonly poll: PollFn,
    private readonly opts: SchedulerOptions,
    private readonly logger: Logger,
  ) {
    this.sources = typeof sources === 'function' ? sources : () => sources;
  }

  /** Replace the source list (YAML reload); running polls finish. */
  setSources(sources: Source[] | (() => Source[])): void {
    this.sources = typeof sources === 'function' ? sources : () => sources;
  }

  onResult(fn: (r: PollResult) => void): void {
    this.listeners.push(fn);
  }

  isRunning(sourceId: string): boolean {
    return this.running.has(sourceId);
  }

  start(): void {
    this.stopped = false;
    this.task = cron.schedule(this.opts.tick, () => void this.tick(), { timezone: this.opts.timeZone, noOverlap: false, name: 'tidings-tick' });
    void this.tick();
  }

  /** Poll every source that is due now. Returns the polls it started (for tests). */
  async tick(now = new Date()): Promise<Promise<void>[]> {
    if (this.ticking || this.stopped) return [];
    this.ticking = true;
    try {
      const due = await dueSources(
        this.sources().filter((s) => !this.running.has(s.id)),
        this.store,
        now,
      );
      const started: Promise<void>[] = [];
      for (const s of due) {
        if (this.running.size >= this.opts.concurrency) break;
        started.push(this.run(s));
      }
      return started;
    } catch (err) {
      this.logger.error({ err }, 'scheduler tick failed; will try again at the next tick');
      return [];
    } finally {
      this.ticking = false;
    }
  }

  /** Poll one source now unless it is already running. */
  run(source: Source): Promise<void> {
    const existing = this.running.get(source.id);
    if (existing) return existing;
    const p = this.poll(source)
      .then((result) => {
        for (const fn of this.listeners) fn(result);
      })
      .catch((err) => this.logger.error({ err, source: source.id }, 'poll crashed'))
      .finally(() => {
        this.running.delete(source.id);
        // A slot freed: start the next due source without waiting for the tick.
        if (!this.stopped) void this.tick();
      });
    this.running.set(source.id, p);
    return p;
  }

  /** Stop ticking and wait for polls in flight (each bounded by the fetch deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.task) await this.task.destroy();
    await Promise.allSettled([...this.running.values()]);
  }
}
