/**
 * Process mode's tidings process: loads settings and sources and builds the app exactly as
 * `tidings poll --once` does (src/cli/poll.ts), then runs one `pollAll` cycle each time the
 * runner asks, in the same process with the same store — as `tidings start` keeps one process
 * across cycles — and reports each cycle's wall time, CPU and peak RSS.
 *
 * Compiled with src/ into bench/out/build (see build.ts) and forked by run-process.ts with
 * the sources file as its argument, the settings in its environment, and --expose-gc (used
 * only after a cycle is measured, to weigh what stays live).
 */
import { createApp } from '../../src/app.js';
import { pollAll } from '../../src/cli/poll.js';
import { loadSettings } from '../../src/config/settings.js';
import { loadSources } from '../../src/config/sources.js';
import { pollSource } from '../../src/pipeline/poll-source.js';
import type { DriverCycle, FromDriver, ToDriver } from './driver-protocol.js';
import { currentRssKb, peakRssKb, resetPeakRss } from './peak-memory.js';

function heapUsedKb(): number {
  return Math.round(process.memoryUsage().heapUsed / 1024);
}

/** Heap still in use after a full GC (needs --expose-gc; without it, just heapUsed). */
function liveHeapKb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return heapUsedKb();
}

function send(message: FromDriver): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = loadSettings();
  const sources = loadSources(process.argv[2] ?? '');
  const app = await createApp(settings);

  async function cycle(): Promise<DriverCycle> {
    const peakReset = resetPeakRss();
    const cpu = process.cpuUsage();
    const t = performance.now();
    const results = await pollAll(sources, (s) => pollSource(s, app.pollDeps), settings.POLL_CONCURRENCY);
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const peak = peakRssKb();
    const rssAfterKb = currentRssKb();
    const heapUsedAfterKb = heapUsedKb();
    const failed = results.filter((r) => r.outcome === 'error');
    const summary = {
      polled: results.length,
      failed: failed.length,
      stored: results.reduce((n, r) => n + r.stored.length, 0),
      problems: failed.slice(0, 5).map((r) => r.error?.message ?? r.sourceId),
    };
    const liveHeapWithResultsKb = liveHeapKb();
    results.length = 0;
    const liveHeapWithoutResultsKb = liveHeapKb();
    return { wallMs, cpuMs: (used.user + used.system) / 1000, peakRssKb: peak, peakReset, rssAfterKb, heapUsedAfterKb, liveHeapWithResultsKb, liveHeapWithoutResultsKb, ...summary };
  }

  process.on('message', (message: ToDriver) => {
    if (message.type === 'cycle') {
      cycle().then(
        (result) => send({ type: 'cycle', result }),
        (err: unknown) => send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
    } else if (message.type === 'exit') {
      void app.close().finally(() => process.disconnect());
    }
  });
  // performance.now() counts from process start, so this includes loading the modules.
  send({ type: 'ready', startupMs: performance.now() });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exitCode = 1;
  process.disconnect();
});
