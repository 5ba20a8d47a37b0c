/** The results table (Markdown, so it can go into docs/benchmarks.md as printed). */
import type { CycleMeasurement } from './measurement.js';
import type { BenchOptions } from './options.js';

export interface ScenarioRow {
  sources: number;
  /** 1-based run of the scenario, shown when there are several. */
  repeat: number;
  cycle: CycleMeasurement;
}

const HEADER = ['sources', 'items', 'hosts', 'store', 'mode', 'run', 'wall s', 'sources/s', 'CPU s', 'peak RSS MiB', 'stored', '200s', '304s', 'failed', "others' cores"];

function cell(n: number | undefined, digits = 0): string {
  return n === undefined ? '—' : n.toFixed(digits);
}

export function formatTable(options: BenchOptions, rows: ScenarioRow[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map((h) => (h === 'run' || h === 'store' || h === 'mode' ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const { sources, repeat, cycle: c } of rows) {
    const values = [
      String(sources),
      String(options.items),
      String(Math.min(options.hosts, sources)),
      options.store,
      options.mode === 'workers' ? `${options.workers} workers` : options.mode,
      options.repeat > 1 ? `${c.phase} ${repeat}/${options.repeat}` : c.phase,
      cell(c.wallMs / 1000, 2),
      cell(sources / (c.wallMs / 1000), 0),
      cell(c.cpuMs / 1000, 2),
      cell(c.peakRssKb / 1024, 0),
      cell(c.stored),
      cell(c.server.ok200),
      cell(c.server.notModified304),
      cell(c.failed),
      cell(c.othersCpuMs / c.wallMs, 2),
    ];
    lines.push(`| ${values.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function describeSettings(o: BenchOptions): string {
  return [
    `POLL_CONCURRENCY=${o.pollConcurrency}`,
    `FETCH_CONCURRENCY=${o.fetchConcurrency}`,
    `FETCH_PER_HOST_CONCURRENCY=${o.perHostConcurrency}`,
    `LOG_LEVEL=${o.logLevel}`,
    `server latency ${o.latencyMs} ms`,
    `bodies ${o.encoding}`,
    `warm: ${Math.round(o.notModified * 100)}% 304, ${o.freshItems} new items per changed feed`,
    ...(o.mode === 'workers' ? [`${o.workers} \`tidings worker\` processes (settings per process), REDIS_URL and STORE_URL on Redis; CPU s is the workers' sum, peak RSS the sum of their peaks`] : []),
  ].join(', ');
}
