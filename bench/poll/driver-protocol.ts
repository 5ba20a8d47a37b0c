/** What the runner and the cycle driver (process mode) say to each other over IPC. */

export interface DriverCycle {
  wallMs: number;
  cpuMs: number;
  /** Peak RSS during the cycle (VmHWM, reset at its start when the kernel allows), KiB. */
  peakRssKb: number;
  /** Whether the peak was reset at the start of the cycle (else it is the peak since start-up). */
  peakReset: boolean;
  /** RSS and V8 heap left when the cycle ended, KiB: what a long-running process carries on. */
  rssAfterKb: number;
  heapUsedAfterKb: number;
  /**
   * Live V8 heap after a full GC (the driver runs with --expose-gc), KiB: while the cycle's
   * PollResults (every stored Article, kept by pollAll as `poll --once` keeps them) are still
   * referenced, and after they are dropped. The difference is what holding the results costs.
   */
  liveHeapWithResultsKb: number;
  liveHeapWithoutResultsKb: number;
  polled: number;
  failed: number;
  stored: number;
  problems: string[];
}

export type ToDriver = { type: 'cycle' } | { type: 'exit' };

export type FromDriver =
  | { type: 'ready'; startupMs: number }
  | { type: 'cycle'; result: DriverCycle }
  | { type: 'failed'; message: string };
