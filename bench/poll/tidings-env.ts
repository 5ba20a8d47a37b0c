/**
 * The environment a measured tidings process gets: only PATH and the settings the benchmark
 * sets, so nothing from the caller's shell or a `.env` changes what is measured (processes run
 * in the output folder, where there is no `.env`). `TIDINGS_BENCH_NODE_OPTIONS` in the
 * caller's environment becomes the measured process's NODE_OPTIONS (to measure V8 settings,
 * e.g. `--max-old-space-size=160`).
 */
import type { BenchOptions } from './options.js';

export function tidingsEnv(options: BenchOptions, storeUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    STORE_URL: storeUrl,
    ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: options.logLevel,
    LOG_FORMAT: 'json',
    POLL_CONCURRENCY: String(options.pollConcurrency),
    FETCH_CONCURRENCY: String(options.fetchConcurrency),
    FETCH_PER_HOST_CONCURRENCY: String(options.perHostConcurrency),
    ...(process.env.TIDINGS_BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.TIDINGS_BENCH_NODE_OPTIONS } : {}),
  };
}
