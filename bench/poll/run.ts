/**
 * The poll-cycle benchmark: N local feeds over many loopback addresses, a cold and a warm
 * cycle of tidings against them, wall time, CPU and peak memory. See README.md.
 *
 *   npx tsx bench/poll/run.ts --sources 2000
 *   npx tsx bench/poll/run.ts --sources 1000,2000,5000 --poll-concurrency 64
 *   npx tsx bench/poll/run.ts --store memory            (process mode)
 *   npx tsx bench/poll/run.ts --store redis --workers 3  (workers mode: distributed, on Redis)
 *
 * Prints a Markdown table on stdout (progress on stderr), writes results.json into a new
 * folder under --out, and exits 1 when a cycle does not check out (see checks.ts).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTidings } from './build.js';
import { describeMachine, formatMachine } from './machine.js';
import { OptionsError, parseOptions, USAGE } from './options.js';
import { describeSettings, formatTable } from './report.js';
import { assertGnuTime } from './run-cli.js';
import { runScenario, type ScenarioResult } from './scenario.js';
import { claimRedisDb, releaseRedisDb } from './run-workers.js';

function mib(kb: number | undefined): string {
  return kb === undefined ? '?' : (kb / 1024).toFixed(0);
}

function progress(line: string): void {
  process.stderr.write(`bench/poll: ${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    if (!(err instanceof OptionsError) && !(err instanceof TypeError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.mode === 'cli') assertGnuTime();

  let build;
  if (options.cli) {
    const revisionFile = path.join(path.dirname(options.cli), '..', '..', '..', 'REVISION');
    const revision = existsSync(revisionFile) ? readFileSync(revisionFile, 'utf8').trim() : 'unknown';
    build = { cli: options.cli, driver: '', revision: `${revision} (${path.relative(process.cwd(), options.cli)})` };
    progress(`measuring ${build.revision}`);
  } else {
    progress(`building tidings (${options.build === 'head' ? 'HEAD' : 'working tree'}) into bench/out/build`);
    build = buildTidings(options.build, options.skipBuild);
  }
  const machine = describeMachine();
  const runDir = path.join(options.outDir, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });

  const redisDb = options.mode === 'workers' ? await claimRedisDb(options.redisUrl, options.redisDb) : undefined;
  if (redisDb !== undefined) progress(`workers mode: ${options.workers} \`tidings worker\` processes, queue and store in ${options.redisUrl}/${redisDb}`);
  const results: ScenarioResult[] = [];
  try {
    for (const sources of options.sources) {
      for (let repeat = 1; repeat <= options.repeat; repeat++) {
        const name = options.repeat > 1 ? `${sources}-${repeat}` : String(sources);
        progress(`${name}: ${sources} sources, preparing feeds, then a cold and a warm cycle`);
        const result = await runScenario(options, build, sources, repeat, path.join(runDir, name), redisDb);
        results.push(result);
        for (const c of result.cycles) progress(`${name}, ${c.phase}: ${(c.wallMs / 1000).toFixed(2)} s, CPU ${(c.cpuMs / 1000).toFixed(2)} s, peak ${mib(c.peakRssKb)} MiB${c.workers ? ` (sum of ${c.workers.length} workers; at once ${mib(c.peakRssSumSampledKb)} MiB), Redis CPU ${((c.redisCpuMs ?? 0) / 1000).toFixed(2)} s` : ''}`);
      }
    }
  } finally {
    if (redisDb !== undefined) await releaseRedisDb(options.redisUrl, redisDb, options.keep);
  }
  writeFileSync(path.join(runDir, 'results.json'), `${JSON.stringify({ revision: build.revision, options, machine, results }, null, 2)}\n`);

  const label = (r: ScenarioResult): string => `${r.sources} sources${options.repeat > 1 ? ` (run ${r.repeat})` : ''}`;
  const out: string[] = [];
  out.push(`tidings: ${build.revision}`, `machine: ${formatMachine(machine)}`, `settings: ${describeSettings(options)}`, '');
  out.push(formatTable(options, results.flatMap((r) => r.cycles.map((cycle) => ({ sources: r.sources, repeat: r.repeat, cycle })))), '');
  for (const r of results) {
    const notes = [`feed server built ${r.sources} feeds (${(r.serverBodyBytes / 1e6).toFixed(1)} MB of bodies) in ${(r.serverPrepareMs / 1000).toFixed(1)} s`];
    if (r.startupMs !== undefined) notes.push(`tidings ${options.mode === 'workers' ? `workers (${options.workers})` : 'process'} ready in ${(r.startupMs / 1000).toFixed(2)} s`);
    for (const c of r.cycles) {
      const parts = [`load ${c.loadAtStart?.toFixed(2) ?? '?'} at the start`, `server CPU ${(c.server.cpuMs / 1000).toFixed(2)} s`, `${c.server.connections} connections`, `max ${c.server.maxInFlightPerAddress} in flight per address`];
      if (c.rssAfterKb !== undefined) parts.push(`RSS after ${mib(c.rssAfterKb)} MiB, heap used after ${mib(c.heapUsedAfterKb)} MiB`);
      if (c.liveHeapWithResultsKb !== undefined) parts.push(`live heap after GC ${mib(c.liveHeapWithResultsKb)} MiB with the cycle's results, ${mib(c.liveHeapWithoutResultsKb)} MiB without`);
      if (c.workers) {
        parts.push(`workers CPU ${c.workers.map((w) => (w.cpuMs / 1000).toFixed(2)).join(' / ')} s, RSS at the start ${c.workers.map((w) => mib(w.rssBeforeKb)).join(' / ')} MiB, peak RSS ${c.workers.map((w) => mib(w.peakRssKb)).join(' / ')} MiB (at once ${mib(c.peakRssSumSampledKb)} MiB), 200s polled ${c.workers.map((w) => w.polled200).join(' / ')}`);
        parts.push(`poll jobs enqueued ${c.enqueuedMs === undefined ? '?' : `${(c.enqueuedMs / 1000).toFixed(2)} s`} after the tick was added`);
        parts.push(`Redis CPU ${((c.redisCpuMs ?? 0) / 1000).toFixed(2)} s (whole server), memory +${mib(c.redisMemoryGrowthKb)} MiB`);
        parts.push(`${c.server.overlappingFeedRequests} overlapping and ${c.server.repeatedFeedRequests} repeated feed requests`);
      }
      if (c.peakSinceStartup) parts.push('peak is since start-up (the kernel refused a reset)');
      notes.push(`${c.phase}: ${parts.join(', ')}`);
    }
    out.push(`${label(r)} — ${notes.join('; ')}`);
  }
  const problems = results.flatMap((r) => [...r.problems.map((p) => `${label(r)}, ${p}`), ...r.cycles.flatMap((c) => c.problems.map((p) => `${label(r)}, ${c.phase}, tidings logged: ${p}`))]);
  out.push('', problems.length === 0 ? 'checks: every cycle polled all sources, stored what it should and got the 200s and 304s expected' : `checks FAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  const busy = results.flatMap((r) => r.cycles.filter((c) => c.othersCpuMs / c.wallMs > 0.1).map((c) => `${label(r)} ${c.phase}`));
  if (busy.length > 0) out.push(`warning: other processes took more than 0.1 core during ${busy.join(', ')}; wall times there are inflated (CPU s is less affected)`);
  out.push(`results: ${path.relative(process.cwd(), runDir)}/results.json`);
  process.stdout.write(`${out.join('\n')}\n`);
  return results.some((r) => r.problems.length > 0) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench/poll: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
