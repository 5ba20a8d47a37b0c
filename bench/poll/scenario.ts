/**
 * One scenario: a feed server for `sources` feeds, then a cold cycle (every item new) and a
 * warm one (the configured share answering 304, the rest with a few new items) on the same
 * store, each measured and checked.
 */
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkCycle, type Expected } from './checks.js';
import type { CycleMeasurement, Phase } from './measurement.js';
import type { TidingsBuild } from './build.js';
import type { BenchOptions } from './options.js';
import { runCliCycle } from './run-cli.js';
import { startCycleProcess, type CycleProcess } from './run-process.js';
import { redisStoreUrl, startWorkerPool, type WorkerPool } from './run-workers.js';
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
  /** Process mode: time from process start to a ready app (modules loaded, settings, sources, store open); workers mode: the slowest worker's. */
  startupMs?: number;
  /** Workers mode: the Redis database and BullMQ prefix used. */
  redisDb?: number;
  queuePrefix?: string;
  changedForWarm: number;
  cycles: CycleMeasurement[];
  problems: string[];
}

type CycleRunner = (phase: Phase) => Promise<Omit<CycleMeasurement, 'server' | 'othersCpuMs'>>;

export async function runScenario(options: BenchOptions, build: TidingsBuild, sources: number, repeat: number, workDir: string, redisDb?: number): Promise<ScenarioResult> {
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
  let proc: CycleProcess | WorkerPool | undefined;
  try {
    const sourcesFile = path.join(workDir, 'sources.yaml');
    writeSourcesYaml(sourcesFile, sources, hosts, server.port);
    const storeFile = path.join(workDir, 'store.sqlite');
    const storeUrl = options.store === 'memory' ? 'memory' : options.store === 'redis' ? redisStoreUrl(options, redisDb!) : `sqlite://${storeFile}`;
    const env = tidingsEnv(options, storeUrl);

    let runCycle: CycleRunner;
    if (options.mode === 'workers') {
      if (redisDb === undefined) throw new Error('workers mode needs a Redis database');
      const pool = await startWorkerPool({ cli: build.cli, options, sources, sourcesFile, workDir, env, redisDb });
      proc = pool;
      runCycle = (phase) => pool.cycle(phase);
    } else if (options.mode === 'cli') {
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

    const base: Omit<Expected, 'changed' | 'newPerChanged'> = { sources, hosts, perHostConcurrency: options.perHostConcurrency, processes: options.mode === 'workers' ? options.workers : 1 };
    await server.stats(true);
    const cold = await measure(server, () => runCycle('cold'));
    const changed = await server.advance(1 - options.notModified);
    if (proc && 'makeAllDue' in proc) await proc.makeAllDue();
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
      ...(proc && 'prefix' in proc ? { redisDb: proc.redisDb, queuePrefix: proc.prefix } : {}),
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
  const loadAtStart = os.loadavg()[0];
  const busyBefore = machineBusyMs();
  const runnerBefore = process.cpuUsage();
  const cycle = await run();
  const runner = process.cpuUsage(runnerBefore);
  const busy = machineBusyMs() - busyBefore;
  const stats = await server.stats(true);
  const othersCpuMs = Math.max(0, busy - cycle.cpuMs - (cycle.redisCpuMs ?? 0) - stats.cpuMs - (runner.user + runner.system) / 1000);
  return { ...cycle, server: stats, othersCpuMs, loadAtStart };
}
