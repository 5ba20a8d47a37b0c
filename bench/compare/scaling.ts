/**
 * Poll-cycle wall time against the number of sources, plotted as a hand-written SVG, for one
 * process on SQLite and for three `tidings worker` processes on Redis.
 *
 *   npx tsx bench/compare/scaling.ts [--sources 1000,2000,5000,10000] [--items 2] [--mode sqlite,redis3] [--out docs/poll-scaling.svg]
 *   npx tsx bench/compare/scaling.ts --results <sqlite results.json>,<redis results.json>   # plot runs already made
 *
 * Runs bench/poll/run.ts (see bench/poll/README.md) with `--not-modified 0.9` for each count
 * and each mode: a cold cycle (empty store, every item new) and a warm cycle in which 90 % of
 * the feeds answer 304 and 10 % publish `--fresh-items` new items. Modes:
 *   - `sqlite`: the real `tidings poll --once` process on SQLite (wall time start-up included);
 *   - `redisN` (e.g. `redis3`): N `tidings worker` processes on Redis (REDIS_URL, BullMQ poll
 *     jobs, STORE_URL=redis://), started before timing; a cycle is one `tick` job until the
 *     queue is empty (`run.ts --store redis --mode workers --workers N`).
 * Then draws both cycles' wall time against sources, one panel each (their scales differ by
 * an order of magnitude), one line per mode. All modes use one build of HEAD.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    sources: { type: 'string', default: '1000,2000,5000,10000' },
    items: { type: 'string', default: '2' },
    'fresh-items': { type: 'string', default: '2' },
    mode: { type: 'string', default: 'sqlite,redis3' },
    results: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(REPO, 'docs', 'poll-scaling.svg') },
  },
});

interface Cycle {
  phase: 'cold' | 'warm';
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  othersCpuMs: number;
  stored?: number;
  loadAtStart?: number;
  redisCpuMs?: number;
  peakRssSumSampledKb?: number;
  workers?: { cpuMs: number; peakRssKb: number; rssBeforeKb: number }[];
}
interface Results {
  revision: string;
  options: { items: number; freshItems: number; notModified: number; store: string; mode: string; workers?: number };
  results: { sources: number; cycles: Cycle[]; problems: string[] }[];
}

function latestResults(dir: string): string {
  const runs = readdirSync(dir)
    .map((d) => path.join(dir, d, 'results.json'))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
  if (runs.length === 0) throw new Error(`no results.json under ${dir}`);
  return runs.sort().at(-1)!;
}

/** run.ts flags of a mode: `sqlite`, or `redisN` for N workers. */
function modeArgs(mode: string): string[] {
  if (mode === 'sqlite') return [];
  const workers = /^redis(\d+)$/.exec(mode)?.[1];
  if (workers) return ['--store', 'redis', '--mode', 'workers', '--workers', workers];
  throw new Error(`--mode: expected sqlite or redisN (N workers), got ${JSON.stringify(mode)}`);
}

let resultsFiles = values.results?.split(',');
if (!resultsFiles) {
  resultsFiles = [];
  let first = true;
  for (const mode of values.mode.split(',')) {
    const outDir = path.join(REPO, 'bench', 'out', 'compare', 'scaling', mode);
    const args = ['--import', 'tsx', path.join(REPO, 'bench', 'poll', 'run.ts'), '--sources', values.sources, '--items', values.items, '--fresh-items', values['fresh-items'], '--not-modified', '0.9', '--out', outDir, ...modeArgs(mode)];
    // One build for every mode: the later modes reuse the first one's.
    if (values['skip-build'] || !first) args.push('--skip-build');
    first = false;
    const run = spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`bench/poll/run.ts (${mode}) exited ${run.status}`);
    resultsFiles.push(latestResults(outDir));
  }
}

interface Point {
  sources: number;
  cold: Cycle;
  warm: Cycle;
}
interface Series {
  label: string;
  short: string;
  color: string;
  dash: string;
  data: Results;
  points: Point[];
}
const STYLES = [
  { color: '#c0392b', dash: '' },
  { color: '#2471a3', dash: '6 4' },
  { color: '#1e8449', dash: '2 3' },
];
const series: Series[] = resultsFiles.map((file, i) => {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const o = data.options;
  const workers = o.mode === 'workers';
  const label = workers ? `${o.workers} tidings worker processes, Redis` : `1 tidings poll --once process, ${o.store === 'sqlite' ? 'SQLite' : o.store}`;
  const short = workers ? `Redis, ${o.workers} workers` : o.store === 'sqlite' ? 'SQLite, 1 process' : o.store;
  const points = data.results
    .map((r) => ({ sources: r.sources, cold: r.cycles.find((c) => c.phase === 'cold')!, warm: r.cycles.find((c) => c.phase === 'warm')! }))
    .sort((a, b) => a.sources - b.sources);
  return { label, short, ...STYLES[i % STYLES.length]!, data, points };
});

// ---- SVG --------------------------------------------------------------------------------

const W = 880;
const H = 450;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const GOAL_S = 20;
const mibOf = (kb: number | undefined) => (kb === undefined ? '?' : Math.round(kb / 1024).toLocaleString('en-US'));

/** A round axis maximum and its tick step. */
function niceScale(max: number): { top: number; step: number } {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function tooltip(s: Series, p: Point, c: Cycle): string {
  const parts = [`${s.short}, ${p.sources} sources, ${c.phase}: ${(c.wallMs / 1000).toFixed(2)} s wall, ${(c.cpuMs / 1000).toFixed(2)} s CPU`];
  parts.push(c.workers ? `peak RSS ${mibOf(c.peakRssKb)} MiB summed over ${c.workers.length} workers (${mibOf(c.peakRssSumSampledKb)} MiB at once), Redis CPU ${((c.redisCpuMs ?? 0) / 1000).toFixed(2)} s` : `peak RSS ${mibOf(c.peakRssKb)} MiB`);
  parts.push(`${c.stored ?? '?'} articles stored, others' cores ${(c.othersCpuMs / c.wallMs).toFixed(2)}`);
  return esc(parts.join('; '));
}

function panel(x0: number, title: string, pick: (p: Point) => Cycle): string {
  const pw = 360;
  const ph = 260;
  const left = x0 + 60;
  const top = 84;
  const all = series.flatMap((s) => s.points);
  const xMax = niceScale(Math.max(...all.map((p) => p.sources)));
  const yMax = niceScale(Math.max(...all.map((p) => pick(p).wallMs / 1000)) * 1.1);
  const sx = (v: number) => left + (v / xMax.top) * pw;
  const sy = (v: number) => top + ph - (v / yMax.top) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${left + pw / 2}" y="${top - 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  for (let v = 0; v <= yMax.top + 1e-9; v += yMax.step) {
    parts.push(`<line x1="${left}" y1="${sy(v)}" x2="${left + pw}" y2="${sy(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${sy(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  for (let v = 0; v <= xMax.top + 1e-9; v += xMax.step) {
    parts.push(`<line x1="${sx(v)}" y1="${top + ph}" x2="${sx(v)}" y2="${top + ph + 4}" stroke="#444"/>`);
    parts.push(`<text x="${sx(v)}" y="${top + ph + 18}" text-anchor="middle">${v.toLocaleString('en-US')}</text>`);
  }
  // The goal: 10,000 sources in ≤ 20 s.
  if (GOAL_S <= yMax.top) {
    parts.push(`<line x1="${left}" y1="${sy(GOAL_S)}" x2="${left + pw}" y2="${sy(GOAL_S)}" stroke="#7d3c98" stroke-dasharray="1 3"/>`);
  }
  parts.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#444"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#444"/>`);
  parts.push(`<text x="${left + pw / 2}" y="${top + ph + 38}" text-anchor="middle">sources</text>`);
  parts.push(`<text x="${x0 + 14}" y="${top + ph / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${top + ph / 2})">wall time of the cycle, s</text>`);
  series.forEach((s) => {
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${s.points.map((p) => `${sx(p.sources).toFixed(1)},${sy(pick(p).wallMs / 1000).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) {
      const c = pick(p);
      const x = sx(p.sources);
      const y = sy(c.wallMs / 1000);
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" fill="${s.color}"><title>${tooltip(s, p, c)}</title></circle>`);
      // Labels above the higher point, below the lower one, so two series do not overprint.
      const others = series.filter((o) => o !== s).map((o) => o.points.find((q) => q.sources === p.sources)).filter((q): q is Point => q !== undefined);
      const below = others.some((q) => pick(q).wallMs > c.wallMs);
      // (below: to the right, under a line that rises to the right; above: to the left; at
      // the right edge both to the left.)
      const right = below && x < left + pw - 40;
      parts.push(`<text x="${(right ? x + 6 : x - 6).toFixed(1)}" y="${(below ? y + 16 : y - 8).toFixed(1)}" text-anchor="${right ? 'start' : 'end'}" font-size="11" fill="${s.color}">${(c.wallMs / 1000).toFixed(1)} s</text>`);
    }
  });
  return parts.join('\n');
}

function legend(y: number): string {
  const parts: string[] = [];
  series.forEach((s, i) => {
    const x = 30 + i * 300;
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 34}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/><circle cx="${x + 17}" cy="${y}" r="4" fill="${s.color}"/>`);
    parts.push(`<text x="${x + 42}" y="${y + 4}">${esc(s.label)}</text>`);
  });
  const x = 30 + series.length * 300;
  parts.push(`<line x1="${x}" y1="${y}" x2="${x + 34}" y2="${y}" stroke="#7d3c98" stroke-dasharray="1 3"/><text x="${x + 42}" y="${y + 4}">goal: 10,000 sources in ≤ ${GOAL_S} s</text>`);
  return parts.join('\n');
}

const o = series[0]!.data.options;
const revisions = [...new Set(series.map((s) => s.data.revision))].join(', ');
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">tidings poll cycle: wall time against sources (loopback feeds, ${o.items} items each)</text>
<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">tidings ${esc(revisions)}; 2 vCPU, shared machine; SQLite: start-up included, workers: started before; bench/compare/scaling.ts</text>
${panel(0, 'cold cycle: empty store, every item new', (p) => p.cold)}
${panel(440, `warm cycle: ${Math.round(o.notModified * 100)} % answer 304, the rest ${o.freshItems} new items`, (p) => p.warm)}
${legend(H - 30)}
</svg>
`;
writeFileSync(values.out, svg);

const cores = (c: Cycle) => (c.othersCpuMs / c.wallMs).toFixed(2);
const rows = series.flatMap((s) =>
  s.points.map((p) => {
    const peak = (c: Cycle) => (c.workers ? `${mibOf(c.peakRssKb)} (${mibOf(c.peakRssSumSampledKb)})` : mibOf(c.peakRssKb));
    const redis = (c: Cycle) => (c.redisCpuMs === undefined ? '—' : (c.redisCpuMs / 1000).toFixed(2));
    return `| ${s.short} | ${p.sources.toLocaleString('en-US')} | ${(p.cold.wallMs / 1000).toFixed(2)} | ${(p.cold.cpuMs / 1000).toFixed(2)} | ${redis(p.cold)} | ${peak(p.cold)} | ${(p.warm.wallMs / 1000).toFixed(2)} | ${(p.warm.cpuMs / 1000).toFixed(2)} | ${redis(p.warm)} | ${peak(p.warm)} | ${p.warm.stored ?? '?'} | ${p.cold.loadAtStart?.toFixed(1) ?? '?'} / ${p.warm.loadAtStart?.toFixed(1) ?? '?'} | ${cores(p.cold)} / ${cores(p.warm)} |`;
  }),
);
const failed = series.flatMap((s) => s.data.results.flatMap((r) => r.problems.map((p) => `${s.short}, ${r.sources}: ${p}`)));
process.stdout.write(
  [
    ...series.map((s, i) => `results (${s.short}): ${resultsFiles![i]}`),
    `svg: ${values.out}`,
    '',
    "| mode | sources | cold wall s | cold CPU s | cold Redis CPU s | cold peak MiB | warm wall s | warm CPU s | warm Redis CPU s | warm peak MiB | warm articles | load cold / warm | others' cores cold / warm |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    'Workers: CPU is the sum of the workers, peak the sum of their peaks (in brackets the most they held at once).',
    failed.length === 0 ? 'checks: passed in every cycle' : `checks FAILED:\n${failed.map((f) => `  - ${f}`).join('\n')}`,
    '',
  ].join('\n'),
);
