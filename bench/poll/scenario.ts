/**
 * One scenario: a feed server for `sources` feeds, then a cold cycle (every item new) and a
 * warm one (the configured share answering 304, the rest with a few new items) on the same
 * store, each measured and checked.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { checkCycle, type Expected } from './checks.js';
import type { CycleMeasurement, Phase } from './measurement.js';
import type { TidingsBuild } from './build.js';
import type { BenchOptions } from './options.js';
import { runCliCycle } from './run-cli.js';
import { startCycleProcess, type CycleProcess } from './run-process.js';
import { startFeedServer, type FeedServer } from './server-handle.js';
import { machineBusyMs } from './machine-load.js';
import { writeSourcesYaml } from './sources-yaml.js';
import { tidingsEnv } from './tidings-env.js';

export interface ScenarioResult {
  sources: number;
  /** Which run of the scenario this is (1-based, of `--repeat`). */
  repeat: number;
  serverPrepareMs: number;
  serverBodyBytes: number;
  /** Process mode: time from process start to a ready app (modules loaded, settings, sources, store open). */
  startupMs?: number;
  changedForWarm: number;
  cycles: CycleMeasurement[];
  problems: string[];
}

type CycleRunner = (phase: Phase) => Promise<Omit<CycleMeasurement, 'server' | 'othersCpuMs'>>;

export async function runScenario(options: BenchOptions, build: TidingsBuild, sources: number, repeat: number, workDir: string): Promise<ScenarioResult> {
  mkdirSync(workDir, { recursive: true });
  const hosts = Math.min(options.hosts, sources);
  const server = await startFeedServer({
    sources,
    items: options.items,
    freshItems: options.freshItems,
    hosts,
    latencyMs: options.latencyMs,
    encoding: options.encoding,
  });
  let proc: CycleProcess | undefined;
  try {
    const sourcesFile = path.join(workDir, 'sources.yaml');
    writeSourcesYaml(sourcesFile, sources, hosts, server.port);
    const storeFile = path.join(workDir, 'store.sqlite');
    const env = tidingsEnv(options, options.store === 'memory' ? 'memory' : `sqlite://${storeFile}`);

    let runCycle: CycleRunner;
    if (options.mode === 'cli') {
      runCycle = async (phase) => {
        const r = await runCliCycle({ cli: build.cli, label: phase, sourcesFile, workDir, env, cpuProf: options.cpuProf });
        return { phase, wallMs: r.wallMs, cpuMs: r.cpuMs, peakRssKb: r.peakRssKb, ...r.summary, problems: r.problems };
      };
    } else {
      const started = await startCycleProcess({ driver: build.driver, sourcesFile, workDir, env, cpuProf: options.cpuProf });
      proc = started;
      runCycle = async (phase) => {
        const r = await started.cycle();
        return {
          phase,
          wallMs: r.wallMs,
          cpuMs: r.cpuMs,
          peakRssKb: r.peakRssKb,
          peakSinceStartup: !r.peakReset,
          rssAfterKb: r.rssAfterKb,
          heapUsedAfterKb: r.heapUsedAfterKb,
          liveHeapWithResultsKb: r.liveHeapWithResultsKb,
          liveHeapWithoutResultsKb: r.liveHeapWithoutResultsKb,
          polled: r.polled,
          failed: r.failed,
          stored: r.stored,
          problems: r.problems,
        };
      };
    }

    const base: Omit<Expected, 'changed' | 'newPerChanged'> = { sources, hosts, perHostConcurrency: options.perHostConcurrency };
    await server.stats(true);
    const cold = await measure(server, () => runCycle('cold'));
    const changed = await server.advance(1 - options.notModified);
    await server.stats(true);
    const warm = await measure(server, () => runCycle('warm'));
    const problems = [
      ...checkCycle(cold, { ...base, changed: sources, newPerChanged: options.items }),
      ...checkCycle(warm, { ...base, changed, newPerChanged: Math.min(options.freshItems, options.items) }),
    ];
    return {
      sources,
      repeat,
      serverPrepareMs: server.prepareMs,
      serverBodyBytes: server.bodyBytes,
      startupMs: proc?.startupMs,
      changedForWarm: changed,
      cycles: [cold, warm],
      problems,
    };
  } finally {
    await proc?.close();
    await server.close();
    if (!options.keep) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(path.join(workDir, `store.sqlite${suffix}`), { force: true });
    }
  }
}

/** Run a cycle, then collect (and reset) what the server counted during it and what others used. */
async function measure(server: FeedServer, run: () => Promise<Omit<CycleMeasurement, 'server' | 'othersCpuMs'>>): Promise<CycleMeasurement> {
  const busyBefore = machineBusyMs();
  const runnerBefore = process.cpuUsage();
  const cycle = await run();
  const runner = process.cpuUsage(runnerBefore);
  const busy = machineBusyMs() - busyBefore;
  const stats = await server.stats(true);
  const othersCpuMs = Math.max(0, busy - cycle.cpuMs - stats.cpuMs - (runner.user + runner.system) / 1000);
  return { ...cycle, server: stats, othersCpuMs };
}
