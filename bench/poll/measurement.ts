/** What one measured poll cycle yields, whichever way it was run. */
import type { ServerStats } from './server-protocol.js';

export type Phase = 'cold' | 'warm';

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
  /** The first few problems tidings logged (warn and above). */
  problems: string[];
  server: ServerStats;
  /**
   * CPU other processes used during the cycle, in ms: the machine's busy time minus tidings',
   * the feed server's and the runner's. Divided by wallMs, the cores others took from the run.
   */
  othersCpuMs: number;
}
