/** What one measured poll cycle yields, whichever way it was run. */
import type { ServerStats } from './server-protocol.js';

export type Phase = 'cold' | 'warm';

/** Workers mode: one `tidings worker` process over the cycle. */
export interface WorkerMeasurement {
  pid: number;
  /** User + system CPU over the cycle (from /proc/<pid>/stat), ms. */
  cpuMs: number;
  /** Peak RSS over the cycle (VmHWM, reset at the cycle's start when the kernel allows), KiB. */
  peakRssKb: number;
  /** RSS when the cycle started (an idle worker), KiB. */
  rssBeforeKb: number;
  /** Poll jobs this worker finished in the cycle (its `polled` log lines; 304s are not logged, so 200s only). */
  polled200: number;
}

export interface CycleMeasurement {
  phase: Phase;
  /** cli mode: the whole `poll --once` process, start-up included; process mode: the cycle alone. */
  wallMs: number;
  /** User + system CPU of the tidings process over the same span. */
  cpuMs: number;
  /** Peak resident set size over the same span, in KiB. */
  peakRssKb: number;
  /** Sources polled, failed, and articles newly stored, as tidings reports them (undefined when not reported). */
  polled?: number;
  failed?: number;
  stored?: number;
  /** Process mode: RSS and V8 heap left when the cycle ended, KiB (what a long-running process carries on). */
  rssAfterKb?: number;
  heapUsedAfterKb?: number;
  /** Process mode: live heap after a full GC, with the cycle's results held and without them, KiB. */
  liveHeapWithResultsKb?: number;
  liveHeapWithoutResultsKb?: number;
  /** Process mode, when the kernel would not reset the peak: the peak is since start-up, not of this cycle. */
  peakSinceStartup?: boolean;
  /**
   * Workers mode: each worker (the cycle's cpuMs is their sum, peakRssKb the sum of their
   * peaks); the most RSS the workers held at once (sampled every 50 ms); the CPU the Redis
   * server used (all its clients, other users of the server included) and how much its
   * memory grew; how long the `tick` job took to enqueue the poll jobs.
   */
  workers?: WorkerMeasurement[];
  peakRssSumSampledKb?: number;
  redisCpuMs?: number;
  redisMemoryGrowthKb?: number;
  enqueuedMs?: number;
  /** Workers mode: the cycle on the monotonic clock in µs (V8 CPU profiles' time base), for profile-summary --from/--to. */
  monoWindowUs?: { from: number; to: number };
  /** The first few problems tidings logged (warn and above). */
  problems: string[];
  server: ServerStats;
  /**
   * CPU other processes used during the cycle, in ms: the machine's busy time minus tidings',
   * the feed server's, the runner's (and in workers mode Redis's). Divided by wallMs, the cores others took from the run.
   */
  othersCpuMs: number;
  /** The machine's 1-minute load average when the cycle started. */
  loadAtStart?: number;
}
